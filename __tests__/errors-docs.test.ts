import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CertificateUntrustedError,
  HeaderDuplicateError,
  InvalidClientError,
  InvalidTokenError,
  UnavailableError,
  errorDocsUrl,
  ERRORS_DOCS_URL,
  type MtlsErrorCode,
} from '../lib';
import { errorDocsAnchors } from '../lib/errors-docs';
import { anchorsOf } from './docs/markdown-snippets';

const ERRORS_MD = readFileSync(join(__dirname, '..', 'docs', 'errors.md'), 'utf8');

describe('errorDocsUrl', () => {
  it('links a code to its entry', () => {
    expect(errorDocsUrl('ERR_MTLS_HEADER_DUPLICATE')).toBe(
      'docs/errors.md#err_mtls_header_duplicate',
    );
    expect(ERRORS_DOCS_URL).toBe('docs/errors.md');
  });

  it('links a documented reason to its own entry', () => {
    expect(errorDocsUrl('ERR_MTLS_INVALID_TOKEN', 'binding_mismatch')).toBe(
      'docs/errors.md#err_mtls_invalid_token-binding_mismatch',
    );
    expect(errorDocsUrl('ERR_MTLS_CERTIFICATE_UNTRUSTED', 'expired')).toBe(
      'docs/errors.md#err_mtls_certificate_untrusted-expired',
    );
  });

  it('links a reason family (chain:<reason>) to the family entry', () => {
    expect(errorDocsUrl('ERR_MTLS_INVALID_CLIENT', 'chain:unknown_issuer')).toBe(
      'docs/errors.md#err_mtls_invalid_client-chain',
    );
  });

  it('falls back to the code entry for an undocumented reason, text included', () => {
    expect(errorDocsUrl('ERR_MTLS_INVALID_TOKEN', 'no_such_reason')).toBe(
      'docs/errors.md#err_mtls_invalid_token',
    );
    expect(errorDocsUrl('ERR_MTLS_HEADER_DUPLICATE', '"><script>')).toBe(
      'docs/errors.md#err_mtls_header_duplicate',
    );
    expect(errorDocsUrl('ERR_MTLS_INVALID_TOKEN', '')).toBe(
      'docs/errors.md#err_mtls_invalid_token',
    );
  });

  it('links a code this version does not know to the page itself', () => {
    expect(errorDocsUrl('ERR_MTLS_FROM_THE_FUTURE' as MtlsErrorCode, 'x')).toBe('docs/errors.md');
  });

  it('links warning codes', () => {
    expect(errorDocsUrl('MTLS_NO_TRUSTED_PROXY')).toBe('docs/errors.md#mtls_no_trusted_proxy');
  });
});

describe('MtlsError.helpUrl', () => {
  it('is the link for the code and reason of the error', () => {
    expect(new InvalidTokenError('unbound').helpUrl).toBe(
      'docs/errors.md#err_mtls_invalid_token-unbound',
    );
    expect(new CertificateUntrustedError('not_pinned').helpUrl).toBe(
      'docs/errors.md#err_mtls_certificate_untrusted-not_pinned',
    );
    expect(new HeaderDuplicateError().helpUrl).toBe('docs/errors.md#err_mtls_header_duplicate');
    expect(new InvalidClientError('chain:expired').helpUrl).toBe(
      'docs/errors.md#err_mtls_invalid_client-chain',
    );
    expect(new UnavailableError('jwks_unavailable').helpUrl).toBe(
      'docs/errors.md#err_mtls_unavailable-jwks_unavailable',
    );
  });

  it('stays out of toJSON() and the enumerable properties', () => {
    const error = new InvalidTokenError('expired');
    expect(Object.keys(error)).not.toContain('helpUrl');
    expect(error.toJSON()).not.toHaveProperty('helpUrl');
  });
});

describe('docs/errors.md', () => {
  const anchors = anchorsOf(ERRORS_MD);
  const all = [...errorDocsAnchors()].flatMap(([code, list]) => list.map((a) => [code, a]));

  it.each(all)('has an entry for %s (#%s)', (_code, anchor) => {
    expect(anchors).toContain(anchor);
  });

  it('covers the codes, their reasons and the warnings', () => {
    expect(all.length).toBeGreaterThan(70);
  });
});
