/**
 * The soak's request mix: valid, invalid and forged requests, each with the exact answer the full
 * stack must give (status and JSON body), so that every response is checked for a wrong decision.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';

/** The client certificates the load generator can present over TLS. */
export type Identity = 'client-a' | 'client-b' | 'self-signed' | 'none';

/** How a request reaches the app. */
export type Route =
  /** Through the TLS-terminating front (the only path a real client has). */
  | 'front'
  /** Straight to the app from 127.0.0.2, which is not the trusted proxy. */
  | 'direct-untrusted'
  /** Straight to the app from 127.0.0.1, as a (buggy) proxy would. */
  | 'direct-proxy';

/** The answer a request must get. */
export interface Expected {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/** One kind of request in the mix. */
export interface Scenario {
  readonly name: string;
  readonly route: Route;
  readonly identity: Identity;
  /** Relative frequency in the mix. */
  readonly weight: number;
  /** Request headers (a fresh token from the pool on each call, where one is used). */
  headers(): Record<string, string>;
  readonly expected: Expected;
}

/** Where the repository is (the directory holding express-mtls's package.json). */
export function repositoryRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
      };
      if (manifest.name === 'express-mtls') return dir;
    } catch {
      // not here
    }
    const parent = join(dir, '..');
    if (parent === dir) throw new Error('soak: cannot find the express-mtls repository');
    dir = parent;
  }
}

const ROOT = repositoryRoot();

/** A committed fixture file, as text. */
export function fixture(...path: string[]): string {
  return readFileSync(join(ROOT, '__tests__', 'fixtures', ...path), 'utf8');
}

function der(pemText: string): Buffer {
  const body = pemText.split('-----BEGIN CERTIFICATE-----')[1] ?? '';
  return Buffer.from(body.split('-----END CERTIFICATE-----')[0] ?? '', 'base64');
}

/** x5t#S256 as openssl computes it (thumbprints.txt), read from the shared PKI. */
function pinnedThumbprint(name: string): string {
  const line = fixture('pki', 'thumbprints.txt')
    .split('\n')
    .find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`soak: no thumbprint for ${name}`);
  return line.split(' ')[1] as string;
}

export const ISSUER = 'https://as.soak.test';
export const AUDIENCE = 'https://api.soak.test';
export const X5T = {
  'client-a': pinnedThumbprint('client-a'),
  'client-b': pinnedThumbprint('client-b'),
  'self-signed': pinnedThumbprint('self-signed'),
} as const;

const SIGNING_KEY: KeyObject = createPrivateKey(fixture('binding', 'rsa.key'));
const OTHER_KEY: KeyObject = createPrivateKey(fixture('binding', 'rsa-other.key'));

function sign(claims: Record<string, unknown>, key: KeyObject = SIGNING_KEY): string {
  return jwt.sign(claims, key, { algorithm: 'RS256', noTimestamp: true });
}

/** A pool of distinct tokens (the verified-token cache sees many keys, bounded). */
function pool(size: number, make: (i: number) => string): () => string {
  const tokens = Array.from({ length: size }, (_, i) => make(i));
  let next = 0;
  return () => tokens[next++ % size] as string;
}

const now = Math.floor(Date.now() / 1000);
const claims = (i: number, extra: Record<string, unknown>): Record<string, unknown> => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: `soak-${i}`,
  iat: now,
  exp: now + 3600,
  ...extra,
});
const boundTo = (who: keyof typeof X5T) => ({ cnf: { 'x5t#S256': X5T[who] } });

const tokensA = pool(200, (i) => sign(claims(i, boundTo('client-a'))));
const tokensB = pool(200, (i) => sign(claims(i, boundTo('client-b'))));
const tokensSelf = pool(20, (i) => sign(claims(i, boundTo('self-signed'))));
const expired = pool(20, (i) => sign(claims(i, { ...boundTo('client-a'), exp: now - 3600 })));
const unbound = pool(20, (i) => sign(claims(i, {})));
const otherKey = pool(20, (i) => sign(claims(i, boundTo('client-a')), OTHER_KEY));
const algNone = pool(20, (i) =>
  jwt.sign(claims(i, boundTo('client-a')), '', { algorithm: 'none', noTimestamp: true }),
);

const forgedClientCert = `:${der(fixture('pki', 'client-a.pem')).toString('base64')}:`;
const forgedChain = `:${der(fixture('pki', 'intermediate-ca.pem')).toString('base64')}:`;

function invalidToken(description: string): Expected {
  return { status: 401, body: { error: 'invalid_token', error_description: description } };
}

const CERTIFICATE_REQUIRED: Expected = {
  status: 401,
  body: { error: 'unauthorized', error_description: 'client certificate required' },
};

/** The paths of the app: one stack per forwarding format, behind the matching front. */
export type StackPath = '/rfc9440/resource' | '/nginx/resource';

