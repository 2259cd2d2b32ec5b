import { certificatesFrom, type ClientCertificate, type CertificateInput } from '../../certificate';
import { publishCache } from '../../diagnostics';
import { LruCache } from '../../internal/lru-cache';
import { verifyOffThread } from '../../internal/verify-off-thread';
import { booleanOption, checkOptions, integerOption } from '../../internal/options';
import type { RevocationChecker, RevocationVerdict } from '../revocation/checker';
import { verifySignature } from '../../x509/algorithms';
import { certificateInfo, type CertificateInfo } from '../../x509/certificate-info';
import { verifyFirstLink } from './first-link';
import {
  buildPaths,
  linkKey,
  MAX_PATHS,
  searchContext,
  type IssuerPool,
  type NameIndex,
  type SearchContext,
} from './path-builder';
import { nameConstraintsOf } from './name-constraints';
import { checkPath, type CheckSettings, type PathFailure } from './path-checks';
import type {
  CertificateCheck,
  CertificateCheckItem,
  ChainValidateOptions,
  ChainValidationFailure,
  ChainValidationResult,
  ChainValidationSuccess,
  ChainValidator,
  ChainValidatorOptions,
} from './types';

/** Every option of {@link createChainValidator}, for factories that accept them too. */
export const CHAIN_VALIDATOR_OPTION_NAMES: readonly (keyof ChainValidatorOptions)[] = [
  'trustAnchors',
  'intermediates',
  'clockTolerance',
  'requireClientAuthEku',
  'revocation',
  'cacheSize',
  'cacheTtl',
  'maxPathDepth',
  'minRsaKeyBits',
  'clock',
];

/**
 * The revocation modules, loaded only when `revocation` is configured: the ASN.1 libraries they
 * use for CRLs and OCSP cost tens of milliseconds at startup.
 */
function loadRevocation(): typeof import('../revocation/checker') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../revocation/checker') as typeof import('../revocation/checker');
}

