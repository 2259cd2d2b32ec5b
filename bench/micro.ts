/**
 * Micro-benchmarks (tinybench) of the per-request operations: thumbprint, certificate parse
 * (node:crypto vs `@peculiar/x509`), chain check (ours vs naive), JWT verification (KeyObject vs
 * PEM string), header decoding per forwarding format, and the in-process stacks. Every string a
 * real request would carry is a new string object on each call (see `fresh.ts`); the "header
 * hash" group shows what reusing one object would hide.
 *
 * @packageDocumentation
 */
import { createHash, X509Certificate } from 'node:crypto';
import { verify as jwtVerify } from 'jsonwebtoken';
import { Bench } from 'tinybench';
import { ClientCertificate } from '../lib/certificate';
import { createChainValidator } from '../lib/auth/chain';
import { acceptQuickly } from '../lib/binding/jwt-fast-path';
import { encodeForwardedCertificate } from '../lib/forwarding/encode-forwarded-certificate';
import { FORMAT_NAMES, FORMATS } from '../lib/forwarding/formats';
import { peculiarX509 } from '../lib/internal/peculiar';
import type { ServerKind } from './cases';
import type { BenchPki } from './pki';
import type { ServerConfig } from './servers/server-config';
import { freshener, freshHeaders } from './fresh';
import { LruCache } from '../lib/internal/lru-cache';
import { createStack } from './stack';
import { AUDIENCE, ISSUER, type TokenIssuer } from './tokens';

/** One micro-benchmark result. */
export interface MicroResult {
  readonly group: string;
  readonly name: string;
  /** Mean and 99th percentile time per operation, in microseconds. */
  readonly meanUs: number;
  readonly p99Us: number;
}

/** Distinct cold requests the in-process stacks cycle through (more than any cache holds). */
export const COLD_REQUESTS = 2_000;

const STACK_GROUP = 'stack (in-process, no HTTP, fresh strings)';

const PEER_PEM = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/;

/** What a naive full parse-and-verify of leaf → intermediate → root costs on every request. */
function naiveChain(leafDer: Buffer, intermediateDer: Buffer, rootDer: Buffer): boolean {
  const leaf = new X509Certificate(leafDer);
  const intermediate = new X509Certificate(intermediateDer);
  const root = new X509Certificate(rootDer);
  const now = Date.now();
  return (
    leaf.checkIssued(intermediate) &&
    intermediate.checkIssued(root) &&
    leaf.verify(intermediate.publicKey) &&
    intermediate.verify(root.publicKey) &&
    [leaf, intermediate, root].every(
      (cert) => Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo),
    )
  );
}

/** What the micro-benchmarks run on. */
export interface MicroInput {
  readonly pki: BenchPki;
  readonly issuer: TokenIssuer;
  /** Distinct leaves (more than any cache holds), and the request headers of each. */
  readonly pool: readonly ClientCertificate[];
  readonly poolHeaders: readonly Record<string, string>[];
  /** The warm request's headers. */
  readonly headers: Record<string, string>;
  readonly config: (kind: ServerKind) => ServerConfig;
  /** Milliseconds per task. */
  readonly timeMs: number;
}

/**
 * Runs the micro-benchmarks. `pool` supplies distinct leaves, so that "new certificate" tasks
 * never hit a cache (it must hold more than the validator's 1,000 cached results).
 */
