/**
 * SPIFFE ID syntax: `spiffe://<trust domain><path>`. Pure; no certificate, no Express.
 *
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md | SPIFFE ID §2}
 * @packageDocumentation
 */

/** A parsed SPIFFE ID. */
export interface SpiffeId {
  /** The whole ID, as written (`spiffe://example.org/ns/prod/sa/api`). */
  readonly id: string;
  /** The trust domain (`example.org`). */
  readonly trustDomain: string;
  /** The path, `''` for the trust domain's own ID, otherwise starting with `/`. */
  readonly path: string;
}

/** Longest SPIFFE ID accepted, in bytes (SPIFFE ID §2.3). */
export const MAX_SPIFFE_ID_BYTES = 2048;

const SCHEME = 'spiffe://';
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * Parses `text` as a SPIFFE ID: scheme `spiffe` (lower case), a trust domain of `a-z 0-9 . - _`
 * (so no port, userinfo or upper case), and a path of segments of `a-z A-Z 0-9 . - _`, none
 * empty, `.` or `..`, and no trailing `/`; no query or fragment; at most 2048 bytes.
 *
 * @returns the ID, or a one-line `detail` of the first rule broken (never the input itself).
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md | SPIFFE ID §2}
 */
export function parseSpiffeId(
  text: string,
):
  | { readonly ok: true; readonly value: SpiffeId }
  | { readonly ok: false; readonly detail: string } {
  if (Buffer.byteLength(text, 'utf8') > MAX_SPIFFE_ID_BYTES) {
    return { ok: false, detail: `longer than ${MAX_SPIFFE_ID_BYTES} bytes` };
  }
  if (!text.startsWith(SCHEME)) return { ok: false, detail: 'scheme is not spiffe://' };
  const rest = text.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  if (trustDomain === '') return { ok: false, detail: 'empty trust domain' };
  if (!TRUST_DOMAIN.test(trustDomain)) {
    return {
      ok: false,
      detail: 'trust domain has a character outside a-z 0-9 . - _ (port, userinfo, upper case?)',
    };
  }
  if (path !== '') {
    const segments = path.slice(1).split('/');
    for (const segment of segments) {
      if (segment === '') return { ok: false, detail: 'empty path segment or trailing slash' };
      if (segment === '.' || segment === '..') {
        return { ok: false, detail: 'path segment "." or ".."' };
      }
      if (!SEGMENT.test(segment)) {
        return {
          ok: false,
          detail: 'path has a character outside a-z A-Z 0-9 . - _ (query, fragment, escape?)',
        };
      }
    }
  }
  return { ok: true, value: { id: text, trustDomain, path } };
}
