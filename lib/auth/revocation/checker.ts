/**
 * Revocation checking for one certificate given its issuer: OCSP and/or CRLs in the configured
 * order, with answers cached until their `nextUpdate` (bounded by `cacheTtl`) and concurrent
 * downloads of the same document shared.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.3 | RFC 5280 §6.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6960 | RFC 6960}
 * @packageDocumentation
 */
import { traceDependency } from '../../diagnostics';
import { HttpClientError } from '../../internal/http-client';
import { LruCache } from '../../internal/lru-cache';
import { decodePem, pemTextOf } from '../../internal/pem';
import { booleanOption, checkOptions, enumOption, integerOption } from '../../internal/options';
import type { CertificateInfo } from '../../x509/certificate-info';
import {
  decodeAuthorityInfoAccess,
  decodeCrlDistributionPoints,
  EXTENSION,
} from '../../x509/extensions';
import { crlIssuedBy, crlStatus, parseCrl, type Crl } from './crl';
import { defaultRevocationFetcher, guardedFetch } from './fetch';
import { buildOcspRequest, checkOcspResponse } from './ocsp';
import type { CrlInput, RevocationFetcher, RevocationOptions } from './types';

/** The answer for one certificate. */
export interface RevocationVerdict {
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly detail: string;
  /** Until when (epoch ms) the answer may be reused. */
  readonly expires: number;
  /** Every attempt failed for a dependency outage (download error or timeout). */
  readonly transient: boolean;
}

/** A configured revocation checker. */
export interface RevocationChecker {
  readonly scope: 'leaf' | 'chain';
  readonly onUnknown: 'reject' | 'allow';
  check(subject: CertificateInfo, issuer: CertificateInfo, now: number): Promise<RevocationVerdict>;
}

const KNOWN: readonly (keyof RevocationOptions)[] = [
  'methods',
  'crls',
  'fetchCrls',
  'ocspUrl',
  'ocspNonce',
  'scope',
  'onUnknown',
  'fetcher',
  'timeout',
  'maxResponseBytes',
  'cacheSize',
  'cacheTtl',
];

/**
 * The DER of a CRL given as PEM text, PEM bytes (a file read without an encoding, or a server
 * that sends PEM) or DER bytes: the one normaliser for configured and downloaded CRLs.
 *
 * @throws {Error} for PEM without an `X509 CRL` block, or anything but text and bytes.
 */
function crlDer(input: unknown): Uint8Array {
  const text =
    typeof input === 'string' ? input : input instanceof Uint8Array ? pemTextOf(input) : undefined;
  if (text !== undefined) {
    const block = decodePem(text).find((b) => b.label === 'X509 CRL');
    if (!block) throw new Error('no PEM "X509 CRL" block found');
    return block.der;
  }
  if (input instanceof Uint8Array) return input;
  throw new Error('expected PEM text, PEM bytes or DER bytes');
}

