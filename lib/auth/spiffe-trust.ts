/**
 * The `spiffe` option of `requireClientCertificate()`, compiled once: allowed trust domains and
 * IDs, and per-trust-domain chain validators built from SPIFFE bundles (inline, from a file, or
 * fetched from a URL and refreshed as `spiffe_refresh_hint` asks, within bounds).
 *
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md | X509-SVID}
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE_Trust_Domain_and_Bundle.md | SPIFFE bundle}
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import type { Request } from 'express';
import type { ClientCertificate } from '../certificate';
import { UnavailableError } from '../errors';
import { parseSpiffeId, type SpiffeId } from '../spiffe-id';
import { trustDomainList, trustDomainName } from './spiffe-trust-domains';
import {
  createChainValidator,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  EXTENSION,
  type ChainValidator,
  type ChainValidatorOptions,
} from './chain';
import { JwksFetchError, JwksUriFetcher } from './jwks-uri-fetcher';
import {
  authorizeSpiffeId,
  checkX509Svid,
  parseX509Bundle,
  type SpiffeResult,
  type SvidFacts,
  type X509Bundle,
} from './spiffe';

/** A SPIFFE bundle document: a JWK Set (`{ keys: [...], spiffe_refresh_hint?, … }`). */
export interface SpiffeBundleDocument {
  readonly keys: readonly unknown[];
  readonly [member: string]: unknown;
}

/** A bundle fetched over HTTPS, and refreshed as its `spiffe_refresh_hint` asks. */
export interface SpiffeBundleEndpoint {
  /** The bundle endpoint URL (`https:`). */
  readonly url: string;
  /** Milliseconds allowed per fetch. Default: `5000`. */
  readonly timeout?: number | undefined;
  /** Accept an `http:` URL (a loopback test server only). Default: `false`. */
  readonly dangerouslyAllowHttp?: boolean | undefined;
}

/** Where a trust domain's bundle comes from: the document, a file path, or an endpoint. */
export type SpiffeBundleSource = SpiffeBundleDocument | string | SpiffeBundleEndpoint;

/**
 * The `spiffe` option: either `trustDomains` (the SVID must also pass `trustAnchors` or
 * `thumbprints`) or `bundles` (each trust domain's bundle is the only trust anchor set of its
 * SVIDs), and optionally `ids`.
 */
export interface SpiffeOptions {
  /** Trust domains whose SVIDs are accepted (`['example.org']`). */
  readonly trustDomains?: readonly string[] | undefined;
  /** Trust bundles by trust domain; an SVID must chain to its own trust domain's bundle. */
  readonly bundles?: Readonly<Record<string, SpiffeBundleSource>> | undefined;
  /** Exact SPIFFE IDs allowed, or a function deciding. Default: any ID of an allowed trust domain. */
  readonly ids?:
    | readonly string[]
    | ((
        spiffeId: string,
        certificate: ClientCertificate,
        req: Request,
      ) => boolean | Promise<boolean>)
    | undefined;
}

/** Refresh interval bounds, in seconds, whatever `spiffe_refresh_hint` says. */
export const BUNDLE_REFRESH = { min: 30, default: 300, max: 86_400 } as const;

/** The compiled option. */
export interface SpiffeTrust {
  /** Whether bundles (not `trustAnchors`/`thumbprints`) establish trust. */
  readonly usesBundles: boolean;
  /** The SVID rules and the trust domain / ID list. */
  check(certificate: ClientCertificate): SpiffeResult<SpiffeId>;
  /** The `ids` function, when `ids` is one. */
  readonly idsFunction: Exclude<SpiffeOptions['ids'], readonly string[]>;
  /**
   * The chain validator of `trustDomain`'s bundle (fetching or refreshing it when due).
   *
   * @throws {UnavailableError} `spiffe_bundle_unavailable` when an endpoint bundle was never fetched.
   */
  validator(trustDomain: string, nowMs: number): Promise<ChainValidator>;
}