function expand(
  factory: string,
  name: string,
  input: CertificateInput,
  index: number,
): ClientCertificate[] {
  try {
    return certificatesFrom(input);
  } catch (error) {
    throw new TypeError(
      `${factory}: ${name}[${index}] is not a certificate: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function certificates(factory: string, name: string, value: unknown): ClientCertificate[] {
  if (!Array.isArray(value)) {
    throw new TypeError(
      `${factory}: "${name}" must be an array of PEM strings, PEM or DER buffers, or certificates.`,
    );
  }
  return (value as CertificateInput[]).flatMap((input, index) =>
    expand(factory, name, input, index),
  );
}

/** A cached success: valid from `validFrom` until before `expires` (epoch milliseconds). */
interface RememberedResult {
  readonly result: ChainValidationSuccess;
  readonly validFrom: number;
  readonly expires: number;
}

/** Each validator's successes by leaf object (the same object comes back from the header cache). */
const remembered = new WeakMap<ChainValidator, WeakMap<ClientCertificate, RememberedResult>>();

/**
 * The cached success of `validator` for this very `leaf` object (and so its presented chain) at
 * `now` (epoch milliseconds), or `undefined`: a synchronous peek, with no key to build or hash.
 * Entries live as long as the leaf object and no longer than the result cache would keep them
 * (the earliest `notAfter` of the path, `cacheTtl`, the revocation answer's `nextUpdate`).
 */
export function peekChainResult(
  validator: ChainValidator,
  leaf: ClientCertificate,
  now: number,
): ChainValidationSuccess | undefined {
  const hit = remembered.get(validator)?.get(leaf);
  if (hit === undefined || now < hit.validFrom || now >= hit.expires) return undefined;
  publishCache('chain', true);
  return hit.result;
}

/**
 * Whether a certificate's signature verifies with its own key: `false`, with no verification,
 * when its key is not `verifiable` (too costly to verify with, or unusable). The verdict is kept
 * in `links` (as the link of the certificate to itself), so a repeated self-named leaf whose
 * signature does not verify costs one verification, not one per request.
 */
function verifiesItself(info: CertificateInfo, links: LruCache<string, boolean>): boolean {
  if (!info.key.verifiable) return false;
  const key = linkKey(info, info);
  let valid = links.get(key);
  if (valid === undefined) {
    try {
      valid = verifySignature(info, info.publicKey());
    } catch {
      valid = false;
    }
    links.set(key, valid);
  }
  return valid;
}

function byName(
  infos: readonly CertificateInfo[],
  key: (info: CertificateInfo) => string,
): Map<string, CertificateInfo[]> {
  const map = new Map<string, CertificateInfo[]>();
  for (const info of infos) {
    const name = key(info);
    const list = map.get(name);
    if (!list) map.set(name, [info]);
    else if (!list.some((other) => other.thumbprint === info.thumbprint)) list.push(info);
  }
  return map;
}

/** The index of no certificate, shared by every validator: read only (never add to its maps). */
const NO_CERTIFICATES: NameIndex = { exact: new Map(), canonical: () => new Map() };

function index(infos: readonly CertificateInfo[]): NameIndex {
  if (infos.length === 0) return NO_CERTIFICATES;
  let canonical: Map<string, CertificateInfo[]> | undefined;
  return {
    exact: byName(infos, (info) => info.subjectKey),
    canonical: () => {
      canonical ??= byName(infos, (info) => info.subjectName);
      return canonical;
    },
  };
}

function requireCa(factory: string, name: string, info: CertificateInfo): void {
  const constraints = nameConstraintsOf(info);
  if (constraints?.ok === false) {
    throw new TypeError(
      `${factory}: ${name} holds "${info.certificate.subject}", whose ${constraints.error.message}; every path through it would be refused (name_constraints).`,
    );
  }
  if (info.basicConstraints?.ca !== true) {
    throw new TypeError(
      `${factory}: ${name} must hold CA certificates (basicConstraints cA=true), but "${info.certificate.subject}" is not one. ` +
        'To accept one specific certificate, pin its x5t#S256 with the "thumbprints" option instead.',
    );
  }
}

function failure(
  reason: ChainValidationFailure['reason'],
  detail: string,
  trace: readonly CertificateCheck[],
  certificate: ClientCertificate,
  transient = false,
): ChainValidationFailure {
  return Object.freeze({
    ok: false as const,
    reason,
    detail,
    trace: Object.freeze(trace),
    certificate,
    ...(transient ? { transient } : {}),
  });
}

/**
 * Creates a {@link ChainValidator}: trust anchors and intermediates are parsed and indexed
 * once; each validation builds a path (verifying every signature with OpenSSL through
 * node:crypto), checks every certificate of it, then revocation when configured.
 *
 * Results are cached per validator (keyed by the leaf and the presented chain) until the
 * earliest `notAfter` of the path, `cacheTtl`, or the revocation answer's `nextUpdate`,
 * whichever comes first; verified CA-to-CA links are cached too, so that a new leaf from a known
 * CA costs one signature verification.
 *
 * @param factoryName the public factory name used in `TypeError` messages.
 * @throws {TypeError} on missing or malformed options, or a trust anchor that is not a CA.
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6 | RFC 5280 §6}
 */
export function createChainValidator(
  options: ChainValidatorOptions,
  factoryName = 'createChainValidator',
): ChainValidator {
  const f = factoryName;
  const o = checkOptions(f, options, CHAIN_VALIDATOR_OPTION_NAMES);
  if (o.trustAnchors === undefined) {
    throw new TypeError(
      `${f}: "trustAnchors" is required (PEM strings or DER buffers of your CA certificates).`,
    );
  }
  const toleranceSeconds = integerOption(f, 'clockTolerance', o.clockTolerance, 0);
  const settings: CheckSettings = {
    toleranceMs: toleranceSeconds * 1000,
    requireClientAuthEku: booleanOption(f, 'requireClientAuthEku', o.requireClientAuthEku, true),
    minRsaBits: integerOption(f, 'minRsaKeyBits', o.minRsaKeyBits, 2048, 1024),
  };
  const cacheSize = integerOption(f, 'cacheSize', o.cacheSize, 1000);
  const cacheTtlMs = integerOption(f, 'cacheTtl', o.cacheTtl, 300) * 1000;
  const maxDepth = integerOption(f, 'maxPathDepth', o.maxPathDepth, 8);
  if (o.clock !== undefined && typeof o.clock !== 'function') {
    throw new TypeError(`${f}: "clock" must be a function returning a Date.`);
  }
  const clock = o.clock ?? (() => new Date());
  const firstLinkOffThread = verifyOffThread(f);
  const prepare = (certificate: ClientCertificate): CertificateInfo =>
    certificateInfo(certificate, settings.minRsaBits);

  const anchorInfos = certificates(f, 'trustAnchors', o.trustAnchors).map(prepare);
  if (anchorInfos.length === 0) {
    throw new TypeError(`${f}: "trustAnchors" is empty; give at least one CA certificate.`);
  }
  anchorInfos.forEach((info) => {
    requireCa(f, 'trustAnchors', info);
  });
  const anchorThumbprints = new Set(anchorInfos.map((info) => info.thumbprint));
  const configuredInfos = (
    o.intermediates === undefined
      ? []
      : certificates(f, 'intermediates', o.intermediates).map(prepare)
  ).filter((info) => !anchorThumbprints.has(info.thumbprint));
  configuredInfos.forEach((info) => {
    requireCa(f, 'intermediates', info);
  });
  const known = new Map<string, CertificateInfo>();
  for (const info of [...anchorInfos, ...configuredInfos]) known.set(info.thumbprint, info);
  const anchors = index(anchorInfos);
  const configured = index(configuredInfos);
  const revocation: RevocationChecker | undefined =
    o.revocation === undefined
      ? undefined
      : loadRevocation().createRevocationChecker(
          o.revocation,
          f,
          settings.toleranceMs,
          settings.minRsaBits,
        );

  const presentedInfos = new LruCache<string, CertificateInfo>(Math.max(64, cacheSize));
  const links = new LruCache<string, boolean>(Math.max(256, cacheSize * 4));
  const results = new LruCache<string, { result: ChainValidationResult; validFrom: number }>(
    cacheSize,
  );
  const byLeaf = new WeakMap<ClientCertificate, RememberedResult>();

  const infoOf = (certificate: ClientCertificate): CertificateInfo => {
    const fixed = known.get(certificate.thumbprint);
    if (fixed) return fixed;
    let info = presentedInfos.get(certificate.thumbprint);
    if (!info) {
      info = prepare(certificate);
      presentedInfos.set(certificate.thumbprint, info);
    }
    return info;
  };

  async function checkRevocation(
    path: readonly CertificateInfo[],
    trace: CertificateCheck[],
    now: number,
  ): Promise<{ failure: ChainValidationFailure | undefined; expires: number }> {
    const checker = revocation as RevocationChecker;
    const subjects = checker.scope === 'leaf' ? path.slice(0, 1) : path.slice(0, -1);
    const verdicts = await Promise.all(
      subjects.map((subject, i) => checker.check(subject, path[i + 1] as CertificateInfo, now)),
    );
    let expires = Infinity;
    let rejected:
      | { index: number; reason: 'revoked' | 'revocation_unknown'; verdict: RevocationVerdict }
      | undefined;
    verdicts.forEach((verdict, i) => {
      expires = Math.min(expires, verdict.expires);
      const reject =
        verdict.status === 'revoked' ||
        (verdict.status === 'unknown' && checker.onUnknown === 'reject');
      const reason = verdict.status === 'revoked' ? 'revoked' : 'revocation_unknown';
      const check: CertificateCheckItem = reject
        ? { name: 'revocation', ok: false, detail: verdict.detail, reason }
        : {
            name: 'revocation',
            ok: true,
            detail:
              verdict.status === 'good'
                ? verdict.detail
                : `${verdict.detail} (allowed: onUnknown is "allow")`,
          };
      const entry = trace[i] as CertificateCheck;
      trace[i] = { ...entry, checks: [...entry.checks, check] };
      if (reject && !rejected) rejected = { index: i, reason, verdict };
    });
    const result =
      rejected &&
      failure(
        rejected.reason,
        `${(trace[rejected.index] as CertificateCheck).role}: ${rejected.verdict.detail}`,
        trace,
        (trace[rejected.index] as CertificateCheck).certificate,
        rejected.verdict.transient,
      );
    return { failure: result, expires };
  }

  async function validate(
    leaf: ClientCertificate,
    call?: ChainValidateOptions,
  ): Promise<ChainValidationResult> {
    const now = (call?.now ?? clock()).getTime();
    const peeked = peekChainResult(validator, leaf, now);
    if (peeked !== undefined) return peeked;
    const key = [leaf.thumbprint, ...leaf.chain.map((c) => c.thumbprint)].join('.');
    const hit = results.get(key, now);
    publishCache('chain', hit !== undefined && now >= hit.validFrom);
    if (hit && now >= hit.validFrom) return hit.result;

    const leafInfo = prepare(leaf);
    if (leafInfo.subjectKey === leafInfo.issuerKey && verifiesItself(leafInfo, links)) {
      const check: CertificateCheckItem = {
        name: 'self-signed',
        ok: false,
        detail: 'the certificate is self-signed; pin its thumbprint to accept it',
        reason: 'self_signed_not_allowed',
      };
      return failure(
        'self_signed_not_allowed',
        'leaf: self-signed certificate',
        [{ certificate: leaf, role: 'leaf', checks: [check] }],
        leaf,
      );
    }

    const pool: IssuerPool = {
      anchors,
      configured,
      presented: index(
        leaf.chain.map(infoOf).filter((info) => !anchorThumbprints.has(info.thumbprint)),
      ),
      anchorThumbprints,
    };
    const context = searchContext(pool, maxDepth, links);
    let first: { failure: PathFailure; trace: CertificateCheck[] } | undefined;
    let attempts = 0;
    if (firstLinkOffThread) await verifyFirstLink(leafInfo, context);
    for (const built of buildPaths(leafInfo, context)) {
      const { trace, failure: failed } = checkPath(
        built.path,
        built.signatures,
        now,
        settings,
        true,
      );
      if (failed) {
        first ??= { failure: failed, trace };
        if (++attempts >= MAX_PATHS) break;
        continue;
      }
      let expires = Math.min(
        now + cacheTtlMs,
        ...built.path.map((info) => info.notAfter + settings.toleranceMs),
      );
      if (revocation) {
        const revoked = await checkRevocation(built.path, trace, now);
        if (revoked.failure) return revoked.failure;
        expires = Math.min(expires, revoked.expires);
      }
      const success: ChainValidationSuccess = Object.freeze({
        ok: true as const,
        path: Object.freeze(built.path.map((info, i) => (i === 0 ? leaf : info.certificate))),
        trace: Object.freeze(trace),
      });
      const validFrom = Math.max(
        ...built.path.map((info) => info.notBefore - settings.toleranceMs),
      );
      results.set(key, { result: success, validFrom }, expires);
      if (cacheSize > 0) byLeaf.set(leaf, { result: success, validFrom, expires });
      return success;
    }
    if (first) {
      return failure(
        first.failure.reason,
        first.failure.detail,
        first.trace,
        first.failure.info === leafInfo ? leaf : first.failure.info.certificate,
      );
    }
    const deadEnd = context.deadEnd as NonNullable<SearchContext['deadEnd']>;
    const { trace } = checkPath(deadEnd.path, deadEnd.signatures, now, settings, false);
    const top = trace[trace.length - 1] as CertificateCheck;
    trace[trace.length - 1] = {
      ...top,
      checks: [
        ...top.checks,
        { name: 'issuer', ok: false, detail: deadEnd.detail, reason: deadEnd.reason },
      ],
    };
    return failure(
      deadEnd.reason,
      `${deadEnd.info === leafInfo ? 'leaf' : 'intermediate'}: ${deadEnd.detail}`,
      trace,
      deadEnd.info === leafInfo ? leaf : deadEnd.info.certificate,
    );
  }

  const validator: ChainValidator = { validate };
  remembered.set(validator, byLeaf);
  return validator;
}
