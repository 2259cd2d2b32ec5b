import {
  decodeCertificatePem,
  decodePem,
  encodePem,
  PemError,
  pemTextOf,
} from '../../lib/internal/pem';
import { der, pem } from '../helpers/fixtures';

const clientA = pem('client-a');
const body = (text: string): string =>
  text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s/g, '');

describe('decodePem (RFC 7468)', () => {
  it('decodes one block with its label', () => {
    const [block, extra] = decodePem(clientA);
    expect(extra).toBeUndefined();
    expect(block?.label).toBe('CERTIFICATE');
    expect(block?.der.equals(der('client-a'))).toBe(true);
  });

  it('decodes several blocks in order, with other labels', () => {
    const text = `${pem('client-a')}${encodePem(Buffer.from([1, 2, 3]), 'X509 CRL')}`;
    expect(decodePem(text).map((b) => [b.label, b.der.length])).toEqual([
      ['CERTIFICATE', 649],
      ['X509 CRL', 3],
    ]);
  });

  it('accepts CRLF line ends', () => {
    const [block] = decodePem(clientA.replace(/\n/g, '\r\n'));
    expect(block?.der.equals(der('client-a'))).toBe(true);
  });

  it('accepts Apache space folding (mod_headers turns CR/LF into spaces)', () => {
    const folded = clientA.trim().replace(/\n/g, ' ');
    expect(folded).toMatch(/^-----BEGIN CERTIFICATE----- MII/);
    expect(decodePem(folded)[0]?.der.equals(der('client-a'))).toBe(true);
  });

  it('accepts tab folding (legacy nginx $ssl_client_cert)', () => {
    const folded = clientA.trim().replace(/\n(?!-----END)/g, '\n\t');
    expect(decodePem(folded)[0]?.der.equals(der('client-a'))).toBe(true);
  });

  it('accepts the body on a single line and no line break at all', () => {
    const oneLine = `-----BEGIN CERTIFICATE-----${body(clientA)}-----END CERTIFICATE-----`;
    expect(decodePem(oneLine)[0]?.der.equals(der('client-a'))).toBe(true);
  });

  it('ignores explanatory text around blocks (RFC 7468 §5.2)', () => {
    const text = `Subject: CN=client-a\nIssuer: CN=Test Intermediate CA\n${clientA}trailing words\n`;
    expect(decodePem(text)).toHaveLength(1);
  });

  it('returns nothing for text without blocks', () => {
    expect(decodePem('')).toEqual([]);
    expect(decodePem('hello')).toEqual([]);
    expect(decodePem(body(clientA))).toEqual([]);
  });

  it('refuses mismatched BEGIN and END labels', () => {
    const text = clientA.replace('END CERTIFICATE', 'END X509 CRL');
    expect(() => decodePem(text)).toThrow(
      new PemError('PEM block "CERTIFICATE" ends with "X509 CRL"'),
    );
  });

  it.each([
    ['a non-base64 character', (t: string) => t.replace('MII', 'M*I')],
    ['base64url characters', (t: string) => t.replace(/[+/]/g, '_')],
    ['a missing padding character', (t: string) => t.replace('=\n', '\n')],
    ['an empty body', () => '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'],
    ['a header line', (t: string) => t.replace('\nMII', '\nComment: hello\nMII')],
  ])('refuses %s in a block', (_name, mutate) => {
    const text = mutate(clientA);
    expect(text).not.toBe(clientA);
    expect(() => decodePem(text)).toThrow(PemError);
  });

  it('names the block in the error, never its content', () => {
    const text = clientA.replace('MII', 'M*I');
    expect(() => decodePem(text)).toThrow('PEM block "CERTIFICATE" is not valid base64');
  });
});

describe('decodeCertificatePem', () => {
  it('returns the DER of every CERTIFICATE block, in order', () => {
    const blocks = decodeCertificatePem(pem('client-a-fullchain'));
    expect(blocks.map((b) => b.length)).toEqual([649, der('intermediate-ca').length]);
    expect(blocks[1]?.equals(der('intermediate-ca'))).toBe(true);
  });

  it('skips other block types', () => {
    const text = `${encodePem(Buffer.from('key'), 'PRIVATE KEY')}${clientA}`;
    expect(decodeCertificatePem(text)).toHaveLength(1);
  });

  it('refuses a CERTIFICATE block without its END line (a truncated header)', () => {
    const truncated = pem('client-a-fullchain').slice(0, -40);
    expect(() => decodeCertificatePem(truncated)).toThrow(
      new PemError('PEM block "CERTIFICATE" is incomplete'),
    );
  });

  it('refuses a block with RFC 1421 headers (their "-" ends the body early)', () => {
    const text = clientA.replace('\nMII', '\nProc-Type: 4,ENCRYPTED\nMII');
    expect(() => decodeCertificatePem(text)).toThrow('PEM block "CERTIFICATE" is incomplete');
  });

  it('refuses a BEGIN line followed by another block', () => {
    const text = `-----BEGIN CERTIFICATE-----\nAAAA\n${clientA}`;
    expect(() => decodeCertificatePem(text)).toThrow('PEM block "CERTIFICATE" is incomplete');
  });
});

describe('encodePem', () => {
  it('writes 64-character lines and a trailing newline, as openssl does', () => {
    expect(encodePem(der('client-a'))).toBe(clientA);
  });

  it('writes other labels and short bodies', () => {
    expect(encodePem(Buffer.from([0xde, 0xad]), 'X509 CRL')).toBe(
      '-----BEGIN X509 CRL-----\n3q0=\n-----END X509 CRL-----\n',
    );
  });

  it('round-trips through decodePem', () => {
    const bytes = Buffer.alloc(200, 7);
    expect(decodePem(encodePem(bytes))[0]?.der.equals(bytes)).toBe(true);
  });
});

describe('pemTextOf', () => {
  it('returns the text of bytes that hold PEM, and nothing for DER or other bytes', () => {
    const text = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(pemTextOf(Buffer.from(text))).toBe(text);
    expect(pemTextOf(Buffer.from(`\uFEFF${text}`))).toContain('-----BEGIN CERTIFICATE-----');
    expect(pemTextOf(new Uint8Array(Buffer.from(`junk ${text}`)).subarray(5))).toBe(text);
    expect(pemTextOf(Buffer.from([0x30, 0x03, 0x2d, 0x2d, 0x2d]))).toBeUndefined();
    expect(pemTextOf(Buffer.from('hello'))).toBeUndefined();
    expect(pemTextOf(new Uint8Array(0))).toBeUndefined();
  });
});