function svidFacts(certificate: ClientCertificate): SvidFacts {
  const value = (oid: string): Buffer | undefined => certificate.extensions.get(oid)?.value;
  const bc = value(EXTENSION.basicConstraints);
  const ku = value(EXTENSION.keyUsage);
  const eku = value(EXTENSION.extKeyUsage);
  return {
    uris: certificate.subjectAltNames.uri,
    ca: bc !== undefined && decodeBasicConstraints(bc).ca,
    keyUsage: ku && decodeKeyUsage(ku),
    extKeyUsage: eku && decodeExtKeyUsage(eku),
  };
}

function isEndpoint(source: object): source is SpiffeBundleEndpoint {
  return 'url' in source;
}

interface BundleState {
  validator: ChainValidator;
  refreshAt: number;
}

type BundleLoader = (nowMs: number) => Promise<ChainValidator>;

function refreshDelay(bundle: X509Bundle): number {
  const hint = bundle.refreshHint ?? BUNDLE_REFRESH.default;
  return Math.min(Math.max(hint, BUNDLE_REFRESH.min), BUNDLE_REFRESH.max) * 1000;
}

function staticLoader(
  factory: string,
  trustDomain: string,
  source: SpiffeBundleDocument | string,
  build: (bundle: X509Bundle) => ChainValidator,
): BundleLoader {
  let json: unknown = source;
  if (typeof source === 'string') {
    try {
      json = JSON.parse(readFileSync(source, 'utf8')) as unknown;
    } catch (error) {
      throw new TypeError(
        `${factory}: spiffe.bundles["${trustDomain}"]: cannot read a JSON bundle from ${source}: ${(error as Error).message}`,
      );
    }
  }
  const parsed = parseX509Bundle(json);
  if (!parsed.ok) {
    throw new TypeError(`${factory}: spiffe.bundles["${trustDomain}"]: ${parsed.detail}.`);
  }
  const validator = build(parsed.value);
  return () => Promise.resolve(validator);
}

function endpointLoader(
  factory: string,
  trustDomain: string,
  source: SpiffeBundleEndpoint,
  build: (bundle: X509Bundle) => ChainValidator,
  now: () => number,
): BundleLoader {
  const timeout = source.timeout ?? 5000;
  if (!Number.isSafeInteger(timeout) || timeout < 1) {
    throw new TypeError(
      `${factory}: spiffe.bundles["${trustDomain}"].timeout must be a positive integer (ms).`,
    );
  }
  const allowHttp = source.dangerouslyAllowHttp === true;
  let url: URL | undefined;
  try {
    url = new URL(source.url);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:' && !(allowHttp && url?.protocol === 'http:')) {
    throw new TypeError(
      `${factory}: spiffe.bundles["${trustDomain}"].url must be an absolute https: URL.`,
    );
  }
  const fetcher = new JwksUriFetcher<X509Bundle>(
    {
      timeout,
      maxBytes: 1024 * 1024,
      cacheTtl: BUNDLE_REFRESH.max * 1000,
      cooldown: BUNDLE_REFRESH.min * 1000,
      cacheSize: 1,
      allowHttp,
      now,
    },
    (json) => {
      const parsed = parseX509Bundle(json);
      if (!parsed.ok) throw new JwksFetchError('jwks_uri_invalid', parsed.detail);
      return parsed.value;
    },
  );
  let state: BundleState | undefined;
  const adopt = (bundle: X509Bundle, nowMs: number): ChainValidator => {
    state = { validator: build(bundle), refreshAt: nowMs + refreshDelay(bundle) };
    return state.validator;
  };
  return async (nowMs) => {
    if (state === undefined) {
      try {
        return adopt((await fetcher.get(source.url)).value, nowMs);
      } catch (error) {
        throw new UnavailableError('spiffe_bundle_unavailable', {
          message: `the SPIFFE bundle of ${trustDomain} could not be fetched: ${(error as Error).message}`,
          cause: error,
        });
      }
    }
    if (nowMs < state.refreshAt) return state.validator;
    try {
      const bundle = await fetcher.refresh(source.url);
      if (bundle !== undefined) return adopt(bundle, nowMs);
    } catch {
      // A failed refresh keeps the last good bundle; the fetcher's cooldown spaces the retries.
    }
    return state.validator;
  };
}

