/**
 * Certification path building: from a leaf, find issuers by name and key identifier among the
 * trust anchors, the configured intermediates and the certificates the peer presented, verify
 * each link's signature, and yield complete paths (ending at an anchor) one at a time, so the
 * caller can try another path when one fails its checks (re-keyed and cross-signed CAs).
 *
 * Bounded whatever the input and the state of the caches: no certificate twice in a path, and no
 * two certificates with the same subject name and key (loops through cross-certificates and
 * copies of one CA), at most `maxDepth` intermediates that are not self-issued and
 * `maxDepth` + {@link MAX_SELF_ISSUED} in all, and two budgets shared by the whole
 * validation — {@link MAX_EDGES} issuer candidates tried (cached links included) and a budget of
 * signature verifications. When a budget runs out the search stops and the certificate is
 * refused (`unknown_issuer`).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc4158#section-5.2 | RFC 4158 §5.2} (loop detection)
 * @see {@link https://www.rfc-editor.org/rfc/rfc4158 | RFC 4158} (path building)
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.1 | RFC 5280 §6.1}
 * @packageDocumentation
 */
import type { CertificateRejectionReason } from '../../errors';
import type { LruCache } from '../../internal/lru-cache';
import { verifySignature } from '../../x509/algorithms';
import type { CertificateInfo } from '../../x509/certificate-info';
import type { CertificateCheckItem } from './types';
import { describeUntrusted } from '../../internal/sanitize';

/** Certificates by subject name: exact DER first, canonical form when that finds nothing. */
export interface NameIndex {
  readonly exact: ReadonlyMap<string, readonly CertificateInfo[]>;
  readonly canonical: () => ReadonlyMap<string, readonly CertificateInfo[]>;
}

/** Where candidate issuers come from, in order of preference. */
export interface IssuerPool {
  readonly anchors: NameIndex;
  readonly configured: NameIndex;
  /** Presented certificates (this request only). */
  readonly presented: NameIndex;
  /** Thumbprints of the trust anchors. */
  readonly anchorThumbprints: ReadonlySet<string>;
}

/** A complete path, with the signature check recorded for each certificate but the anchor. */
export interface BuiltPath {
  readonly path: readonly CertificateInfo[];
  readonly signatures: readonly CertificateCheckItem[];
}

/** Why the search found no (further) path: the most informative dead end. */
export interface DeadEnd {
  readonly reason: DeadEndReason;
  readonly detail: string;
  readonly info: CertificateInfo;
  /** The partial path that ended here (leaf first). */
  readonly path: readonly CertificateInfo[];
  readonly signatures: readonly CertificateCheckItem[];
}

/**
 * Issuer candidates tried in one validation (edges of the search, whether the link is cached or
 * not): with at most {@link MAX_PATHS} complete paths checked, the search of a legitimate chain
 * tries a few dozen. Each costs microseconds once its signature is known.
 */
export const MAX_EDGES = 256;

/** Signature verifications in one validation (each 0.05–1.5 ms for the keys accepted). */
export const SIGNATURE_BUDGET = 32;

/** Complete paths checked in one validation before giving up (alternatives after a failure). */
export const MAX_PATHS = 8;

/** Search limits and shared caches. */
export interface SearchContext {
  readonly pool: IssuerPool;
  readonly maxDepth: number;
  /** Verified links, `child>issuer` thumbprints → signature valid. */
  readonly links: LruCache<string, boolean>;
  /** Signature verifications left in this validation. */
  budget: number;
  /** Issuer candidates ({@link MAX_EDGES}) left to try in this validation. */
  edges: number;
  deadEnd: DeadEnd | undefined;
  /** The candidates of each certificate met in this validation, by thumbprint. */
  readonly candidates: Map<string, CertificateInfo[]>;
}

/** A fresh {@link SearchContext}: full budgets, no dead end. */
export function searchContext(
  pool: IssuerPool,
  maxDepth: number,
  links: LruCache<string, boolean>,
): SearchContext {
  return {
    pool,
    maxDepth,
    links,
    budget: SIGNATURE_BUDGET,
    edges: MAX_EDGES,
    deadEnd: undefined,
    candidates: new Map(),
  };
}