export async function runMicro(input: MicroInput): Promise<MicroResult[]> {
  const { pki, issuer, pool, poolHeaders, timeMs } = input;
  const x509 = peculiarX509();
  const leaf = pki.clientA;
  const der = leaf.der;
  const intermediateDer = pki.intermediate.certificate.der;
  const rootDer = pki.root.certificate.der;
  const escapedPem = encodeForwardedCertificate(leaf, 'nginx')['x-ssl-cert'] as string;
  const validator = createChainValidator({
    trustAnchors: [rootDer],
    intermediates: [intermediateDer],
  });
  const token = issuer.mint(leaf, 'client-a');
  const pem = issuer.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  const jwtOptions = { algorithms: ['RS256' as const], issuer: ISSUER, audience: AUDIENCE };
  let next = 0;
  const nextLeaf = (): Buffer => (pool[next++ % pool.length] as ClientCertificate).der;

  const groups = new Map<string, string>();
  const bench = new Bench({ time: timeMs, warmup: true, warmupTime: Math.min(100, timeMs) });
  const add = (group: string, name: string, fn: () => unknown): void => {
    groups.set(name, group);
    bench.add(name, fn);
  };

  add('thumbprint', 'ours: DER structure check + SHA-256 (new ClientCertificate)', () => {
    return new ClientCertificate(der).thumbprint;
  });
  add('thumbprint', "peer's: PEM regex + base64 + SHA-256", () => {
    const body = PEER_PEM.exec(decodeURIComponent(escapedPem))?.[1] ?? '';
    return createHash('sha256')
      .update(Buffer.from(body.replace(/\s+/g, ''), 'base64'))
      .digest('base64url');
  });
  add('parse', 'node:crypto X509Certificate', () => new X509Certificate(der));
  add('parse', '@peculiar/x509 X509Certificate', () => new x509.X509Certificate(der));
  add('chain', 'ours: new leaf (CA link cached)', () =>
    validator.validate(new ClientCertificate(nextLeaf())),
  );
  add('chain', 'ours: same leaf (result cached)', () => validator.validate(leaf));
  add('chain', 'naive: node:crypto parse and verify all three', () =>
    naiveChain(nextLeaf(), intermediateDer, rootDer),
  );
  add('chain', '@peculiar/x509 X509ChainBuilder', () =>
    new x509.X509ChainBuilder({
      certificates: [new x509.X509Certificate(intermediateDer), new x509.X509Certificate(rootDer)],
    }).build(new x509.X509Certificate(nextLeaf())),
  );
  add('jwt', 'jsonwebtoken.verify RS256, KeyObject', () =>
    jwtVerify(token, issuer.publicKey, jwtOptions),
  );
  add('jwt', 'jsonwebtoken.verify RS256, PEM string', () => jwtVerify(token, pem, jwtOptions));
  const fastPolicy = {
    issuers: [ISSUER],
    audiences: [AUDIENCE],
    clockTolerance: 0,
    maxTokenAge: undefined,
  };
  add('jwt', 'ours: fast path RS256 (split + verify + claims)', () =>
    acceptQuickly(token.split('.'), 'RS256', issuer.publicKey, fastPolicy),
  );
  for (const format of FORMAT_NAMES) {
    const codec = FORMATS[format];
    const value = freshener(codec.encode(leaf).value);
    add('header decode', `${format} (leaf only)`, () =>
      codec.decode(value(), { maxCertificates: 9, xfccHops: 1 }),
    );
  }

  const hashed = escapedPem;
  const fresh = freshener(escapedPem);
  const lookups = new LruCache<string, number>(1000);
  lookups.set(escapedPem, 1);
  const map = new Map([[escapedPem, 1]]);
  const hashGroup = `header hash (${escapedPem.length}-char nginx header)`;
  add(hashGroup, 'new string object only (the slice every fresh-string task pays)', fresh);
  add(hashGroup, 'Map.get, the same string object every call (hash cached)', () => map.get(hashed));
  add(hashGroup, 'Map.get, a new string object every call (hashed each time)', () =>
    map.get(fresh()),
  );
  add(hashGroup, 'LruCache.get (hit + reorder), same string object', () => lookups.get(hashed));
  add(hashGroup, 'LruCache.get (hit + reorder), new string object', () => lookups.get(fresh()));

  const warmHeaders = freshHeaders(input.headers);
  // more distinct requests than any cache holds (1,000 entries), not the whole pool: each
  // template is a copy of its headers
  const coldHeaders = poolHeaders.slice(0, COLD_REQUESTS).map((h) => freshHeaders(h));
  for (const kind of ['peer', 'cert', 'binding', 'full'] as const) {
    const call = createStack(input.config(kind));
    const warmStatus = await call(warmHeaders());
    const coldStatus = await call((coldHeaders[0] as () => Record<string, string>)());
    if (warmStatus !== 200 || coldStatus !== 200) {
      throw new Error(`the in-process ${kind} stack answered ${warmStatus}/${coldStatus}`);
    }
    add(STACK_GROUP, `${kind}, warm`, () => call(warmHeaders()));
    if (kind === 'cert') continue;
    let cursor = 0;
    add(STACK_GROUP, `${kind}, cold`, () =>
      call((coldHeaders[cursor++ % coldHeaders.length] as () => Record<string, string>)()),
    );
  }

  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== 'completed') {
      throw new Error(`micro-benchmark "${task.name}" did not complete (${result.state})`);
    }
    return {
      group: groups.get(task.name) as string,
      name: task.name,
      meanUs: result.latency.mean * 1000,
      p99Us: result.latency.p99 * 1000,
    };
  });
}
