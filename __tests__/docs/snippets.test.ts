import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { allSnippets, extractSnippets, ROOT, type Snippet } from './markdown-snippets';

/**
 * Every ts / js / mjs / cjs block of README.md and docs/ is a program that must type-check under
 * `strict`, with `express-mtls` resolved to lib/index.ts — one TypeScript program for all of them.
 * A block that is a fragment on purpose says so with `<!-- snippet: skip <reason> -->`.
 */
const snippets = allSnippets();
const checked = snippets.filter((s) => s.ext !== undefined && !s.marker?.startsWith('skip'));
const skipped = snippets.filter((s) => s.ext !== undefined && s.marker?.startsWith('skip'));

function fileName(snippet: Snippet): string {
  return `${snippet.page.replace(/[^A-Za-z0-9]+/g, '_')}_L${snippet.line}.${snippet.ext}`;
}

let dir = '';
const diagnostics = new Map<string, string[]>();

beforeAll(() => {
  // Outside the repository (so that no linter or formatter ever sees the files), with the
  // repository's node_modules linked in for express, jsonwebtoken and the @types packages.
  dir = mkdtempSync(join(tmpdir(), 'express-mtls-snippets-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'commonjs', private: true }));
  const files = checked.map((snippet) => {
    const file = join(dir, fileName(snippet));
    writeFileSync(file, snippet.code);
    return file;
  });
  const config = {
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      lib: ['ES2022'],
      module: 'node16',
      moduleResolution: 'node16',
      moduleDetection: 'force',
      allowJs: true,
      checkJs: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      types: ['node'],
      paths: { 'express-mtls': [join(ROOT, 'lib', 'index.ts')] },
    },
    files,
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dir);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  for (const file of files) diagnostics.set(file, []);
  for (const diagnostic of [
    ...program.getOptionsDiagnostics(),
    ...ts.getPreEmitDiagnostics(program),
  ]) {
    const file = diagnostic.file?.fileName;
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (file === undefined) {
      throw new Error(`snippet program: ${message}`);
    }
    const list = diagnostics.get(file);
    if (list === undefined) continue; // lib/ and node_modules are checked elsewhere
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    list.push(`line ${line + 1} of the block: TS${diagnostic.code} ${message}`);
  }
}, 120_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('code snippets in README.md and docs/', () => {
  it('finds the snippets (the extraction works)', () => {
    expect(checked.length).toBeGreaterThan(30);
    expect(new Set(checked.map((s) => s.page))).toContain('README.md');
  });

  it('skips few blocks, each with a reason', () => {
    expect(skipped.length).toBeLessThanOrEqual(5);
    for (const snippet of skipped) expect(snippet.marker).toMatch(/^skip \S.{9,}/);
  });

  it.each(checked.map((s) => [`${s.page}:${s.line}`, s] as const))(
    '%s type-checks under strict',
    (_where, snippet) => {
      expect(diagnostics.get(join(dir, fileName(snippet)))).toEqual([]);
    },
  );
});

describe('extractSnippets', () => {
  it('reads fences, languages, lines and markers', () => {
    const page = [
      '# t',
      '<!-- snippet: skip a fragment of a larger file -->',
      '',
      '```ts',
      'const a = 1;',
      '```',
      'text',
      '````mjs',
      '```',
      '````',
      '```sh',
      'ls',
      '```',
    ].join('\n');
    expect(extractSnippets('x.md', page)).toEqual([
      {
        page: 'x.md',
        line: 4,
        lang: 'ts',
        ext: 'ts',
        code: 'const a = 1;\n',
        marker: 'skip a fragment of a larger file',
      },
      { page: 'x.md', line: 8, lang: 'mjs', ext: 'mjs', code: '```\n', marker: undefined },
      { page: 'x.md', line: 11, lang: 'sh', ext: undefined, code: 'ls\n', marker: undefined },
    ]);
  });

  it('refuses an unclosed fence', () => {
    expect(() => extractSnippets('x.md', '```ts\nconst a = 1;\n')).toThrow(/x.md:1: unclosed/);
  });
});
