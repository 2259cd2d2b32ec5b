/**
 * Remembers the challenge `realm` of the `requireCertificateBoundToken()` that authenticated a
 * request, so that `requireScopes()` answers with the same realm.
 */
const realms = new WeakMap<object, string>();

/** Records the realm used for `req`. */
export function setRequestRealm(req: object, realm: string): void {
  realms.set(req, realm);
}

/** The realm recorded for `req`, if any. */
export function requestRealm(req: object): string | undefined {
  return realms.get(req);
}
