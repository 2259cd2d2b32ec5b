/**
 * Where each error code, reason and warning code is explained: one anchor per entry of
 * `docs/errors.md`, so that a log line leads straight to what went wrong and what to do (the
 * convention express-rate-limit follows).
 *
 * @packageDocumentation
 */
import {
  REASONS_BY_CODE,
  WARNING_CODES,
  type MtlsErrorCode,
  type WarningCode,
} from './error-codes';

/**
 * The errors reference. The package has no `repository` or `homepage` yet, so links are relative
 * to the repository root; once it has one, this becomes the absolute URL of the same file.
 */
export const ERRORS_DOCS_URL = 'docs/errors.md';

/** Codes of the configuration warnings (Node process warnings of type `ExpressMtlsWarning`). */
export type MtlsWarningCode = WarningCode;

/**
 * Every anchor {@link errorDocsUrl} can produce, by code (the code's own anchor first). Used by
 * the tests that keep `docs/errors.md` complete.
 */
export function errorDocsAnchors(): ReadonlyMap<MtlsErrorCode | MtlsWarningCode, string[]> {
  const anchors = new Map<MtlsErrorCode | MtlsWarningCode, string[]>();
  for (const [code, table] of Object.entries(REASONS_BY_CODE) as [MtlsErrorCode, object][]) {
    const base = code.toLowerCase();
    anchors.set(code, [base, ...Object.keys(table).map((reason) => `${base}-${reason}`)]);
  }
  for (const code of Object.keys(WARNING_CODES) as MtlsWarningCode[]) {
    anchors.set(code, [code.toLowerCase()]);
  }
  return anchors;
}

/**
 * The link to the entry that explains an error code (and its `reason`, when that reason has an
 * entry of its own) or a warning code: `docs/errors.md#err_mtls_invalid_token-binding_mismatch`.
 * A reason such as `chain:expired` links to its family (`chain`); a reason without an entry, or
 * a code this version does not know, links to the code's entry or to the top of the page.
 */
export function errorDocsUrl(code: MtlsErrorCode | MtlsWarningCode, reason?: string): string {
  const base = code.toLowerCase();
  const known = Object.hasOwn(REASONS_BY_CODE, code);
  if (!known && !code.startsWith('MTLS_')) return ERRORS_DOCS_URL;
  const reasons: object = known ? REASONS_BY_CODE[code as MtlsErrorCode] : {};
  const family = reason?.split(':', 1)[0];
  return family !== undefined && Object.hasOwn(reasons, family)
    ? `${ERRORS_DOCS_URL}#${base}-${family}`
    : `${ERRORS_DOCS_URL}#${base}`;
}
