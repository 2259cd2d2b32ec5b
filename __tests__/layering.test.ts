/**
 * The layer rules of CONTRIBUTING.md ("Layers"), enforced on the import graph of `lib/`.
 */
import { join } from 'node:path';
import {
  cycles,
  layerOf,
  readImportGraph,
  violations,
  type ImportGraph,
  type LayerRules,
} from './helpers/import-graph';

/** From the bottom up: a file may import its own layer and the layers below it. */
const RULES: LayerRules = {
  layers: [
    { name: 'internal', files: ['internal/**'] },
    {
      name: 'errors and certificate',
      files: [
        'error-codes.ts',
        'errors.ts',
        'decision.ts',
        'errors-docs.ts',
        'error-mapping.ts',
        'warnings.ts',
        'diagnostics.ts',
        'decision-event.ts',
        'audit-record.ts',
        'debug.ts',
        'certificate.ts',
        'distinguished-name.ts',
        'spiffe-id.ts',
        'access-token-claims.ts',
        'x509/**',
      ],
    },
    { name: 'forwarding', files: ['forwarding/**'] },
    { name: 'auth', files: ['auth/**', 'request-types.ts'] },
    { name: 'binding and dpop', files: ['binding/**', 'dpop/**'] },
    { name: 'observability', files: ['observability/**'] },
    {
      name: 'public surface',
      files: ['index.ts', 'typed-handler.ts', 'error-handler.ts'],
    },
    { name: 'cli entry', files: ['cli-internal.ts'] },
    { name: 'cli', files: ['cli/**'] },
  ],
  facades: ['auth/chain'],
  cli: { dir: 'cli', entries: ['index.ts', 'cli-internal.ts'] },
};

/**
 * Violations tolerated for now: none. Keep it empty — fix the import instead. A line that no
 * longer occurs fails the test, so the list can only shrink.
 */
const ALLOWED: readonly string[] = [];

describe('the layer rules, on made-up graphs', () => {
  const graph = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

  it('places files in their layer, and unknown files nowhere', () => {
    expect(layerOf(RULES, 'internal/der.ts')).toBe(0);
    expect(layerOf(RULES, 'auth/chain/index.ts')).toBe(3);
    expect(layerOf(RULES, 'index.ts')).toBe(6);
    expect(layerOf(RULES, 'x509/certificate-info.ts')).toBe(1);
    expect(layerOf(RULES, 'cli-internal.ts')).toBe(7);
    expect(layerOf(RULES, 'somewhere/new.ts')).toBe(-1);
  });

  it('accepts downward and same-layer imports', () => {
    const ok = graph({
      'auth/a.ts': ['auth/b.ts', 'forwarding/c.ts', 'errors.ts', 'internal/d.ts'],
      'auth/b.ts': [],
      'forwarding/c.ts': [],
      'errors.ts': [],
      'internal/d.ts': [],
    });
    expect(violations(ok, RULES)).toEqual([]);
  });

  it('reports an upward import, a type import included', () => {
    const bad = graph({ 'internal/d.ts': ['errors.ts'], 'errors.ts': [] });
    expect(violations(bad, RULES)).toEqual(['upward: internal/d.ts -> errors.ts']);
  });

  it('reports a cycle, however long, and a file importing itself', () => {
    const bad = graph({
      'auth/a.ts': ['auth/b.ts'],
      'auth/b.ts': ['auth/c.ts'],
      'auth/c.ts': ['auth/a.ts'],
      'auth/d.ts': ['auth/d.ts'],
    });
    expect(cycles(bad)).toEqual([['auth/a.ts', 'auth/b.ts', 'auth/c.ts'], ['auth/d.ts']]);
    expect(violations(bad, RULES)).toEqual([
      'cycle: auth/a.ts auth/b.ts auth/c.ts',
      'cycle: auth/d.ts',
    ]);
  });

  it('reports a facade bypass, but not the facade or imports inside it', () => {
    const edges = graph({
      'auth/a.ts': ['auth/chain/index.ts', 'auth/chain/extensions.ts'],
      'auth/chain/index.ts': ['auth/chain/extensions.ts'],
      'auth/chain/extensions.ts': [],
    });
    expect(violations(edges, RULES)).toEqual(['facade: auth/a.ts -> auth/chain/extensions.ts']);
  });

  it('lets the CLI import only the public surface and its one internal entry', () => {
    const edges = graph({
      'cli/a.ts': ['cli/b.ts', 'index.ts', 'cli-internal.ts', 'internal/pem.ts'],
      'cli/b.ts': [],
      'index.ts': [],
      'cli-internal.ts': ['internal/pem.ts', 'auth/chain/index.ts'],
      'auth/chain/index.ts': [],
      'internal/pem.ts': [],
    });
    expect(violations(edges, RULES)).toEqual(['cli: cli/a.ts -> internal/pem.ts']);
  });

  it('keeps the CLI entry off the public surface', () => {
    const edges = graph({ 'index.ts': ['cli-internal.ts'], 'cli-internal.ts': [] });
    expect(violations(edges, RULES)).toEqual(['upward: index.ts -> cli-internal.ts']);
  });

  it('reports a file that no layer claims', () => {
    expect(violations(graph({ 'new-thing.ts': ['errors.ts'], 'errors.ts': [] }), RULES)).toEqual([
      'unlayered: new-thing.ts',
    ]);
  });
});

describe('lib/', () => {
  const found = violations(readImportGraph(join(__dirname, '..', 'lib')), RULES);

  it('has no violation beyond the allowlist', () => {
    expect(found.filter((line) => !ALLOWED.includes(line))).toEqual([]);
  });

  it('has no stale allowlist entry (delete fixed ones)', () => {
    expect(ALLOWED.filter((line) => !found.includes(line))).toEqual([]);
  });
});
