/**
 * The description tables of lib/error-codes.ts against docs/errors.md, both ways: every code,
 * reason and warning has its entry, and every entry names something the tables know.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CERTIFICATE_REJECTION_REASONS,
  DPOP_PROOF_REJECTION_REASONS,
  MTLS_ERROR_CODES,
  REASONS_BY_CODE,
  TOKEN_REJECTION_REASONS,
  WARNING_CODES,
  type MtlsErrorCode,
} from '../lib/error-codes';
import {
  CertificateRequiredError,
  CertificateUntrustedError,
  ChainTooLongError,
  HeaderDuplicateError,
  HeaderMalformedError,
  HeaderTooLargeError,
  InsufficientScopeError,
  InvalidClientError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  MisconfiguredError,
  TokenMissingError,
  UnavailableError,
  UseDpopNonceError,
  type MtlsError,
} from '../lib/errors';
import { errorDocsUrl } from '../lib/errors-docs';
import { anchorsOf } from './docs/markdown-snippets';

const ERRORS_MD = readFileSync(join(__dirname, '..', 'docs', 'errors.md'), 'utf8');

/** One error per response code: the type makes the list exhaustive. */
const ONE_OF_EACH: Readonly<
  Record<Exclude<MtlsErrorCode, 'ERR_MTLS_CERTIFICATE_PARSE'>, MtlsError>
> = {
  ERR_MTLS_HEADER_MALFORMED: new HeaderMalformedError(),
  ERR_MTLS_HEADER_DUPLICATE: new HeaderDuplicateError(),
  ERR_MTLS_HEADER_TOO_LARGE: new HeaderTooLargeError(),
  ERR_MTLS_CHAIN_TOO_LONG: new ChainTooLongError(),
  ERR_MTLS_CERTIFICATE_REQUIRED: new CertificateRequiredError(),
  ERR_MTLS_CERTIFICATE_UNTRUSTED: new CertificateUntrustedError('expired'),
  ERR_MTLS_INVALID_CLIENT: new InvalidClientError('unknown_client'),
  ERR_MTLS_TOKEN_MISSING: new TokenMissingError(),
  ERR_MTLS_INVALID_REQUEST: new InvalidRequestError('two tokens'),
  ERR_MTLS_INVALID_TOKEN: new InvalidTokenError('expired'),
  ERR_MTLS_INSUFFICIENT_SCOPE: new InsufficientScopeError(),
  ERR_MTLS_INVALID_DPOP_PROOF: new InvalidDpopProofError('missing'),
  ERR_MTLS_USE_DPOP_NONCE: new UseDpopNonceError('n'),
  ERR_MTLS_UNAVAILABLE: new UnavailableError('jwks_unavailable'),
  ERR_MTLS_MISCONFIGURED: new MisconfiguredError('m'),
};

/** The row of the "All codes" table for `code`, split into cells. */
function allCodesRow(code: string): string[] | undefined {
  const line = ERRORS_MD.split('\n').find(
    (row) => row.startsWith('|') && row.includes(`\`${code}\``),
  );
  return line?.split('|').map((cell) => cell.trim());
}

/** The backticked names after `∈` in a cell. */
function listed(cell: string): string[] {
  const after = cell.split('∈')[1] ?? '';
  return [...after.matchAll(/`([a-z_]+)`/g)].map((match) => match[1] as string);
}

describe('the description tables', () => {
  const tables = [
    ['codes', MTLS_ERROR_CODES],
    ['warnings', WARNING_CODES],
    ...Object.entries(REASONS_BY_CODE),
  ] as const;

  it.each(tables)('%s: every description is one short line', (_name, table) => {
    for (const description of Object.values(table)) {
      expect(description).toMatch(/^[^\n]{10,100}$/);
    }
  });

  it('give each code its table of reasons', () => {
    expect(Object.keys(REASONS_BY_CODE).sort()).toEqual(Object.keys(MTLS_ERROR_CODES).sort());
  });
});

describe('docs/errors.md against the tables', () => {
  const anchors = anchorsOf(ERRORS_MD);

  it.each(Object.keys(MTLS_ERROR_CODES))('has a section for %s', (code) => {
    expect(ERRORS_MD).toContain(`\n## \`${code}\`\n`);
    expect(anchors).toContain(code.toLowerCase());
  });

  it('documents no reason the tables do not know', () => {
    const documented = [...anchors].filter((anchor) => /^err_mtls_[a-z_]+-/.test(anchor));
    const unknown = documented.filter((anchor) => {
      const [code, reason] = anchor.split('-', 2) as [string, string];
      const table = REASONS_BY_CODE[code.toUpperCase() as MtlsErrorCode] as object | undefined;
      return table === undefined || !Object.hasOwn(table, reason);
    });
    expect(unknown).toEqual([]);
    expect(documented.length).toBeGreaterThan(80);
  });

  it('names each reason as its entry says (a family as <family>:<reason>)', () => {
    for (const [code, table] of Object.entries(REASONS_BY_CODE)) {
      for (const reason of Object.keys(table)) {
        const entry = `<a id="${code.toLowerCase()}-${reason}"></a>\`${reason}`;
        expect(ERRORS_MD).toContain(entry);
      }
    }
  });

  it.each(Object.entries(ONE_OF_EACH))(
    '%s: the "All codes" row has the status of the class',
    (code, error) => {
      expect(error.code).toBe(code);
      const row = allCodesRow(code);
      expect(row?.[1]).toBe(String(error.status));
    },
  );

  it.each([
    ['ERR_MTLS_CERTIFICATE_UNTRUSTED', CERTIFICATE_REJECTION_REASONS],
    ['ERR_MTLS_INVALID_TOKEN', TOKEN_REJECTION_REASONS],
    ['ERR_MTLS_INVALID_DPOP_PROOF', DPOP_PROOF_REJECTION_REASONS],
  ] as const)('%s: the "All codes" row lists exactly the reasons of the table', (code, table) => {
    const row = allCodesRow(code) as string[];
    expect(listed(row[4] as string).sort()).toEqual(Object.keys(table).sort());
  });

  it('has a section for each warning, and no warning the table does not know', () => {
    const headings = [...ERRORS_MD.matchAll(/^### `(MTLS_[A-Z_]+)`$/gm)].map((m) => m[1]);
    expect(headings.sort()).toEqual(Object.keys(WARNING_CODES).sort());
  });
});

describe('errorDocsUrl() with names of Object.prototype', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'links code %s to the page and reason %s to nothing, without throwing',
    (name) => {
      expect(errorDocsUrl(name as MtlsErrorCode, 'x')).toBe('docs/errors.md');
      expect(errorDocsUrl('ERR_MTLS_INVALID_TOKEN', name)).toBe(
        'docs/errors.md#err_mtls_invalid_token',
      );
      expect(errorDocsUrl('MTLS_NOT_TLS', name)).toBe('docs/errors.md#mtls_not_tls');
    },
  );
});
