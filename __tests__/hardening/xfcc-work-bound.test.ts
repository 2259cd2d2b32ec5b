/**
 * The work one XFCC header can cost (issue #10): the boundary check decodes the certificate of
 * every element up to the one believed, so the worst header is a full `maxHeaderBytes` (16 KiB)
 * of elements that all pass until the last. Each shape is timed as the synchronous duration of
 * the middleware call (the event loop is blocked for exactly that long), cache disabled, and
 * must stay under a bound generous enough for a loaded 2-core machine.
 */
import { performance } from 'node:perf_hooks';
import type { Request, Response } from 'express';
import { clientCertificate } from '../../lib';
import { sanitizeSet } from '../forwarding/support/envoy-xfcc';
import { sanCertificate } from '../helpers/san-certificate';

const MAX_HEADER_BYTES = 16384;
const BOUND_MS = 50;
const DETAILS = { cert: true, subject: true, uri: true, dns: true };

/** `unit` repeated (then `last` appended) to fill the header as far as it fits. */
function fill(unit: string, last = ''): string {
  const count = Math.floor((MAX_HEADER_BYTES - last.length) / unit.length);
  return unit.repeat(count) + last;
}

function honestElement(serial: number): string {
  const peer = sanCertificate({ serial, cn: 'c', uri: ['spiffe://a/b'], dns: ['d.example'] });
  return sanitizeSet({ peer, details: DETAILS });
}

function chainElement(): string {
  const peer = sanCertificate({ uri: ['u'] });
  const peerChain = Array.from({ length: 8 }, (_v, i) => sanCertificate({ serial: i + 2 }));
  return sanitizeSet({ peer, peerChain, details: { ...DETAILS, chain: true } });
}

const element = honestElement(1);
const SHAPES: readonly (readonly [string, string])[] = [
  ['honest elements, every one checked', fill(`${element},`, element)],
  ['an unquoted URI full of separators', `URI=${fill(';a,b')}`.slice(0, MAX_HEADER_BYTES)],
  [
    'a quoted Subject full of escapes',
    `Subject="${fill('\\"')}`.slice(0, MAX_HEADER_BYTES - 1) + '"',
  ],
  ['thousands of empty elements', fill('URI=x,', element)],
  ['elements with a Hash and no Cert', fill(`Hash=${'a'.repeat(64)};URI=,`, element)],
  ['a nine-certificate Chain', chainElement()],
];

function fakeRequest(value: string): Request {
  return {
    headers: { 'x-forwarded-client-cert': value },
    rawHeaders: ['X-Forwarded-Client-Cert', value],
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as Request;
}

const fakeResponse = {
  getHeader: () => undefined,
  setHeader: () => undefined,
  vary: () => undefined,
} as unknown as Response;

describe('XFCC work bound at maxHeaderBytes', () => {
  const middleware = clientCertificate({
    format: 'xfcc',
    trustProxy: 'loopback',
    cacheSize: 0,
    onInvalid: 'ignore',
  });

  function run(value: string): number {
    const started = performance.now();
    let called = false;
    middleware(fakeRequest(value), fakeResponse, () => {
      called = true;
    });
    const elapsed = performance.now() - started;
    expect(called).toBe(true);
    return elapsed;
  }

  beforeAll(() => {
    for (const [, value] of SHAPES) run(value);
  });

  it.each(SHAPES)('%s: under 50 ms', (_shape, value) => {
    expect(value.length).toBeLessThanOrEqual(MAX_HEADER_BYTES);
    expect(value.length).toBeGreaterThan(MAX_HEADER_BYTES / 4);
    const times = Array.from({ length: 5 }, () => run(value)).sort((a, b) => a - b);
    expect(times[2]).toBeLessThan(BOUND_MS);
  });

  it('really checks every element of the honest shape (the worst case is reached)', () => {
    const [, value] = SHAPES[0]!;
    const req = fakeRequest(value);
    middleware(req, fakeResponse, () => undefined);
    expect(req.clientCert?.subjectAltNames.uri).toEqual(['spiffe://a/b']);
    expect(value.split(',Hash=').length).toBeGreaterThan(15);
  });
});