/**
 * Validates and compiles the `spiffe` option.
 *
 * @throws {TypeError} on a bad option, with the fix.
 */
export function compileSpiffe(
  factory: string,
  options: SpiffeOptions,
  chainOptions: Omit<ChainValidatorOptions, 'trustAnchors'>,
  now: () => number,
): SpiffeTrust {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError(`${factory}: "spiffe" must be an object { trustDomains | bundles, ids? }.`);
  }
  const { trustDomains, bundles, ids } = options;
  if ((trustDomains === undefined) === (bundles === undefined)) {
    throw new TypeError(
      `${factory}: spiffe needs exactly one of "trustDomains" (with trustAnchors or thumbprints) and "bundles" (trust anchors per trust domain).`,
    );
  }
  const loaders = new Map<string, BundleLoader>();
  const allowed = new Set<string>();
  if (trustDomains !== undefined) {
    for (const name of trustDomainList(factory, trustDomains)) allowed.add(name);
  } else {
    const entries =
      typeof bundles === 'object' && (bundles as unknown) !== null ? Object.entries(bundles) : [];
    if (entries.length === 0) {
      throw new TypeError(`${factory}: spiffe.bundles must map trust domain names to bundles.`);
    }
    for (const [name, source] of entries) {
      const trustDomain = trustDomainName(factory, 'spiffe.bundles keys', name);
      allowed.add(trustDomain);
      const build = (bundle: X509Bundle): ChainValidator =>
        createChainValidator({ ...chainOptions, trustAnchors: bundle.authorities }, factory);
      const object = typeof source === 'object' && (source as unknown) !== null;
      if (object && isEndpoint(source)) {
        loaders.set(trustDomain, endpointLoader(factory, trustDomain, source, build, now));
      } else if (typeof source === 'string' || (object && 'keys' in source)) {
        loaders.set(trustDomain, staticLoader(factory, trustDomain, source, build));
      } else {
        throw new TypeError(
          `${factory}: spiffe.bundles["${trustDomain}"] must be a bundle object, a file path, or { url }.`,
        );
      }
    }
  }
  let idList: ReadonlySet<string> | undefined;
  let idsFunction: SpiffeTrust['idsFunction'];
  if (typeof ids === 'function') {
    idsFunction = ids;
  } else if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length === 0) {
      throw new TypeError(
        `${factory}: spiffe.ids must be a non-empty array of SPIFFE IDs or a function.`,
      );
    }
    for (const id of ids as unknown[]) {
      const parsed = typeof id === 'string' ? parseSpiffeId(id) : undefined;
      if (parsed?.ok !== true || parsed.value.path === '') {
        throw new TypeError(
          `${factory}: spiffe.ids must be SPIFFE IDs like "spiffe://example.org/service".`,
        );
      }
      if (!allowed.has(parsed.value.trustDomain)) {
        throw new TypeError(
          `${factory}: spiffe.ids has ${parsed.value.id}, whose trust domain is not allowed: it could never match.`,
        );
      }
    }
    idList = new Set(ids as string[]);
  }
  return {
    usesBundles: bundles !== undefined,
    idsFunction,
    check(certificate) {
      const svid = checkX509Svid(svidFacts(certificate));
      return svid.ok ? authorizeSpiffeId(svid.value, allowed, idList) : svid;
    },
    validator(trustDomain, nowMs) {
      return (loaders.get(trustDomain) as BundleLoader)(nowMs);
    },
  };
}