/** The reasons a search can stop with, most informative first. */
export type DeadEndReason = Extract<
  CertificateRejectionReason,
  'bad_signature' | 'path_length_exceeded' | 'unknown_issuer'
>;

const PRIORITY: Readonly<Record<DeadEndReason, number>> = {
  bad_signature: 3,
  path_length_exceeded: 2,
  unknown_issuer: 1,
};

function record(context: SearchContext, deadEnd: DeadEnd): void {
  const current = context.deadEnd;
  if (
    !current ||
    PRIORITY[deadEnd.reason] > PRIORITY[current.reason] ||
    (deadEnd.reason === current.reason && deadEnd.path.length > current.path.length)
  ) {
    context.deadEnd = deadEnd;
  }
}

/**
 * The candidate issuers of `info`, most likely first: anchors, then configured intermediates,
 * then presented certificates, each by exact name (canonical name when none matches exactly),
 * key-identifier matches before name-only matches.
 */
export function candidates(info: CertificateInfo, context: SearchContext): CertificateInfo[] {
  const known = context.candidates.get(info.thumbprint);
  if (known) return known;
  const { pool } = context;
  const seen = new Set<string>();
  const matched: CertificateInfo[] = [];
  const unidentified: CertificateInfo[] = [];
  const groups = [pool.anchors, pool.configured, pool.presented];
  let named = groups.map((group) => group.exact.get(info.issuerKey) ?? []);
  if (named.every((list) => list.length === 0)) {
    named = groups.map((group) => group.canonical().get(info.issuerName) ?? []);
  }
  for (const group of named) {
    for (const candidate of group) {
      if (seen.has(candidate.thumbprint) || candidate.thumbprint === info.thumbprint) continue;
      seen.add(candidate.thumbprint);
      const aki = info.authorityKeyId;
      const ski = candidate.subjectKeyId;
      if (aki && ski) {
        if (aki.equals(ski)) matched.push(candidate);
      } else {
        unidentified.push(candidate);
      }
    }
  }
  const result = [...matched, ...unidentified];
  context.candidates.set(info.thumbprint, result);
  return result;
}

/**
 * Self-issued intermediates (key rollover certificates) a path may hold on top of `maxPathDepth`,
 * which does not count them.
 */
export const MAX_SELF_ISSUED = 4;

/**
 * Why adding the intermediate `candidate` to `path` (leaf first) makes it too long, if it does:
 * more than `maxDepth` intermediates that are not self-issued (RFC 5280 §6.1.4(l) does not count
 * self-issued ones either), or more than `maxDepth` + {@link MAX_SELF_ISSUED} in all.
 */
function depthExcess(
  path: readonly CertificateInfo[],
  candidate: CertificateInfo,
  maxDepth: number,
): string | undefined {
  let selfIssued = candidate.selfIssued ? 1 : 0;
  for (let i = 1; i < path.length; i++) if ((path[i] as CertificateInfo).selfIssued) selfIssued++;
  if (path.length - selfIssued > maxDepth) {
    return `more than ${maxDepth} intermediate certificates (maxPathDepth)`;
  }
  if (path.length > maxDepth + MAX_SELF_ISSUED) {
    return `more than ${maxDepth + MAX_SELF_ISSUED} intermediate certificates, self-issued ones included (maxPathDepth + ${MAX_SELF_ISSUED})`;
  }
  return undefined;
}

/** A certificate as an issuer: its subject name and key (equal ones sign the same children). */
function identity(info: CertificateInfo): string {
  return `${info.subjectName}\u0000${info.certificate.subjectPublicKeyInfo.toString('latin1')}`;
}

/** The key of a verified link in the link cache. */
export function linkKey(child: CertificateInfo, issuer: CertificateInfo): string {
  return `${child.thumbprint}>${issuer.thumbprint}`;
}

