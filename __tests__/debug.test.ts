import { DIAGNOSTICS_CHANNELS } from '../lib/diagnostics';
import { debugMatcher, formatDebugLine } from '../lib/debug';
import { escapeUntrusted } from '../lib/internal/sanitize';

type DebugModule = typeof import('../lib/debug');

/** A fresh copy of the debug module (its "started" flag is per process). */
const started: DebugModule[] = [];

function freshDebug(): DebugModule {
  let loaded: DebugModule | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('../lib/debug') as DebugModule;
  });
  started.push(loaded as DebugModule);
  return loaded as DebugModule;
}

// Diagnostics channels are process-wide: no subscription may outlive its test.
afterEach(() => {
  for (const debug of started.splice(0)) debug.stopDebugOutput();
});

describe('debugMatcher (the debug package syntax)', () => {
  it.each<[string | undefined, string, boolean]>([
    [undefined, 'express-mtls:token', false],
    ['', 'express-mtls:token', false],
    ['express-mtls:*', 'express-mtls:token', true],
    ['express-mtls:*', 'express-mtls:certificate:ignored', true],
    ['express-mtls:*', 'express:router', false],
    ['*', 'express-mtls:warning', true],
    ['express-mtls:token', 'express-mtls:token', true],
    ['express-mtls:token', 'express-mtls:token2', false],
    ['express:*,express-mtls:certificate:*', 'express-mtls:certificate:absent', true],
    ['express:* express-mtls:warning', 'express-mtls:warning', true],
    ['express-mtls:*,-express-mtls:token', 'express-mtls:token', false],
    ['express-mtls:*,-express-mtls:token', 'express-mtls:warning', true],
    ['-express-mtls:token', 'express-mtls:warning', false],
    ['*,-', 'express-mtls:warning', true],
    ['express-mtls:(a)+.?', 'express-mtls:(a)+.?', true],
    ['express-mtls:(a)+.?', 'express-mtls:aa', false],
  ])('DEBUG=%p enables %s: %p', (spec, namespace, expected) => {
    expect(debugMatcher(spec)(namespace)).toBe(expected);
  });
});

describe('escapeUntrusted, as debug lines use it', () => {
  it('escapes everything but printable ASCII and clips long values', () => {
    expect(escapeUntrusted('a\r\nb\u0000é\u2028')).toBe('a\\u000d\\u000ab\\u0000\\u00e9\\u2028');
    expect(escapeUntrusted('x'.repeat(200), 120)).toBe(`${'x'.repeat(120)}...`);
    expect(escapeUntrusted('abcdef', 3)).toBe('abc...');
  });
});

describe('formatDebugLine', () => {
  it('prints the namespace and key=value pairs, nested objects dotted', () => {
    expect(
      formatDebugLine('express-mtls:client:rejected', {
        reason: 'unknown_issuer',
        detail: 'no path to a trust anchor',
        certificate: { subject: 'CN=a "b"', chainLength: 0, nested: { deep: { x: 1 } } },
        at: new Date(0),
        list: ['a', 1, { b: 2 }],
        none: undefined,
        empty: '',
        ok: true,
        nothing: null,
      }),
    ).toBe(
      'express-mtls:client:rejected reason=unknown_issuer detail="no path to a trust anchor" ' +
        'certificate.subject="CN=a \\"b\\"" certificate.chainLength=0 ' +
        'certificate.nested.deep="{\\"x\\":1}" at=1970-01-01T00:00:00.000Z ' +
        'list="a,1,{\\"b\\":2}" empty="" ok=true nothing=null',
    );
  });

  it('never lets a value break the line', () => {
    const line = formatDebugLine('express-mtls:token', {
      message: 'alg "x"\\\r\nexpress-mtls:token outcome=accepted',
    });
    expect(line).not.toMatch(/[\r\n]/);
    expect(line).toBe(
      'express-mtls:token message="alg \\"x\\"\\\\\\u000d\\u000aexpress-mtls:token outcome=accepted"',
    );
  });

  it('prints a message that is not an object as value=', () => {
    expect(formatDebugLine('express-mtls:warning', 'text')).toBe('express-mtls:warning value=text');
  });
});

describe('startDebugOutput', () => {
  it('subscribes to nothing when DEBUG names no express-mtls channel', () => {
    const debug = freshDebug();
    const write = jest.fn();
    expect(debug.startDebugOutput('express:*', write)).toEqual([]);
  });

  it('prints one line per event on the channels DEBUG enables, once per process', async () => {
    const debug = freshDebug();
    const lines: string[] = [];
    const names = debug.startDebugOutput(
      'express-mtls:certificate:*,-express-mtls:certificate:accepted',
      (line) => lines.push(line),
    );
    expect(names).toEqual([
      'express-mtls:certificate:absent',
      'express-mtls:certificate:ignored',
      'express-mtls:certificate:rejected',
    ]);
    expect(debug.startDebugOutput('*', (line) => lines.push(line))).toEqual([]);
    const { publish } = await import('../lib/diagnostics');
    publish(DIAGNOSTICS_CHANNELS.certificateIgnored, () => ({
      reason: 'untrusted_peer',
      peer: '10.0.0.5',
    }));
    publish(DIAGNOSTICS_CHANNELS.certificateAccepted, () => ({ thumbprint: 'x' }));
    expect(lines).toEqual([
      'express-mtls:certificate:ignored reason=untrusted_peer peer=10.0.0.5\n',
    ]);
    debug.stopDebugOutput();
    publish(DIAGNOSTICS_CHANNELS.certificateIgnored, () => ({ reason: 'untrusted_peer' }));
    expect(lines).toHaveLength(1);
    expect(debug.startDebugOutput('express-mtls:token', (line) => lines.push(line))).toEqual([
      'express-mtls:token',
    ]);
  });

  it('reads process.env.DEBUG and writes to stderr by default', () => {
    const debug = freshDebug();
    const saved = process.env.DEBUG;
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      process.env.DEBUG = 'express-mtls:warning';
      expect(debug.startDebugOutput()).toEqual(['express-mtls:warning']);
      const { channel } = jest.requireActual<typeof import('node:diagnostics_channel')>(
        'node:diagnostics_channel',
      );
      channel('express-mtls:warning').publish({ code: 'MTLS_NOT_TLS' });
      expect(stderr).toHaveBeenCalledWith('express-mtls:warning code=MTLS_NOT_TLS\n');
    } finally {
      stderr.mockRestore();
      if (saved === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = saved;
    }
  });
});
