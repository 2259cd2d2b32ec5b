import { ClientCertificate } from '../../../lib/certificate';
import { canonicalName, certificateInfo } from '../../../lib/x509/certificate-info';
import type { RelativeDistinguishedName } from '../../../lib/distinguished-name';
import { chainPem } from './chain-fixtures';

function der(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

describe('canonical names (RFC 5280 §7.1)', () => {
  const attribute = (oid: string, value: string | undefined, hex = '') => ({
    oid,
    tag: value === undefined ? 0x04 : 0x0c,
    value,
    der: Buffer.from(hex, 'hex'),
  });

  test('case and inner spaces fold, outer spaces go, multi-valued RDNs sort', () => {
    const a: RelativeDistinguishedName[] = [
      [attribute('2.5.4.10', '  Example   Corp ')],
      [attribute('2.5.4.3', 'Alice'), attribute('2.5.4.11', 'Dev')],
    ];
    const b: RelativeDistinguishedName[] = [
      [attribute('2.5.4.10', 'example corp')],
      [attribute('2.5.4.11', 'dev'), attribute('2.5.4.3', 'ALICE')],
    ];
    expect(canonicalName(a)).toBe(canonicalName(b));
    expect(canonicalName(a)).toBe(
      JSON.stringify([
        ['["2.5.4.10"," example  corp "]'],
        ['["2.5.4.11"," dev "]', '["2.5.4.3"," alice "]'],
      ]),
    );
  });

  test('values are prepared after RFC 4518 (B.2 case folding, NFKC), not toLowerCase()', () => {
    const name = (value: string): RelativeDistinguishedName[] => [[attribute('2.5.4.3', value)]];
    expect(canonicalName(name('STRASSE'))).toBe(canonicalName(name('straße')));
    expect(canonicalName(name('ＡＤＭＩＮ'))).toBe(canonicalName(name('admin')));
    expect(canonicalName(name('admın'))).not.toBe(canonicalName(name('admin')));
    expect(canonicalName(name('\u0430dmin'))).not.toBe(canonicalName(name('admin')));
  });

  test('a string value holding a prohibited code point compares by its DER only', () => {
    expect(canonicalName([[attribute('2.5.4.3', 'a\uE000', '0c0461ee8080')]])).toBe(
      JSON.stringify([['["2.5.4.3","#0c0461ee8080"]']]),
    );
  });

  test('a value that is not a string compares by its DER', () => {
    expect(canonicalName([[attribute('2.5.4.45', undefined, '0403abcdef')]])).toBe(
      JSON.stringify([['["2.5.4.45","#0403abcdef"]']]),
    );
  });
});

describe('certificateInfo()', () => {
  test('decodes what path validation reads (openssl fixture)', () => {
    const info = certificateInfo(ClientCertificate.from(chainPem('ec-int')), 2048);
    expect(info).toMatchObject({
      basicConstraints: { ca: true, pathLength: 0 },
      keyUsage: (1 << 5) | (1 << 6),
      extKeyUsage: undefined,
      unhandledCritical: [],
      algorithmsMatch: true,
      key: { ok: true, description: 'EC P-256' },
      selfIssued: false,
      notBefore: Date.parse('2024-01-01T00:00:00Z'),
      notAfter: Date.parse('2124-01-01T00:00:00Z'),
    });
    expect(info.publicKey()).toBe(info.publicKey());
  });

  test('lists unhandled critical extensions; name constraints are processed (name-constraints.ts)', () => {
    expect(
      certificateInfo(ClientCertificate.from(chainPem('leaf-critical')), 2048).unhandledCritical,
    ).toEqual(['1.3.6.1.4.1.55555.1']);
    expect(
      certificateInfo(ClientCertificate.from(chainPem('int-nc')), 2048).unhandledCritical,
    ).toEqual([]);
    const nonCritical = der(chainPem('int-nc'));
    const marker = Buffer.from('0603551d1e0101ff', 'hex');
    const at = nonCritical.indexOf(marker);
    expect(at).toBeGreaterThan(0);
    nonCritical[at + marker.length - 1] = 0x00;
    expect(certificateInfo(new ClientCertificate(nonCritical), 2048).unhandledCritical).toEqual([]);
  });

  test('inner and outer signature algorithms that differ are noted', () => {
    const bytes = der(chainPem('ec-leaf'));
    const sha256 = Buffer.from('06082a8648ce3d040302', 'hex');
    const outer = bytes.lastIndexOf(sha256);
    bytes[outer + sha256.length - 1] = 0x03;
    const info = certificateInfo(new ClientCertificate(bytes), 2048);
    expect(info.algorithmsMatch).toBe(false);
    expect(info.algorithm).toMatchObject({ status: 'ok', name: 'ecdsa-with-SHA384' });
  });

  test('a malformed extension list is a CertificateParseError', () => {
    const bytes = der(chainPem('ec-leaf'));
    const basicConstraints = Buffer.from('0603551d130101ff04023000', 'hex');
    const at = bytes.indexOf(basicConstraints);
    bytes[at + 8] = 0x05;
    expect(() => certificateInfo(new ClientCertificate(bytes), 2048)).toThrow(
      expect.objectContaining({
        name: 'CertificateParseError',
        message: 'malformed certificate: malformed extension',
      }) as Error,
    );
  });

  test('a malformed part becomes a CertificateParseError', () => {
    const bytes = der(chainPem('rsa-leaf'));
    const spki = Buffer.from('0382010f00', 'hex');
    const at = bytes.indexOf(spki);
    expect(at).toBeGreaterThan(0);
    bytes[at + spki.length - 1] = 0x01;
    expect(() => certificateInfo(new ClientCertificate(bytes), 2048)).toThrow(
      expect.objectContaining({
        name: 'CertificateParseError',
        message: 'malformed certificate: malformed subjectPublicKey',
      }) as Error,
    );
  });
});