function link(
  child: CertificateInfo,
  issuer: CertificateInfo,
  context: SearchContext,
): CertificateCheckItem {
  const name = 'signature';
  const by = `issuer ${describeUntrusted(issuer.subject)}`;
  if (child.algorithm.status !== 'ok') {
    return {
      name,
      ok: false,
      detail: `${child.algorithm.name} not verified (${by})`,
      reason: 'weak_algorithm',
    };
  }
  if (!child.algorithmsMatch) {
    return {
      name,
      ok: false,
      detail: 'inner and outer signature algorithms differ',
      reason: 'bad_signature',
    };
  }
  if (!issuer.key.verifiable) {
    return {
      name,
      ok: false,
      detail: `not verified: the key of ${by} (${issuer.key.description}) is not accepted`,
      reason: 'weak_key',
    };
  }
  const key = linkKey(child, issuer);
  let valid = context.links.get(key);
  if (valid === undefined) {
    if (context.budget <= 0) {
      return {
        name,
        ok: false,
        detail: 'signature verification budget exhausted',
        reason: 'unknown_issuer',
      };
    }
    context.budget--;
    try {
      valid = verifySignature(child, issuer.publicKey());
    } catch {
      valid = false;
    }
    context.links.set(key, valid);
  }
  return valid
    ? { name, ok: true, detail: `verified with the key of ${by}` }
    : { name, ok: false, detail: `does not verify with the key of ${by}`, reason: 'bad_signature' };
}

/**
 * Yields every complete path from `leaf` to a trust anchor, most likely first (anchors before
 * untrusted certificates, key-identifier matches before name-only matches). When none is left,
 * `context.deadEnd` says why the search stopped; when {@link MAX_EDGES} ran out, it is an
 * `unknown_issuer` dead end that says so, whatever was found before.
 */
export function* buildPaths(leaf: CertificateInfo, context: SearchContext): Generator<BuiltPath> {
  const path: CertificateInfo[] = [leaf];
  const signatures: CertificateCheckItem[] = [];
  const onPath = new Set<string>([leaf.thumbprint]);
  let stopped = false;

  function* extend(): Generator<BuiltPath> {
    const last = path[path.length - 1] as CertificateInfo;
    let found = false;
    for (const candidate of candidates(last, context)) {
      if (stopped) return;
      const isAnchor = context.pool.anchorThumbprints.has(candidate.thumbprint);
      const id = isAnchor ? candidate.thumbprint : identity(candidate);
      if (onPath.has(candidate.thumbprint) || onPath.has(id)) continue;
      found = true;
      if (context.edges <= 0) {
        stopped = true;
        context.deadEnd = {
          reason: 'unknown_issuer',
          detail: `path search stopped after ${MAX_EDGES} issuer candidates`,
          info: last,
          path: [...path],
          signatures: [...signatures],
        };
        return;
      }
      context.edges--;
      const check = link(last, candidate, context);
      if (!check.ok && check.reason !== 'weak_algorithm' && check.reason !== 'weak_key') {
        record(context, {
          reason: check.reason as DeadEndReason,
          detail: check.detail as string,
          info: last,
          path: [...path],
          signatures: [...signatures, check],
        });
        continue;
      }
      const excess = isAnchor ? undefined : depthExcess(path, candidate, context.maxDepth);
      if (excess !== undefined) {
        record(context, {
          reason: 'path_length_exceeded',
          detail: excess,
          info: candidate,
          path: [...path],
          signatures: [...signatures, check],
        });
        continue;
      }
      path.push(candidate);
      signatures.push(check);
      onPath.add(id);
      if (isAnchor) yield { path: [...path], signatures: [...signatures] };
      else yield* extend();
      onPath.delete(id);
      signatures.pop();
      path.pop();
    }
    if (!found) {
      record(context, {
        reason: 'unknown_issuer',
        detail: last.selfIssued
          ? `self-signed certificate ${describeUntrusted(last.subject)} is not a trust anchor`
          : `no trust anchor or intermediate named ${describeUntrusted(last.certificate.issuer)}${last.authorityKeyId ? ` with key identifier ${last.authorityKeyId.toString('hex')}` : ''}`,
        info: last,
        path: [...path],
        signatures: [...signatures],
      });
    }
  }

  yield* extend();
}
