import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');

/** The fence languages whose blocks are type-checked, and the file extension each gets. */
const CHECKED: Readonly<Record<string, 'ts' | 'js' | 'mjs' | 'cjs'>> = {
  ts: 'ts',
  typescript: 'ts',
  js: 'js',
  javascript: 'js',
  mjs: 'mjs',
  cjs: 'cjs',
};

/** One fenced code block of a Markdown page. */
export interface Snippet {
  /** The page, relative to the repository root (`docs/errors.md`). */
  readonly page: string;
  /** The 1-based line of the opening fence. */
  readonly line: number;
  /** The fence's language (`ts`, `mjs`, `sh`, …). */
  readonly lang: string;
  /** The extension the block is checked as, or `undefined` for languages that are not code. */
  readonly ext: 'ts' | 'js' | 'mjs' | 'cjs' | undefined;
  readonly code: string;
  /**
   * The `<!-- snippet: … -->` marker on the last non-blank line before the fence: `skip <reason>`
   * (a fragment that is not checked) or a name (`quick-start-app`) that tests refer to.
   */
  readonly marker: string | undefined;
}

const MARKER = /^<!-- snippet: (.+?) -->$/;

/** Every fenced block of a Markdown text. */
export function extractSnippets(page: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  let open: { line: number; lang: string; fence: string; marker: string | undefined } | undefined;
  let body: string[] = [];
  let previous = '';
  lines.forEach((text, index) => {
    if (open === undefined) {
      const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(text);
      if (fence !== null) {
        const marker = MARKER.exec(previous.trim())?.[1];
        open = { line: index + 1, lang: fence[3] ?? '', fence: fence[2] as string, marker };
        body = [];
      } else if (text.trim() !== '') {
        previous = text;
      }
      return;
    }
    if (text.trim().startsWith(open.fence) && text.trim().replace(/[`~]/g, '') === '') {
      snippets.push({
        page,
        line: open.line,
        lang: open.lang,
        ext: CHECKED[open.lang],
        code: `${body.join('\n')}\n`,
        marker: open.marker,
      });
      open = undefined;
      previous = '';
      return;
    }
    body.push(text);
  });
  if (open !== undefined) throw new Error(`${page}:${open.line}: unclosed code fence`);
  return snippets;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'api' ? [] : markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The pages whose snippets are checked: README.md and docs/**\/*.md (not the generated docs/api). */
export function documentationPages(): string[] {
  return [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))].map((path) =>
    relative(ROOT, path),
  );
}

/** Every snippet of every documentation page. */
export function allSnippets(): Snippet[] {
  return documentationPages().flatMap((page) =>
    extractSnippets(page, readFileSync(join(ROOT, page), 'utf8')),
  );
}

/** The one snippet carrying `<!-- snippet: name -->`. */
export function namedSnippet(name: string): Snippet {
  const found = allSnippets().filter((snippet) => snippet.marker === name);
  if (found.length !== 1)
    throw new Error(`expected one snippet named ${name}, found ${found.length}`);
  return found[0] as Snippet;
}

/** GitHub's heading anchor: lower case, punctuation dropped (but `_` and `-`), spaces → `-`. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

/** The text without its fenced code blocks. */
export function withoutCode(markdown: string): string {
  return markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');
}

/** The anchors of a Markdown page: `<a id>` and headings (repeats get `-1`, `-2`, …). */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const match of markdown.matchAll(/<a id="([^"]+)"><\/a>/g)) anchors.add(match[1] as string);
  const seen = new Map<string, number>();
  for (const match of withoutCode(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = headingSlug(match[1] as string);
    const count = seen.get(slug);
    seen.set(slug, (count ?? -1) + 1);
    anchors.add(count === undefined ? slug : `${slug}-${count + 1}`);
  }
  return anchors;
}
