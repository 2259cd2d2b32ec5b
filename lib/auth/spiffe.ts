/**
 * SPIFFE X509-SVID decisions: the leaf rules, authorization by trust domain and ID, and the
 * X.509 part of a SPIFFE trust bundle. Pure: plain values in, one result type out. No Express.
 *
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md | X509-SVID}
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE_Trust_Domain_and_Bundle.md | SPIFFE bundle}
 * @packageDocumentation
 */
import { decodeBase64Strict } from '../internal/base64';
import { parseSpiffeId, type SpiffeId } from '../spiffe-id';
import { CLIENT_AUTH, KEY_USAGE } from './chain';

/** The one result shape of this module. */
export type SpiffeResult<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly reason: 'spiffe_invalid' | 'spiffe_not_allowed';
      readonly detail: string;
    };

/** What the X509-SVID leaf rules look at, decoded from the certificate. */
export interface SvidFacts {
  /** Every URI SAN, in order. */
  readonly uris: readonly string[];
  /** `basicConstraints` cA (absent extension: `false`). */
  readonly ca: boolean;
  /** The key usage bits (see `KEY_USAGE`), `undefined` when the extension is absent. */
  readonly keyUsage: number | undefined;
  /** Extended key usage OIDs, `undefined` when the extension is absent. */
  readonly extKeyUsage: readonly string[] | undefined;
}

function invalid(detail: string): SpiffeResult<never> {
  return { ok: false, reason: 'spiffe_invalid', detail };
}

/**
 * Applies the X509-SVID leaf rules: exactly one URI SAN, a valid SPIFFE ID with a non-root path,
 * not a CA, key usage with `digitalSignature` and without `keyCertSign` or `cRLSign`, and, when
 * an extended key usage is present, `id-kp-clientAuth` in it (the SVID authenticates a client
 * here; the spec lets a leaf omit the extension).
 *
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md#52-leaf-validation | X509-SVID §5.2}
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md#43-key-usage | X509-SVID §4.3}
 */
export function checkX509Svid(facts: SvidFacts): SpiffeResult<SpiffeId> {
  if (facts.uris.length !== 1) {
    return invalid(`an X509-SVID has exactly one URI SAN, this one has ${facts.uris.length}`);
  }
  const parsed = parseSpiffeId(facts.uris[0] as string);
  if (!parsed.ok) return invalid(`the URI SAN is not a SPIFFE ID: ${parsed.detail}`);
  if (parsed.value.path === '') {
    return invalid('a leaf SVID needs a non-root path (the ID names the trust domain itself)');
  }
  if (facts.ca) return invalid('a leaf SVID must not be a CA (basicConstraints cA is true)');
  if (facts.keyUsage === undefined) return invalid('a leaf SVID must carry key usage');
  if ((facts.keyUsage & KEY_USAGE.digitalSignature) === 0) {
    return invalid('a leaf SVID must have key usage digitalSignature');
  }
  if ((facts.keyUsage & (KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign)) !== 0) {
    return invalid('a leaf SVID must not have key usage keyCertSign or cRLSign');
  }
  if (facts.extKeyUsage !== undefined && !facts.extKeyUsage.includes(CLIENT_AUTH)) {
    return invalid('the extended key usage of the SVID does not include clientAuth');
  }
  return { ok: true, value: parsed.value };
}

/**
 * Whether `id` may call: its trust domain is one of `trustDomains`, and, when `ids` is a list,
 * the ID is exactly one of them (the function form of `ids` is the adapter's, it needs `req`).
 */
export function authorizeSpiffeId(
  id: SpiffeId,
  trustDomains: ReadonlySet<string>,
  ids: ReadonlySet<string> | undefined,
): SpiffeResult<SpiffeId> {
  if (!trustDomains.has(id.trustDomain)) {
    return {
      ok: false,
      reason: 'spiffe_not_allowed',
      detail: `trust domain ${id.trustDomain} is not allowed`,
    };
  }
  if (ids !== undefined && !ids.has(id.id)) {
    return { ok: false, reason: 'spiffe_not_allowed', detail: `${id.id} is not an allowed ID` };
  }
  return { ok: true, value: id };
}

/** The X.509 part of a SPIFFE bundle. */
export interface X509Bundle {
  /** DER of every X509-SVID CA certificate (one per `use: "x509-svid"` entry). */
  readonly authorities: readonly Buffer[];
  /** `spiffe_refresh_hint` in seconds, when present as a positive integer. */
  readonly refreshHint: number | undefined;
}

/** Most `keys` entries read from one bundle. */
export const MAX_BUNDLE_KEYS = 1000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the X509-SVID authorities from a SPIFFE bundle (a JWK Set): for each entry with
 * `use: "x509-svid"`, the first `x5c` value (standard base64 DER; further values ignored; an entry
 * without `x5c` ignored). A bundle without such an entry does not support X509-SVIDs.
 *
 * @returns the authorities, or `spiffe_invalid` with what is wrong (never the bundle's text).
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md#62-consuming-a-spiffe-bundle | X509-SVID §6.2}
 */
export function parseX509Bundle(json: unknown): SpiffeResult<X509Bundle> {
  if (!isRecord(json) || !Array.isArray(json.keys)) {
    return invalid('a SPIFFE bundle is a JWK Set: an object with a "keys" array');
  }
  if (json.keys.length > MAX_BUNDLE_KEYS) {
    return invalid(`the bundle has more than ${MAX_BUNDLE_KEYS} keys`);
  }
  const authorities: Buffer[] = [];
  for (const [index, key] of (json.keys as unknown[]).entries()) {
    if (!isRecord(key) || key.use !== 'x509-svid') continue;
    const x5c = key.x5c;
    if (x5c === undefined || (Array.isArray(x5c) && x5c.length === 0)) continue;
    const first: unknown = Array.isArray(x5c) ? x5c[0] : undefined;
    const der = typeof first === 'string' ? decodeBase64Strict(first) : undefined;
    if (der === undefined || der.length === 0) {
      return invalid(`keys[${index}].x5c[0] is not standard base64 DER`);
    }
    authorities.push(der);
  }
  if (authorities.length === 0) {
    return invalid('the bundle has no x509-svid entry: the trust domain issues no X509-SVIDs');
  }
  const hint = json.spiffe_refresh_hint;
  const refreshHint =
    Number.isSafeInteger(hint) && (hint as number) > 0 ? (hint as number) : undefined;
  return { ok: true, value: { authorities, refreshHint } };
}
