import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { CertificateParseError, ClientCertificate, confirmationClaim, thumbprint } from '../lib';
import { der, pem, X5T_S256 } from './helpers/fixtures';
import { rsaPublicKeyInfo, selfNamedWithJunkSignature } from './helpers/hostile-certificate';
import { tlv } from './helpers/tlv';

function foundation(name: string): string {
  return readFileSync(join(__dirname, 'fixtures', 'foundation', `${name}.pem`), 'utf8');
}

/** x5t#S256 values openssl computed (__tests__/fixtures/foundation/expected.txt). */
const FOUNDATION_X5T: Readonly<Record<string, string>> = {
  escapes: 'kg5Gp85r0-oym79673O_Q-5Zr9lDMumDBxTqm43INMI',
  san: '5gCibojBZzMQLzIPvGsIo3YVELA8skHkknmmBIrjImo',
  'self-issued': '4QyaaNUyVaP1br9ENiTI8kO0Nz4Zqg3v-HWlV0wtpXw',
  v1: 'bh3hvdcU-Rs0CSvrSRodDae_s8_cUkFyhHyzc-PtvCE',
};

const ECDSA_SHA256 = tlv(0x30, [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);
const OID_CN = [0x06, 0x03, 0x55, 0x04, 0x03];
const CN_X = tlv(0x30, tlv(0x31, tlv(0x30, OID_CN, tlv(0x0c, [0x78]))));
/** An issuer whose CN is an INTEGER: we write it as #hex, OpenSSL refuses the certificate. */
const CN_INTEGER = tlv(0x30, tlv(0x31, tlv(0x30, OID_CN, tlv(0x02, [0x05]))));
const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

/**
 * A certificate that is structurally sound (so the constructor accepts it) but that OpenSSL
 * cannot parse (its issuer name holds an INTEGER), with replaceable parts.
 */
function handMade(
  parts: {
    version?: Buffer;
    serial?: Buffer;
    subject?: Buffer;
    validity?: Buffer;
    extensions?: Buffer[];
  } = {},
): Buffer {
  const validity =
    parts.validity ??
    tlv(0x30, tlv(0x17, ascii('250101000000Z')), tlv(0x18, ascii('21250101000000Z')));
  const fields = [
    parts.version ?? tlv(0xa0, tlv(0x02, [2])),
    parts.serial ?? tlv(0x02, [0x01]),
    ECDSA_SHA256,
    CN_INTEGER,
    validity,
    parts.subject ?? CN_X,
    tlv(0x30, ECDSA_SHA256, tlv(0x03, [0x00, 0x04])),
    ...(parts.extensions ? [tlv(0xa3, tlv(0x30, ...parts.extensions))] : []),
  ];
  return tlv(0x30, tlv(0x30, ...fields), ECDSA_SHA256, tlv(0x03, [0x00]));
}

const OID_SAN = [0x06, 0x03, 0x55, 0x1d, 0x11];
const OID_BC = [0x06, 0x03, 0x55, 0x1d, 0x13];
const extension = (...parts: (Buffer | number[])[]): Buffer => tlv(0x30, ...parts);
const octets = (...content: Buffer[]): Buffer => tlv(0x04, ...content);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('ClientCertificate', () => {
  describe('thumbprint (RFC 8705 §3.1)', () => {
    it('computes the x5t#S256 thumbprint openssl computes', () => {
      expect(ClientCertificate.from(pem('client-a')).thumbprint).toBe(X5T_S256['client-a']);
      expect(thumbprint(pem('self-signed'))).toBe(X5T_S256['self-signed']);
      for (const [name, value] of Object.entries(FOUNDATION_X5T)) {
        expect(ClientCertificate.from(foundation(name)).thumbprint).toBe(value);
      }
    });

    it('matches the x5t#S256 RFC 8705 Appendix A gives for its certificate', () => {
      const text = readFileSync(
        join(__dirname, 'fixtures', 'binding', 'rfc8705-appendix-a.pem'),
        'utf8',
      );
      expect(ClientCertificate.from(text).thumbprint).toBe(
        'A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0',
      );
    });

    it('is computed when the object is created, even for bytes OpenSSL cannot parse', () => {
      const bytes = handMade();
      const certificate = new ClientCertificate(bytes);
      expect(certificate.thumbprint).toBe(createHash('sha256').update(bytes).digest('base64url'));
      expect(certificate.thumbprint).toHaveLength(43);
    });
  });

  describe('from()', () => {
    it('reads PEM: the first block is the leaf, later blocks its chain', () => {
      const certificate = ClientCertificate.from(pem('client-a-fullchain'));
      expect(certificate.thumbprint).toBe(X5T_S256['client-a']);
      expect(certificate.chain.map((c) => c.thumbprint)).toEqual([X5T_S256['intermediate-ca']]);
      expect(certificate.chain[0]?.chain).toEqual([]);
    });

    it('reads PEM with CRLF line ends, Apache space folding and text around it', () => {
      const text = pem('client-a');
      for (const variant of [
        text.replace(/\n/g, '\r\n'),
        text.trim().replace(/\n/g, ' '),
        `subject=CN=client-a\n${text}\nbye\n`,
      ]) {
        expect(ClientCertificate.from(variant).thumbprint).toBe(X5T_S256['client-a']);
      }
    });

    it('reads DER as a Buffer, a Uint8Array or a view into a larger buffer', () => {
      const bytes = der('client-a');
      expect(ClientCertificate.from(bytes).thumbprint).toBe(X5T_S256['client-a']);
      expect(ClientCertificate.from(new Uint8Array(bytes)).thumbprint).toBe(X5T_S256['client-a']);
      const padded = Buffer.concat([Buffer.from([9, 9]), bytes]);
      const view = new Uint8Array(padded.buffer, padded.byteOffset + 2, bytes.length);
      expect(ClientCertificate.from(view).thumbprint).toBe(X5T_S256['client-a']);
    });

    it('reads a node:crypto X509Certificate', () => {
      const certificate = ClientCertificate.from(new X509Certificate(pem('root-ca')));
      expect(certificate.thumbprint).toBe(X5T_S256['root-ca']);
      expect(certificate.chain).toEqual([]);
    });

    it('returns another ClientCertificate itself when nothing is to change', () => {
      const certificate = ClientCertificate.from(pem('client-a-fullchain'));
      expect(ClientCertificate.from(certificate)).toBe(certificate);
      expect(ClientCertificate.from(certificate, { chain: undefined })).toBe(certificate);
    });

    it('copies another ClientCertificate with a new source, keeping its chain', () => {
      const original = ClientCertificate.from(pem('client-a-fullchain'));
      const copy = ClientCertificate.from(original, { source: { type: 'tls', authorized: true } });
      expect(copy).not.toBe(original);
      expect(copy.der).toBe(original.der);
      expect(copy.chain.map((c) => c.thumbprint)).toEqual([X5T_S256['intermediate-ca']]);
      expect(copy.source).toEqual({ type: 'tls', authorized: true });
    });

    it('lets init.chain replace the chain', () => {
      const leafOnly = ClientCertificate.from(pem('client-a-fullchain'), { chain: [] });
      expect(leafOnly.chain).toEqual([]);
      const other = ClientCertificate.from(pem('client-a-fullchain'), { chain: [der('root-ca')] });
      expect(other.chain.map((c) => c.thumbprint)).toEqual([X5T_S256['root-ca']]);
      const fromCopy = ClientCertificate.from(other, { chain: [pem('client-b')] });
      expect(fromCopy.chain.map((c) => c.thumbprint)).toEqual([X5T_S256['client-b']]);
    });

    it('takes every block of a PEM string in init.chain, and every input type', () => {
      const certificate = ClientCertificate.from(pem('client-a'), {
        chain: [
          pem('ca-chain'),
          new X509Certificate(pem('server')),
          new Uint8Array(der('client-b')),
          ClientCertificate.from(pem('self-signed')),
        ],
      });
      expect(certificate.chain.map((c) => c.thumbprint)).toEqual([
        X5T_S256['intermediate-ca'],
        X5T_S256['root-ca'],
        X5T_S256.server,
        X5T_S256['client-b'],
        X5T_S256['self-signed'],
      ]);
    });

    it('never nests chains: a chain member given with its own chain loses it', () => {
      const withChain = ClientCertificate.from(pem('client-a-fullchain'));
      const certificate = ClientCertificate.from(pem('client-b'), { chain: [withChain] });
      expect(certificate.chain[0]?.thumbprint).toBe(X5T_S256['client-a']);
      expect(certificate.chain[0]?.chain).toEqual([]);
    });

    it('keeps a chain member given without a chain as the same object', () => {
      const member = ClientCertificate.from(pem('intermediate-ca'));
      expect(ClientCertificate.from(pem('client-a'), { chain: [member] }).chain[0]).toBe(member);
    });

    it('parses eagerly, so a broken chain member fails at once', () => {
      const error = thrown(() => ClientCertificate.from(pem('client-a'), { chain: [handMade()] }));
      expect(error).toBeInstanceOf(CertificateParseError);
      expect((error as Error).message).toBe('not an X.509 certificate: OpenSSL could not parse it');
    });

    it.each([
      ['random bytes', () => Buffer.from('not a certificate')],
      ['an empty buffer', () => Buffer.alloc(0)],
      ['trailing bytes', () => Buffer.concat([der('client-a'), Buffer.from([0])])],
      ['two certificates concatenated', () => Buffer.concat([der('client-a'), der('root-ca')])],
      ['a truncated certificate', () => der('client-a').subarray(0, 300)],
      ['a private key', () => Buffer.from('MC4CAQAwBQYDK2VwBCIEIA==', 'base64')],
    ])('refuses %s', (_name, make) => {
      const error = thrown(() => ClientCertificate.from(make()));
      expect(error).toBeInstanceOf(CertificateParseError);
      expect((error as Error).message).toMatch(/^not an X\.509 certificate: /);
    });

    it('refuses a structurally sound certificate OpenSSL cannot parse', () => {
      expect(() => ClientCertificate.from(handMade())).toThrow(
        'not an X.509 certificate: OpenSSL could not parse it',
      );
    });

    it('refuses a certificate OpenSSL would re-encode (it must hash what OpenSSL verifies)', () => {
      // The outer signatureAlgorithm gets a BER constructed OCTET STRING as its parameter:
      // OpenSSL accepts it but re-encodes it, so its view is not the bytes received.
      const bytes = der('client-a');
      const alg = tlv(0x30, ECDSA_SHA256.subarray(2), [0x24, 0x03, 0x04, 0x01, 0x41]);
      const reencoded = tlv(0x30, bytes.subarray(4, 563), alg, bytes.subarray(575));
      expect(() => ClientCertificate.from(reencoded)).toThrow(
        new CertificateParseError('not an X.509 certificate: OpenSSL read other bytes'),
      );
    });

    it.each([
      ['text without PEM', 'hello', 'no PEM CERTIFICATE block found'],
      [
        'a PEM private key only',
        '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
        'no PEM CERTIFICATE block found',
      ],
      [
        'a truncated PEM chain',
        pem('client-a-fullchain').slice(0, -30),
        'PEM block "CERTIFICATE" is incomplete',
      ],
      [
        'mismatched labels',
        pem('client-a').replace('END CERTIFICATE', 'END CRL'),
        'PEM block "CERTIFICATE" ends with "CRL"',
      ],
      [
        'a non-base64 character',
        pem('client-a').replace('MII', 'M!I'),
        'PEM block "CERTIFICATE" is not valid base64',
      ],
    ])('refuses %s with a message that names the defect', (_name, text, message) => {
      const error = thrown(() => ClientCertificate.from(text));
      expect((error as Error).message).toBe(message);
      expect(error).toBeInstanceOf(CertificateParseError);
    });

    it.each([
      ['null', null],
      ['undefined', undefined],
      ['a number', 42],
      ['a plain object', { der: 'x' }],
      ['an ArrayBuffer', new ArrayBuffer(8)],
    ])('refuses %s with a CertificateParseError (a TypeError)', (_name, value) => {
      const error = thrown(() => ClientCertificate.from(value as unknown as Uint8Array));
      expect(error).toBeInstanceOf(CertificateParseError);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(
        'expected a certificate as PEM text, DER bytes, an X509Certificate or a ClientCertificate',
      );
    });

    it('never puts the certificate in the message', () => {
      const text = pem('client-a').replace('MII', 'M!I');
      const message = (thrown(() => ClientCertificate.from(text)) as Error).message;
      expect(message).not.toContain('MIIC');
      expect(message.length).toBeLessThan(100);
    });
  });

  describe('CertificateParseError', () => {
    it('is a TypeError with a stable name and code', () => {
      const error = new CertificateParseError('x');
      expect(error).toBeInstanceOf(TypeError);
      expect(error.name).toBe('CertificateParseError');
      expect(error.code).toBe('ERR_MTLS_CERTIFICATE_PARSE');
    });

    it('keeps the cause', () => {
      const error = thrown(() => ClientCertificate.from(Buffer.from([0x30, 0x80]))) as Error;
      expect(error.cause).toBeInstanceOf(Error);
      expect((error.cause as Error).name).toBe('DerError');
      expect(error.message).toBe('not an X.509 certificate: indefinite length is not DER');
    });
  });

  describe('the constructor', () => {
    it('is lazy: only the structure is checked', () => {
      const certificate = new ClientCertificate(handMade({ subject: CN_INTEGER }));
      expect(certificate.subject).toBe('CN=#020105');
      expect(certificate.serialNumber).toBe('01');
      expect(() => certificate.native).toThrow(CertificateParseError);
      expect(() => certificate.publicKey).toThrow(CertificateParseError);
      expect(() => certificate.isSelfSigned).toThrow(CertificateParseError);
    });

    it('refuses a non-certificate at once', () => {
      expect(() => new ClientCertificate(Buffer.from([0x04, 0x00]))).toThrow(
        'not an X.509 certificate: not a SEQUENCE',
      );
    });

    it('copies a Uint8Array but keeps a Buffer as given', () => {
      const buffer = der('client-a');
      expect(new ClientCertificate(buffer).der).toBe(buffer);
      const array = new Uint8Array(buffer);
      const certificate = new ClientCertificate(array);
      array.fill(0);
      expect(certificate.der[0]).toBe(0x30);
      expect(Buffer.isBuffer(certificate.der)).toBe(true);
    });

    it('freezes the chain and a copy of the source', () => {
      const source = { type: 'header' as const, format: 'nginx', header: 'x-ssl-cert' };
      const certificate = new ClientCertificate(der('client-a'), {
        chain: [der('intermediate-ca')],
        source,
      });
      expect(Object.isFrozen(certificate.chain)).toBe(true);
      expect(Object.isFrozen(certificate.source)).toBe(true);
      expect(certificate.source).not.toBe(source);
      expect(certificate.source).toEqual(source);
      expect(Object.isFrozen(new ClientCertificate(der('client-a')).chain)).toBe(true);
      expect(new ClientCertificate(der('client-a')).source).toBeUndefined();
    });
  });

  describe('fields, as openssl prints them', () => {
    const clientA = ClientCertificate.from(pem('client-a'));

    it('subject and issuer in RFC 4514 form (openssl -nameopt RFC2253)', () => {
      expect(clientA.subject).toBe('CN=client-a,OU=Payments,O=express-mtls tests,C=US');
      expect(clientA.issuer).toBe('CN=Test Intermediate CA,O=express-mtls tests,C=US');
      expect(ClientCertificate.from(foundation('escapes')).subject).toBe(
        'CN=\\#lead \\"q\\"\\+\\,\\;\\<\\>\\\\ end\\ ,L=\\# hash,OU=\\ leading space=ok,O=nul\\00byte\\01,C=US',
      );
      expect(ClientCertificate.from(foundation('escapes')).issuer).toBe(
        'CN=Ünïcødé ✓,1.2.3.4.5=#0C06637573746F6D,ST=#03020005,L=München,OU=𝄞 clef,O=Zoë € Ltd,C=DE',
      );
    });

    it('subjectRdns and issuerRdns in certificate order', () => {
      expect(clientA.subjectRdns.map((r) => r.map((a) => a.value))).toEqual([
        ['US'],
        ['express-mtls tests'],
        ['Payments'],
        ['client-a'],
      ]);
      expect(clientA.issuerRdns.map((r) => r[0]?.oid)).toEqual(['2.5.4.6', '2.5.4.10', '2.5.4.3']);
      expect(clientA.subjectRdns).toBe(clientA.subjectRdns);
    });

    it('the DER of its parts, at the offsets openssl asn1parse reports', () => {
      const bytes = der('client-a');
      expect(clientA.tbsDer.equals(bytes.subarray(4, 563))).toBe(true);
      expect(clientA.issuerDer.equals(bytes.subarray(47, 122))).toBe(true);
      expect(clientA.subjectDer.equals(bytes.subarray(156, 238))).toBe(true);
      // openssl x509 -in client-a.pem -noout -pubkey | openssl pkey -pubin -outform DER | base64
      expect(clientA.subjectPublicKeyInfo.toString('base64')).toBe(
        'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEUUC+uKFsdo8o3b5xSjA1UCIxnFaX/Xu8LmmIJP6mTacwIrKJjop2APJ4r8Teq3gILqfa3zNJ+zbuU1TYT1dgBw==',
      );
    });

    it('the PEM form, as openssl writes it', () => {
      expect(clientA.pem).toBe(pem('client-a'));
    });

    it.each([
      ['client-a', pem('client-a'), '3CB90C211033875A43892EF86A42B34BD18807F5'],
      [
        'serial-high-bit (DER leading 0x00 dropped)',
        foundation('serial-high-bit'),
        'F0E1D2C3B4A59687',
      ],
      ['serial-negative (-129)', foundation('serial-negative'), '-81'],
      ['serial-zero', foundation('serial-zero'), '00'],
      [
        'serial-20-octets',
        foundation('serial-20-octets'),
        '7FEDCBA9876543210FEDCBA9876543210FEDCBA9',
      ],
      ['self-issued', foundation('self-issued'), '0B'],
    ])('serialNumber of %s (openssl x509 -serial)', (_name, text, serial) => {
      expect(ClientCertificate.from(text).serialNumber).toBe(serial);
    });

    it.each([
      // openssl req -x509 -set_serial N …; openssl x509 -noout -serial
      ['ff00', '-0100'],
      ['ff', '-01'],
      ['80', '-80'],
      ['8000', '-8000'],
      ['ff7fff', '-8001'],
      ['7f', '7F'],
      ['0080', '80'],
    ])('serialNumber of the DER INTEGER %s is %s, as openssl prints it', (content, serial) => {
      const serialTlv = tlv(0x02, Buffer.from(content, 'hex'));
      expect(new ClientCertificate(handMade({ serial: serialTlv })).serialNumber).toBe(serial);
    });

    it.each([
      ['client-a', pem('client-a'), '2026-11-25T21:20:06.000Z', '2126-11-01T21:20:06.000Z'],
      [
        'validity-2049-2050',
        foundation('validity-2049-2050'),
        '2049-12-31T23:59:59.000Z',
        '2050-01-01T00:00:00.000Z',
      ],
      [
        'validity-1950-leap',
        foundation('validity-1950-leap'),
        '1950-01-01T00:00:00.000Z',
        '2024-02-29T23:59:59.000Z',
      ],
      [
        'validity-forever',
        foundation('validity-forever'),
        '2000-02-29T00:00:00.000Z',
        '9999-12-31T23:59:59.000Z',
      ],
    ])(
      'notBefore and notAfter of %s (openssl -dates -dateopt iso_8601)',
      (_name, text, from, to) => {
        const certificate = ClientCertificate.from(text);
        expect(certificate.notBefore.toISOString()).toBe(from);
        expect(certificate.notAfter.toISOString()).toBe(to);
      },
    );

    it('returns a new Date each time, so callers cannot change the certificate', () => {
      const date = clientA.notAfter;
      date.setTime(0);
      expect(clientA.notAfter.toISOString()).toBe('2126-11-01T21:20:06.000Z');
    });

    it('subjectAltNames of client-a (openssl -ext subjectAltName)', () => {
      expect(clientA.subjectAltNames).toEqual({
        dns: ['client-a.example.test'],
        uri: ['spiffe://example.test/client-a'],
        ip: ['127.0.0.1', '2001:db8::a'],
        email: ['client-a@example.test'],
      });
      expect(Object.isFrozen(clientA.subjectAltNames)).toBe(true);
      expect(Object.isFrozen(clientA.subjectAltNames.dns)).toBe(true);
    });

    it('spiffeId: the only URI SAN when it is a SPIFFE ID, else undefined', () => {
      expect(clientA.spiffeId).toBe('spiffe://example.test/client-a');
      const spiffe = (name: string): ClientCertificate =>
        ClientCertificate.from(
          readFileSync(join(__dirname, 'fixtures', 'spiffe', `${name}.pem`), 'utf8'),
        );
      expect(spiffe('svid-api').spiffeId).toBe('spiffe://example.org/ns/prod/sa/api');
      expect(spiffe('ca-example').spiffeId).toBe('spiffe://example.org');
      expect(spiffe('svid-two-uris').spiffeId).toBeUndefined();
      expect(spiffe('svid-no-uri').spiffeId).toBeUndefined();
      expect(spiffe('svid-https').spiffeId).toBeUndefined();
      expect(spiffe('svid-query').spiffeId).toBeUndefined();
      expect(ClientCertificate.from(pem('client-b')).spiffeId).toBeUndefined();
    });

    it('subjectAltNames of san.pem: RFC 5952 text for openssl full-form IPv6, other types ignored', () => {
      // openssl -ext subjectAltName prints IPv6 uncompressed (2001:DB8:0:0:1:0:0:1); RFC 5952 §4
      // (and §5 for 0:0:0:0:0:FFFF:C000:201) gives the text below. otherName, dirName and RID
      // are not read.
      expect(ClientCertificate.from(foundation('san')).subjectAltNames).toEqual({
        dns: ['a.example.test', '*.wild.example.test'],
        uri: ['spiffe://example.test/ns/a', 'https://a.example.test/x?y=1'],
        ip: [
          '192.0.2.1',
          '0.0.0.0',
          '2001:db8::1:0:0:1',
          '2001:0:0:1::1',
          '2001:db8::',
          '::1',
          '::',
          '::ffff:192.0.2.1',
          'fe80::1:2:3:4',
        ],
        email: ['a@example.test'],
      });
    });

    it('empty subjectAltNames without the extension', () => {
      expect(ClientCertificate.from(foundation('v1')).subjectAltNames).toEqual({
        dns: [],
        uri: [],
        ip: [],
        email: [],
      });
    });

    it('extensions by OID, with criticality and value (openssl asn1parse)', () => {
      const extensions = clientA.extensions;
      expect([...extensions.keys()]).toEqual([
        '2.5.29.19',
        '2.5.29.15',
        '2.5.29.37',
        '2.5.29.14',
        '2.5.29.35',
        '2.5.29.17',
      ]);
      expect(extensions.get('2.5.29.19')).toEqual({
        critical: true,
        value: Buffer.from('3000', 'hex'),
      });
      expect(extensions.get('2.5.29.15')).toEqual({
        critical: true,
        value: Buffer.from('03020780', 'hex'),
      });
      expect(extensions.get('2.5.29.37')).toEqual({
        critical: false,
        value: Buffer.from('300A06082B06010505070302', 'hex'),
      });
      expect(clientA.extensions).toBe(extensions);
    });

    it('an explicit critical FALSE and an unknown critical extension (unique-ids.pem)', () => {
      const extensions = ClientCertificate.from(foundation('unique-ids')).extensions;
      expect(extensions.get('2.5.29.19')).toEqual({
        critical: false,
        value: Buffer.from('3000', 'hex'),
      });
      expect(extensions.get('1.3.6.1.4.1.99999.1')).toEqual({
        critical: true,
        value: Buffer.from('0C0568656C6C6F', 'hex'),
      });
    });

    it('no extensions in a version 1 certificate', () => {
      expect(ClientCertificate.from(foundation('v1')).extensions.size).toBe(0);
    });

    it('the public key as a KeyObject', () => {
      expect(clientA.publicKey.asymmetricKeyType).toBe('ec');
      expect(
        clientA.publicKey
          .export({ type: 'spki', format: 'der' })
          .equals(clientA.subjectPublicKeyInfo),
      ).toBe(true);
      const rsa = ClientCertificate.from(pem('self-signed')).publicKey;
      expect(rsa.asymmetricKeyType).toBe('rsa');
      // openssl x509 -in self-signed.pem -noout -pubkey | openssl pkey -pubin -outform DER
      //   | openssl dgst -sha256 -binary | base64
      expect(
        createHash('sha256')
          .update(rsa.export({ type: 'spki', format: 'der' }))
          .digest('base64'),
      ).toBe('Elimyj0jgTFTqa7qFtUhMUL92PJtDiV/2rYvFrZScc0=');
    });

    it('the node:crypto and @peculiar/x509 views, each parsed once', () => {
      expect(clientA.native).toBeInstanceOf(X509Certificate);
      expect(clientA.native).toBe(clientA.native);
      expect(clientA.x509.serialNumber.toUpperCase()).toBe(
        '3CB90C211033875A43892EF86A42B34BD18807F5',
      );
      expect(clientA.x509).toBe(clientA.x509);
    });
  });

  describe('isSelfSigned (RFC 5280 §3.2)', () => {
    it.each([
      ['the root CA', pem('root-ca'), true],
      ['the RSA self-signed client', pem('self-signed'), true],
      ['a version 1 self-signed certificate', foundation('v1'), true],
      ['a leaf signed by a CA', pem('client-a'), false],
      ['an intermediate', pem('intermediate-ca'), false],
      ['a self-issued certificate signed by another key', foundation('self-issued'), false],
      [
        'a certificate signed by its own key under another issuer name',
        foundation('escapes'),
        false,
      ],
    ])('%s: %s', (_name, text, expected) => {
      expect(ClientCertificate.from(text).isSelfSigned).toBe(expected);
    });

    it('checks names first: a self-issued certificate has equal names but no self-signature', () => {
      const selfIssued = ClientCertificate.from(foundation('self-issued'));
      expect(selfIssued.subjectDer.equals(selfIssued.issuerDer)).toBe(true);
      expect(selfIssued.isSelfSigned).toBe(false);
      expect(selfIssued.isSelfSigned).toBe(false);
    });

    it.each([
      ['an RSA-16384 key with a 64-bit exponent', rsaPublicKeyInfo(16384, 64), 2048],
      ['an RSA-3072 key with a 34-bit exponent', rsaPublicKeyInfo(3072, 34), 384],
    ])(
      'a self-named certificate over %s (too costly to verify with): not self-signed, no verification',
      (_name, spki, signatureBytes) => {
        const certificate = ClientCertificate.from(
          selfNamedWithJunkSignature('costly', spki, signatureBytes),
        );
        const verify = jest.spyOn(X509Certificate.prototype, 'verify');
        try {
          expect(certificate.subjectDer.equals(certificate.issuerDer)).toBe(true);
          expect(certificate.isSelfSigned).toBe(false);
          expect(certificate.isSelfSigned).toBe(false);
          expect(verify).not.toHaveBeenCalled();
        } finally {
          verify.mockRestore();
        }
      },
    );

    it('a self-named certificate over a cheap key with a junk signature: verified once per instance', () => {
      const spki = new X509Certificate(pem('self-signed')).publicKey.export({
        type: 'spki',
        format: 'der',
      });
      const certificate = ClientCertificate.from(selfNamedWithJunkSignature('junk', spki, 256));
      const verify = jest.spyOn(X509Certificate.prototype, 'verify');
      try {
        expect(certificate.isSelfSigned).toBe(false);
        expect(certificate.isSelfSigned).toBe(false);
        expect(verify).toHaveBeenCalledTimes(1);
      } finally {
        verify.mockRestore();
      }
    });
  });

  describe('malformed parts surface as CertificateParseError when read', () => {
    it.each([
      [
        'a subject RDN that is not a SET',
        { subject: tlv(0x30, tlv(0x30)) },
        'subject',
        'malformed RDN',
      ],
      [
        'a notBefore on February 30',
        {
          validity: tlv(0x30, tlv(0x17, ascii('250230000000Z')), tlv(0x17, ascii('350101000000Z'))),
        },
        'notBefore',
        'time out of range',
      ],
      [
        'a validity with one time',
        { validity: tlv(0x30, tlv(0x17, ascii('250101000000Z'))) },
        'notAfter',
        'malformed validity',
      ],
      [
        'a duplicated extension',
        { extensions: [extension(OID_BC, octets()), extension(OID_BC, octets())] },
        'extensions',
        'extension 2.5.29.19 appears twice',
      ],
      [
        'an extension without a value',
        { extensions: [extension(OID_BC)] },
        'extensions',
        'malformed extension',
      ],
      [
        'an extension id that is not an OID',
        { extensions: [extension(tlv(0x04, [1]), octets())] },
        'extensions',
        'malformed extension',
      ],
      [
        'an extension value that is not an OCTET STRING',
        { extensions: [extension(OID_BC, tlv(0x30))] },
        'extensions',
        'malformed extension',
      ],
      [
        'an extension with an extra element',
        { extensions: [extension(OID_BC, [0x01, 0x01, 0xff], octets(), octets())] },
        'extensions',
        'malformed extension',
      ],
      [
        'a critical flag of two octets',
        { extensions: [extension(OID_BC, [0x01, 0x02, 0xff, 0xff], octets())] },
        'extensions',
        'malformed extension',
      ],
      [
        'an empty critical flag',
        { extensions: [extension(OID_BC, [0x01, 0x00], octets())] },
        'extensions',
        'malformed extension',
      ],
      [
        'a SAN that is a SET',
        { extensions: [extension(OID_SAN, octets(tlv(0x31)))] },
        'subjectAltNames',
        'malformed SAN',
      ],
      [
        'a SAN with trailing bytes',
        { extensions: [extension(OID_SAN, octets(tlv(0x30), Buffer.from([0])))] },
        'subjectAltNames',
        'malformed SAN',
      ],
      [
        'an iPAddress SAN of 5 octets',
        { extensions: [extension(OID_SAN, octets(tlv(0x30, tlv(0x87, [1, 2, 3, 4, 5]))))] },
        'subjectAltNames',
        'malformed iPAddress SAN',
      ],
      [
        'an iPAddress SAN with a netmask (name-constraints form)',
        { extensions: [extension(OID_SAN, octets(tlv(0x30, tlv(0x87, Buffer.alloc(8)))))] },
        'subjectAltNames',
        'malformed iPAddress SAN',
      ],
      [
        'a malformed extension list read through subjectAltNames',
        { extensions: [extension(OID_BC)] },
        'subjectAltNames',
        'malformed extension',
      ],
    ])('%s', (_name, parts, field, reason) => {
      const certificate = new ClientCertificate(handMade(parts));
      const error = thrown(() => Reflect.get(certificate, field));
      expect((error as Error).message).toBe(`malformed certificate: ${reason}`);
      expect(error).toBeInstanceOf(CertificateParseError);
    });

    it('reads a SAN of every type from hand-made DER', () => {
      const san = tlv(
        0x30,
        tlv(0x81, ascii('e@x.test')),
        tlv(0x82, ascii('x.test')),
        tlv(0x86, ascii('urn:x')),
        tlv(0x87, [10, 0, 0, 1]),
        tlv(0xa0, tlv(0x06, [0x2a])),
        tlv(0x88, [0x2a]),
      );
      const certificate = new ClientCertificate(
        handMade({ extensions: [extension(OID_SAN, octets(san))] }),
      );
      expect(certificate.subjectAltNames).toEqual({
        dns: ['x.test'],
        uri: ['urn:x'],
        ip: ['10.0.0.1'],
        email: ['e@x.test'],
      });
    });

    it('fails on @peculiar/x509 for bytes it cannot parse', () => {
      const version = tlv(0xa0, tlv(0x04, [2]));
      const error = thrown(() => new ClientCertificate(handMade({ version })).x509);
      expect(error).toBeInstanceOf(CertificateParseError);
      expect((error as Error).message).toMatch(/^malformed certificate: /);
    });
  });

  describe('toJSON and inspect never show the certificate', () => {
    it('summarises with thumbprint, names, serial, validity and chain length', () => {
      const certificate = ClientCertificate.from(pem('client-a-fullchain'));
      expect(certificate.toJSON()).toEqual({
        thumbprint: 'g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw',
        subject: 'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
        issuer: 'CN=Test Intermediate CA,O=express-mtls tests,C=US',
        serialNumber: '3CB90C211033875A43892EF86A42B34BD18807F5',
        notBefore: '2026-11-25T21:20:06.000Z',
        notAfter: '2126-11-01T21:20:06.000Z',
        chainLength: 1,
      });
    });

    it('contains neither the DER, its base64, nor the public key', () => {
      const certificate = ClientCertificate.from(pem('client-a-fullchain'));
      const body = certificate.der.toString('base64');
      for (const text of [
        JSON.stringify(certificate),
        inspect(certificate),
        inspect({ certificate }, { depth: 5 }),
        inspect(certificate, { showHidden: true }),
      ]) {
        expect(text).not.toContain(body.slice(100, 140));
        expect(text).not.toContain(certificate.der.toString('hex').slice(200, 240));
        expect(text).not.toContain('BEGIN CERTIFICATE');
        expect(text).not.toContain(
          certificate.subjectPublicKeyInfo.toString('base64').slice(40, 80),
        );
      }
      expect(inspect(certificate)).toMatch(/^ClientCertificate \{\n? *thumbprint: 'g8UfVQahWz5/);
    });

    it('summarises a certificate whose parts are malformed without throwing', () => {
      const certificate = new ClientCertificate(
        handMade({ subject: tlv(0x30, tlv(0x30)), validity: tlv(0x30) }),
      );
      expect(certificate.toJSON()).toEqual({
        thumbprint: certificate.thumbprint,
        subject: undefined,
        issuer: 'CN=#020105',
        serialNumber: '01',
        notBefore: undefined,
        notAfter: undefined,
        chainLength: 0,
      });
    });
  });
});

describe('thumbprint()', () => {
  it('accepts PEM (first block), DER, X509Certificate and ClientCertificate', () => {
    expect(thumbprint(pem('client-a-fullchain'))).toBe(X5T_S256['client-a']);
    expect(thumbprint(der('server'))).toBe(X5T_S256.server);
    expect(thumbprint(new Uint8Array(der('server')))).toBe(X5T_S256.server);
    expect(thumbprint(new X509Certificate(pem('intermediate-ca')))).toBe(
      X5T_S256['intermediate-ca'],
    );
    expect(thumbprint(ClientCertificate.from(pem('client-b')))).toBe(X5T_S256['client-b']);
  });

  it('is not the SHA-1 hex fingerprint', () => {
    expect(thumbprint(pem('client-a'))).not.toBe('b93f4add69b1a11b6ab2340357343a162d4ff220');
  });

  it('refuses what is not a certificate', () => {
    expect(() => thumbprint('nope')).toThrow(CertificateParseError);
    expect(() => thumbprint(Buffer.from([1, 2, 3]))).toThrow(CertificateParseError);
  });
});

describe('PEM given as bytes (readFileSync(path) without an encoding)', () => {
  const bundle = Buffer.from(`${pem('client-a')}${pem('intermediate-ca')}`, 'utf8');

  it('ClientCertificate.from() reads PEM bytes like PEM text: leaf, then chain', () => {
    const certificate = ClientCertificate.from(bundle);
    expect(certificate.thumbprint).toBe(X5T_S256['client-a']);
    expect(certificate.chain.map((c) => c.thumbprint)).toEqual([X5T_S256['intermediate-ca']]);
  });

  it('accepts PEM bytes with a byte-order mark and text around the block, as a Uint8Array too', () => {
    const text = `\uFEFFsubject=CN=client-a\n${pem('client-a')}`;
    expect(ClientCertificate.from(Buffer.from(text, 'utf8')).thumbprint).toBe(X5T_S256['client-a']);
    expect(ClientCertificate.from(new Uint8Array(Buffer.from(text))).thumbprint).toBe(
      X5T_S256['client-a'],
    );
  });

  it('thumbprint(), the chain option and DER bytes keep working', () => {
    expect(thumbprint(bundle)).toBe(X5T_S256['client-a']);
    const withChain = ClientCertificate.from(der('client-a'), { chain: [bundle] });
    expect(withChain.chain.map((c) => c.thumbprint)).toEqual([
      X5T_S256['client-a'],
      X5T_S256['intermediate-ca'],
    ]);
    expect(ClientCertificate.from(der('client-a')).thumbprint).toBe(X5T_S256['client-a']);
  });

  it('PEM bytes without a CERTIFICATE block, or with a broken one: CertificateParseError', () => {
    const key = Buffer.from('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    expect(() => ClientCertificate.from(key)).toThrow(
      new CertificateParseError('no PEM CERTIFICATE block found'),
    );
    const broken = Buffer.from('-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n');
    expect(() => thumbprint(broken)).toThrow(CertificateParseError);
  });
});

describe('confirmationClaim() (RFC 8705 §3.1, RFC 7800 §3.1)', () => {
  it('returns the cnf claim with the x5t#S256 member', () => {
    expect(confirmationClaim(pem('client-a'))).toEqual({ 'x5t#S256': X5T_S256['client-a'] });
    expect(confirmationClaim(ClientCertificate.from(pem('self-signed')))).toEqual({
      'x5t#S256': 'yENRGKvLK20U0GjeK4z5rHCaj2HZxmhhJ0__-84WeJA',
    });
  });

  it('serialises as RFC 8705 §3.1 shows it', () => {
    expect(JSON.stringify({ cnf: confirmationClaim(pem('client-a')) })).toBe(
      '{"cnf":{"x5t#S256":"g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw"}}',
    );
  });
});