function parseConfiguredCrl(factory: string, input: CrlInput, index: number): Crl {
  try {
    return parseCrl(crlDer(input));
  } catch (error) {
    throw new TypeError(
      `${factory}: revocation.crls[${index}] is not a CRL: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * The http(s) OCSP responder or CRL locations of `subject`; none when the extension is absent
 * or malformed (then revocation status is unknown, and the policy decides).
 */
function locations(subject: CertificateInfo, extension: string): string[] {
  const value = subject.certificate.extensions.get(extension)?.value;
  if (!value) return [];
  try {
    const urls =
      extension === EXTENSION.authorityInfoAccess
        ? decodeAuthorityInfoAccess(value).ocsp
        : decodeCrlDistributionPoints(value);
    return urls.filter((url) => /^https?:\/\//i.test(url));
  } catch {
    return [];
  }
}

/**
 * Validates revocation options once and returns the checker.
 *
 * @throws {TypeError} on malformed options.
 */
export function createRevocationChecker(
  options: RevocationOptions,
  factory: string,
  toleranceMs = 0,
  minRsaBits = 2048,
): RevocationChecker {
  const f = factory;
  const o = checkOptions(`${f}: revocation`, options, KNOWN);
  const methods = o.methods ?? ['ocsp', 'crl'];
  if (
    !Array.isArray(methods) ||
    methods.length === 0 ||
    methods.some((m) => m !== 'ocsp' && m !== 'crl') ||
    new Set(methods).size !== methods.length
  ) {
    throw new TypeError(
      `${f}: revocation.methods must be a non-empty list of "ocsp" and/or "crl".`,
    );
  }
  if (o.crls !== undefined && !Array.isArray(o.crls)) {
    throw new TypeError(`${f}: revocation.crls must be an array of PEM strings or DER buffers.`);
  }
  const configuredCrls = (o.crls ?? []).map((input: CrlInput, i) =>
    parseConfiguredCrl(f, input, i),
  );
  const fetchCrls = booleanOption(f, 'revocation.fetchCrls', o.fetchCrls, true);
  if (
    o.ocspUrl !== undefined &&
    (typeof o.ocspUrl !== 'string' || !/^https?:\/\//i.test(o.ocspUrl))
  ) {
    throw new TypeError(`${f}: revocation.ocspUrl must be an http: or https: URL.`);
  }
  const ocspNonce = booleanOption(f, 'revocation.ocspNonce', o.ocspNonce, false);
  const scope = enumOption(f, 'revocation.scope', o.scope, ['leaf', 'chain'], 'chain');
  const onUnknown = enumOption(
    f,
    'revocation.onUnknown',
    o.onUnknown,
    ['reject', 'allow'],
    'reject',
  );
  if (o.fetcher !== undefined && typeof o.fetcher !== 'function') {
    throw new TypeError(
      `${f}: revocation.fetcher must be a function (request) => Promise<Uint8Array>.`,
    );
  }
  const fetcher: RevocationFetcher = o.fetcher ?? defaultRevocationFetcher;
  const timeout = integerOption(f, 'revocation.timeout', o.timeout, 5000, 1);
  const maxBytes = integerOption(
    f,
    'revocation.maxResponseBytes',
    o.maxResponseBytes,
    10 * 1024 * 1024,
    1,
  );
  const cacheSize = integerOption(f, 'revocation.cacheSize', o.cacheSize, 1000);
  const ttlMs = integerOption(f, 'revocation.cacheTtl', o.cacheTtl, 3600) * 1000;

  const verdicts = new LruCache<string, RevocationVerdict>(cacheSize);
  const crlsByUrl = new LruCache<string, Crl>(Math.min(cacheSize, 100));
  const downloads = new Map<string, Promise<Crl>>();
  const authentic = new WeakMap<Crl, Map<string, boolean>>();

  const issuedBy = (crl: Crl, issuer: CertificateInfo): boolean => {
    let byIssuer = authentic.get(crl);
    if (!byIssuer) {
      byIssuer = new Map();
      authentic.set(crl, byIssuer);
    }
    let ok = byIssuer.get(issuer.thumbprint);
    if (ok === undefined) {
      ok = crlIssuedBy(crl, issuer);
      byIssuer.set(issuer.thumbprint, ok);
    }
    return ok;
  };

  const downloadCrl = (url: string, now: number): Promise<Crl> => {
    const cached = crlsByUrl.get(url, now);
    if (cached) return Promise.resolve(cached);
    let pending = downloads.get(url);
    if (!pending) {
      pending = traceDependency('crl', () =>
        guardedFetch(fetcher, { url, method: 'GET', headers: {}, maxBytes }, timeout),
      )
        .then((body) => {
          const crl = parseCrl(crlDer(body));
          crlsByUrl.set(url, crl, Math.min(crl.nextUpdate ?? Infinity, Date.now() + ttlMs));
          return crl;
        })
        .finally(() => downloads.delete(url));
      downloads.set(url, pending);
    }
    return pending;
  };

  type Attempt =
    | { status: 'good' | 'revoked'; detail: string; expires: number }
    | { note: string; transient: boolean };

  async function viaOcsp(
    subject: CertificateInfo,
    issuer: CertificateInfo,
    now: number,
  ): Promise<Attempt> {
    const url = o.ocspUrl ?? locations(subject, EXTENSION.authorityInfoAccess)[0];
    if (url === undefined) return { note: 'OCSP: no responder location', transient: false };
    const query = buildOcspRequest(subject, issuer, ocspNonce);
    const sent = performance.now();
    let body: Uint8Array;
    try {
      body = await traceDependency('ocsp', () =>
        guardedFetch(
          fetcher,
          {
            url,
            method: 'POST',
            headers: {
              'Content-Type': 'application/ocsp-request',
              Accept: 'application/ocsp-response',
            },
            body: query.der,
            maxBytes,
          },
          timeout,
        ),
      );
    } catch (error) {
      return { note: `OCSP: ${(error as Error).message}`, transient: true };
    }
    // A responder that signs on demand dates thisUpdate after `now`: judge the answer on arrival.
    const arrived = now + Math.max(0, performance.now() - sent);
    const verdict = checkOcspResponse(
      body,
      query,
      subject,
      issuer,
      arrived,
      toleranceMs,
      minRsaBits,
      ttlMs,
    );
    if (verdict.status === 'unknown') return { note: verdict.detail, transient: false };
    return {
      status: verdict.status,
      detail: verdict.detail,
      expires: Math.min(verdict.expires ?? Infinity, now + ttlMs),
    };
  }

  async function viaCrl(
    subject: CertificateInfo,
    issuer: CertificateInfo,
    now: number,
  ): Promise<Attempt> {
    const notes: string[] = [];
    let outages = 0;
    const candidates: Crl[] = configuredCrls.filter((crl) => crl.issuerName === subject.issuerName);
    const urls = fetchCrls ? locations(subject, EXTENSION.crlDistributionPoints) : [];
    for (let i = 0; i < candidates.length + urls.length; i++) {
      let crl = candidates[i];
      if (!crl) {
        const url = urls[i - candidates.length] as string;
        try {
          crl = await downloadCrl(url, now);
        } catch (error) {
          notes.push(`CRL: ${(error as Error).message}`);
          if (error instanceof HttpClientError) outages++;
          continue;
        }
      }
      if (!issuedBy(crl, issuer)) {
        notes.push('CRL: not signed by the issuing CA');
        continue;
      }
      const verdict = crlStatus(crl, subject, now, toleranceMs, ttlMs);
      if (verdict.status === 'unknown') {
        notes.push(`CRL: ${verdict.detail}`);
        continue;
      }
      return {
        status: verdict.status,
        detail: verdict.detail,
        expires: Math.min(crl.nextUpdate ?? Infinity, now + ttlMs),
      };
    }
    if (candidates.length + urls.length === 0)
      notes.push('CRL: no CRL for this issuer and no distribution point');
    return { note: notes.join('; '), transient: outages > 0 && outages === notes.length };
  }

  async function check(
    subject: CertificateInfo,
    issuer: CertificateInfo,
    now: number,
  ): Promise<RevocationVerdict> {
    const key = `${subject.thumbprint}>${issuer.thumbprint}`;
    const hit = verdicts.get(key, now);
    if (hit) return hit;
    const notes: string[] = [];
    let transient = true;
    for (const method of methods) {
      const attempt =
        method === 'ocsp'
          ? await viaOcsp(subject, issuer, now)
          : await viaCrl(subject, issuer, now);
      if ('status' in attempt) {
        const verdict: RevocationVerdict = { ...attempt, transient: false };
        verdicts.set(key, verdict, attempt.expires);
        return verdict;
      }
      notes.push(attempt.note);
      transient &&= attempt.transient;
    }
    const verdict: RevocationVerdict = {
      status: 'unknown',
      detail: `revocation status unknown: ${notes.join('; ')}`,
      expires: now,
      transient,
    };
    return verdict;
  }

  return { scope, onUnknown, check };
}
