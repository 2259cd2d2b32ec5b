/**
 * The import graph of `lib/` and the layer rules it must keep: dependencies point down, no
 * cycles (type imports included), `lib/auth/chain` only through its facade, and the CLI only
 * through the public surface and one internal entry. Pure functions over a graph, so that the
 * rules themselves are unit-tested on small made-up graphs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

/** An import graph: file (relative to `lib/`, `/`-separated) → the files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** One layer: a name and the path patterns of its files (`dir/**` or an exact file). */
export interface Layer {
  readonly name: string;
  readonly files: readonly string[];
}

/** The rules: layers from the bottom up, the facade directories, the CLI's allowed entries. */
export interface LayerRules {
  readonly layers: readonly Layer[];
  /** Directories whose files outside them may import only `<dir>/index.ts`. */
  readonly facades: readonly string[];
  /** The CLI directory, and what it may import outside itself. */
  readonly cli: { readonly dir: string; readonly entries: readonly string[] };
}

function matches(file: string, pattern: string): boolean {
  return pattern.endsWith('/**') ? file.startsWith(pattern.slice(0, -2)) : file === pattern;
}

/** The index of the layer of `file`, or -1 when no layer claims it. */
export function layerOf(rules: LayerRules, file: string): number {
  return rules.layers.findIndex((layer) => layer.files.some((p) => matches(file, p)));
}

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listTs(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function resolveImport(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile() && candidate.endsWith('.ts')) return candidate;
    } catch {
      /* not this candidate */
    }
  }
  return undefined;
}

/**
 * Reads every `.ts` file under `root` and its relative imports: `import`, `import type`,
 * `export … from`, `import()` and `require()`.
 *
 * @throws {Error} on a relative import that resolves to no file.
 */
export function readImportGraph(root: string): ImportGraph {
  const graph = new Map<string, string[]>();
  const name = (path: string): string => relative(root, path).split('\\').join('/');
  for (const file of listTs(root)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((ref) => ref.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => {
        const target = resolveImport(file, specifier);
        if (target === undefined) throw new Error(`${name(file)}: cannot resolve ${specifier}`);
        return name(target);
      });
    graph.set(name(file), [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself. */
export function cycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node) as number, low.get(target) as number));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node) as number, index.get(target) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) {
      found.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

/**
 * Every rule violation of `graph`, one line each:
 *
 * - `unlayered: <file>` — a file no layer claims;
 * - `upward: <from> -> <to>` — an import of a higher layer;
 * - `facade: <from> -> <to>` — a file of a facade directory imported from outside, not its index;
 * - `cli: <from> -> <to>` — the CLI importing something other than its allowed entries;
 * - `cycle: <a> <b> …` — files that import each other, directly or not (type imports count).
 */
export function violations(graph: ImportGraph, rules: LayerRules): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    const fromLayer = layerOf(rules, from);
    if (fromLayer === -1) found.push(`unlayered: ${from}`);
    const inCli = matches(from, `${rules.cli.dir}/**`);
    for (const to of targets) {
      const edge = `${from} -> ${to}`;
      if (inCli) {
        if (!matches(to, `${rules.cli.dir}/**`) && !rules.cli.entries.includes(to)) {
          found.push(`cli: ${edge}`);
        }
        continue;
      }
      if (fromLayer !== -1 && layerOf(rules, to) > fromLayer) found.push(`upward: ${edge}`);
      for (const dir of rules.facades) {
        if (matches(to, `${dir}/**`) && !matches(from, `${dir}/**`) && to !== `${dir}/index.ts`) {
          found.push(`facade: ${edge}`);
        }
      }
    }
  }
  for (const cycle of cycles(graph)) found.push(`cycle: ${cycle.join(' ')}`);
  return found.sort();
}