/**
 * The mix, for a front that forwards the certificate in `header` (`client-cert` for the Node
 * front, `x-ssl-cert` for nginx).
 */
export function scenarios(forgedHeader: 'client-cert' | 'x-ssl-cert'): readonly Scenario[] {
  const forged: Record<string, string> =
    forgedHeader === 'client-cert'
      ? { 'client-cert': forgedClientCert, 'client-cert-chain': forgedChain }
      : { 'x-ssl-cert': encodeURIComponent(fixture('pki', 'client-a-fullchain.pem')) };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const ok = (who: keyof typeof X5T): Expected => ({
    status: 200,
    body: { thumbprint: X5T[who], method: 'chain' },
  });
  return [
    {
      name: 'valid client-a',
      route: 'front',
      identity: 'client-a',
      weight: 6,
      headers: () => bearer(tokensA()),
      expected: ok('client-a'),
    },
    {
      name: 'valid client-b',
      route: 'front',
      identity: 'client-b',
      weight: 6,
      headers: () => bearer(tokensB()),
      expected: ok('client-b'),
    },
    {
      name: "client-b presenting client-a's token",
      route: 'front',
      identity: 'client-b',
      weight: 2,
      headers: () => bearer(tokensA()),
      expected: invalidToken('the client certificate does not match the access token binding'),
    },
    {
      name: 'no certificate',
      route: 'front',
      identity: 'none',
      weight: 1,
      headers: () => bearer(tokensA()),
      expected: CERTIFICATE_REQUIRED,
    },
    {
      name: 'self-signed certificate (not pinned)',
      route: 'front',
      identity: 'self-signed',
      weight: 1,
      headers: () => bearer(tokensSelf()),
      expected: {
        status: 403,
        body: { error: 'access_denied', error_description: 'client certificate not accepted' },
      },
    },
    {
      name: 'no token',
      route: 'front',
      identity: 'client-a',
      weight: 1,
      headers: () => ({}),
      expected: {
        status: 401,
        body: { error: 'invalid_request', error_description: 'bearer token required' },
      },
    },
    {
      name: 'expired token',
      route: 'front',
      identity: 'client-a',
      weight: 1,
      headers: () => bearer(expired()),
      expected: invalidToken('the access token expired'),
    },
    {
      name: 'unbound token',
      route: 'front',
      identity: 'client-a',
      weight: 1,
      headers: () => bearer(unbound()),
      expected: invalidToken('the access token is not certificate-bound'),
    },
    {
      name: 'token signed by another key',
      route: 'front',
      identity: 'client-a',
      weight: 1,
      headers: () => bearer(otherKey()),
      expected: invalidToken('the access token signature is invalid'),
    },
    {
      name: 'alg none',
      route: 'front',
      identity: 'client-a',
      weight: 1,
      headers: () => bearer(algNone()),
      expected: invalidToken('the access token algorithm is not accepted'),
    },
    {
      name: "forged certificate header with client-b's TLS certificate and a's token",
      route: 'front',
      identity: 'client-b',
      weight: 2,
      headers: () => ({ ...forged, ...bearer(tokensA()) }),
      expected: invalidToken('the client certificate does not match the access token binding'),
    },
    {
      name: 'forged certificate header without a TLS certificate',
      route: 'front',
      identity: 'none',
      weight: 1,
      headers: () => ({ ...forged, ...bearer(tokensA()) }),
      expected: CERTIFICATE_REQUIRED,
    },
    {
      name: 'perfect certificate header straight to the app from an untrusted peer',
      route: 'direct-untrusted',
      identity: 'none',
      weight: 1,
      headers: () => ({ ...forged, ...bearer(tokensA()), 'x-forwarded-for': '127.0.0.1' }),
      expected: CERTIFICATE_REQUIRED,
    },
    {
      name: 'malformed certificate header from the proxy address',
      route: 'direct-proxy',
      identity: 'none',
      weight: 1,
      headers: () => ({
        [forgedHeader]: forgedHeader === 'client-cert' ? ':bm90IGEgY2VydA==:' : 'garbage%',
        ...bearer(tokensA()),
      }),
      expected: {
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: 'malformed client certificate header',
        },
      },
    },
  ];
}

/** A weighted round-robin over the scenarios: deterministic, every kind present in each cycle. */
export function schedule(mix: readonly Scenario[]): (i: number) => Scenario {
  const wheel = mix.flatMap((scenario) => Array<Scenario>(scenario.weight).fill(scenario));
  // interleave (by a fixed stride coprime with the wheel's length) so kinds alternate
  let stride = 7;
  while (gcd(stride, wheel.length) !== 1) stride++;
  return (i) => wheel[(i * stride) % wheel.length] as Scenario;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
