import {
  distinguishedNameMatches,
  DistinguishedNameSyntaxError,
  parseDistinguishedName,
} from '../../lib/auth/distinguished-name-match';
import { ClientCertificate } from '../../lib';
import * as stringPreparation from '../../lib/internal/string-preparation';
import type { NameAttribute } from '../../lib';
import { decodeName, formatName } from '../../lib/distinguished-name';
import { pem } from '../helpers/fixtures';
import { tlv } from '../helpers/tlv';
import { clientAuthPem, OPENSSL_SUBJECTS, type ClientAuthName } from './client-auth-fixtures';

const CN = '2.5.4.3';
const OU = '2.5.4.11';
const DC = '0.9.2342.19200300.100.1.25';
const UID = '0.9.2342.19200300.100.1.1';

/** A certificate-side attribute: DER tag + one-byte length + content. */
function attr(oid: string, tag: number, content: Buffer, value: string | undefined): NameAttribute {
  return { oid, tag, value, der: Buffer.concat([Buffer.from([tag, content.length]), content]) };
}
const utf8 = (oid: string, text: string): NameAttribute =>
  attr(oid, 0x0c, Buffer.from(text, 'utf8'), text);
const printable = (oid: string, text: string): NameAttribute =>
  attr(oid, 0x13, Buffer.from(text, 'latin1'), text);

function subjectOf(name: ClientAuthName): ClientCertificate {
  return ClientCertificate.from(clientAuthPem(name));
}

function matches(dn: string, name: ClientAuthName): boolean {
  return distinguishedNameMatches(parseDistinguishedName(dn), subjectOf(name).subjectRdns);
}

describe('parseDistinguishedName (RFC 4514 §3)', () => {
  it('parses the RFC 4514 §4 examples into RDNs in certificate order', () => {
    expect(parseDistinguishedName('UID=jsmith,DC=example,DC=net')).toEqual([
      [{ oid: DC, prepared: ' net ', der: undefined }],
      [{ oid: DC, prepared: ' example ', der: undefined }],
      [{ oid: UID, prepared: ' jsmith ', der: undefined }],
    ]);
    expect(parseDistinguishedName('OU=Sales+CN=J.  Smith,DC=example,DC=net')[2]).toEqual([
      { oid: OU, prepared: ' sales ', der: undefined },
      { oid: CN, prepared: ' j.  smith ', der: undefined },
    ]);
    expect(parseDistinguishedName('CN=James \\"Jim\\" Smith\\, III,DC=example,DC=net')[2]).toEqual([
      { oid: CN, prepared: ' james  "jim"  smith,  iii ', der: undefined },
    ]);
    expect(parseDistinguishedName('CN=Before\\0dAfter,DC=example,DC=net')[2]).toEqual([
      { oid: CN, prepared: ' before  after ', der: undefined },
    ]);
    expect(parseDistinguishedName('1.3.6.1.4.1.1466.0=#04024869,DC=example,DC=com')[2]).toEqual([
      { oid: '1.3.6.1.4.1.1466.0', prepared: undefined, der: Buffer.from('04024869', 'hex') },
    ]);
    expect(parseDistinguishedName('CN=Lu\\C4\\8Di\\C4\\87')).toEqual([
      [{ oid: CN, prepared: ' lučić ', der: undefined }],
    ]);
  });

  it('reads keywords in any case, long names and dotted OIDs as the same type', () => {
    const oids = ['cn=a', 'CommonName=a', '2.5.4.3=a', 'E=a', 'emailAddress=a', 'userid=a'].map(
      (dn) => parseDistinguishedName(dn)[0]?.[0]?.oid,
    );
    expect(oids).toEqual([CN, CN, CN, '1.2.840.113549.1.9.1', '1.2.840.113549.1.9.1', UID]);
  });

  it('decodes every RFC 4514 escape', () => {
    const value = parseDistinguishedName('CN=\\,\\+\\"\\\\\\<\\>\\;\\#\\=\\ x')[0]?.[0];
    expect(value?.prepared).toBe(' ,+"\\<>;#=  x ');
  });

  it('decodes a #hex string value and keeps its BER bytes', () => {
    expect(parseDistinguishedName('CN=#0C0548656C6C6F')).toEqual([
      [{ oid: CN, prepared: ' hello ', der: Buffer.from('0C0548656C6C6F', 'hex') }],
    ]);
  });

  it('tolerates spaces around separators', () => {
    expect(parseDistinguishedName(' CN = a , O = b + OU = c ')).toEqual(
      parseDistinguishedName('CN=a,O=b+OU=c'),
    );
  });

  it('parses the empty string as the empty name', () => {
    expect(parseDistinguishedName('')).toEqual([]);
    expect(parseDistinguishedName('  ')).toEqual([]);
  });

  it('accepts an empty value', () => {
    expect(parseDistinguishedName('CN=')).toEqual([[{ oid: CN, prepared: '  ', der: undefined }]]);
  });

  it.each([
    ['CN', 2, 'expected "=" after the attribute type'],
    ['=x', 0, 'expected an attribute type'],
    ['CN=a,', 5, 'expected an attribute type'],
    [',CN=a', 0, 'expected an attribute type'],
    ['CN=a+', 5, 'expected an attribute type'],
    ['CN=a;O=b', 4, '";" separates RDNs only in the obsolete RFC 1779 form'],
    ['FOO=bar', 0, 'unknown attribute type "FOO"; write it as a dotted OID'],
    ['2.05.4.3=x', 3, 'expected "=" after the attribute type'],
    ['CN=a\\q', 4, 'a "\\" must be followed by one of'],
    ['CN=a\\', 4, 'a "\\" must be followed by one of'],
    ['CN=a\\4', 4, 'a "\\" must be followed by one of'],
    ['CN=\\C3', 6, 'the "\\XX" escapes do not form valid UTF-8'],
    ['CN=\\C3(', 6, 'the "\\XX" escapes do not form valid UTF-8'],
    ['CN=\\FF', 6, 'the "\\XX" escapes do not form valid UTF-8'],
    ['CN=a"b', 4, '""" must be escaped as "\\""'],
    ['CN=a<b', 4, '"<" must be escaped as "\\<"'],
    ['CN=a>b', 4, '">" must be escaped as "\\>"'],
    ['CN=a\u0000b', 4, 'NUL must be escaped as "\\00"'],
    ['CN=#', 3, '"#" must be followed by the hexadecimal BER encoding'],
    ['CN=#zz', 3, '"#" must be followed by the hexadecimal BER encoding'],
    ['CN=#0C0', 6, 'a "#" value must be hexadecimal pairs only'],
    ['CN=#0C01 x', 9, 'a "#" value must be hexadecimal pairs only'],
    ['CN=#0C05616263', 3, 'the "#" value is not one BER element: element overruns its container'],
    ['CN=#0C0161FF', 3, 'the "#" value has bytes after its BER element'],
  ])('rejects %j at offset %i: %s', (text, position, message) => {
    let error: unknown;
    try {
      parseDistinguishedName(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DistinguishedNameSyntaxError);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ code: 'ERR_MTLS_DN_SYNTAX', position });
    expect((error as Error).message).toContain(
      `invalid distinguished name at offset ${position}: ${message}`,
    );
  });
});

describe('distinguishedNameMatches (RFC 4517 §4.2.15) on hand-built names', () => {
  const name = [
    [utf8(DC, 'net')],
    [utf8(DC, 'example')],
    [utf8(OU, 'Sales'), utf8(CN, 'J. Smith')],
  ];

  it('matches RDNs in order and multi-valued RDNs in any order', () => {
    expect(
      distinguishedNameMatches(
        parseDistinguishedName('CN=J. Smith+OU=Sales,DC=example,DC=net'),
        name,
      ),
    ).toBe(true);
    expect(
      distinguishedNameMatches(
        parseDistinguishedName('OU=sales+CN=j. smith,DC=EXAMPLE,DC=net'),
        name,
      ),
    ).toBe(true);
  });

  it('does not match another RDN order, or a missing or extra RDN or attribute', () => {
    for (const dn of [
      'DC=net,DC=example,CN=J. Smith+OU=Sales',
      'CN=J. Smith+OU=Sales,DC=example',
      'CN=J. Smith+OU=Sales,DC=example,DC=net,DC=x',
      'CN=J. Smith,DC=example,DC=net',
      'CN=J. Smith+OU=Sales+UID=x,DC=example,DC=net',
      'CN=J. Smith+CN=J. Smith,DC=example,DC=net',
      'CN=J. Smithe+OU=Sales,DC=example,DC=net',
      'CN=J. Smith,OU=Sales,DC=example,DC=net',
    ]) {
      expect([dn, distinguishedNameMatches(parseDistinguishedName(dn), name)]).toEqual([dn, false]);
    }
  });

  it('treats PrintableString and UTF8String of the same text as equal', () => {
    expect(
      distinguishedNameMatches(parseDistinguishedName('CN=abc'), [[printable(CN, 'ABC')]]),
    ).toBe(true);
    expect(distinguishedNameMatches(parseDistinguishedName('CN=#130141'), [[utf8(CN, 'a')]])).toBe(
      true,
    );
  });

  it('matches a value that is not a string only by its exact BER bytes', () => {
    const octets = attr('1.3.6.1.4.1.1466.0', 0x04, Buffer.from('Hi'), undefined);
    const expected = parseDistinguishedName('1.3.6.1.4.1.1466.0=#04024869');
    expect(distinguishedNameMatches(expected, [[octets]])).toBe(true);
    expect(
      distinguishedNameMatches(parseDistinguishedName('1.3.6.1.4.1.1466.0=#0402486A'), [[octets]]),
    ).toBe(false);
    expect(
      distinguishedNameMatches(parseDistinguishedName('1.3.6.1.4.1.1466.0=Hi'), [[octets]]),
    ).toBe(false);
    expect(distinguishedNameMatches(expected, [[utf8('1.3.6.1.4.1.1466.0', 'Hi')]])).toBe(false);
  });

  it('never matches undecodable bytes by text, only by identical bytes', () => {
    const broken = attr(CN, 0x0c, Buffer.from([0xff]), '\uFFFD');
    expect(distinguishedNameMatches(parseDistinguishedName('CN=\\EF\\BF\\BD'), [[broken]])).toBe(
      false,
    );
    expect(distinguishedNameMatches(parseDistinguishedName('CN=#0C01FE'), [[broken]])).toBe(false);
    expect(distinguishedNameMatches(parseDistinguishedName('CN=#0C01FF'), [[broken]])).toBe(true);
  });

  it('pairs the attributes of a multi-valued RDN one to one: an attribute used by one match is not reused', () => {
    const rdn = [utf8(CN, 'a'), utf8(CN, 'b')];
    expect(distinguishedNameMatches(parseDistinguishedName('CN=b+CN=A'), [rdn])).toBe(true);
    // both expected attributes equal the certificate's "a" (by BER, then by text): only one may take it
    expect(distinguishedNameMatches(parseDistinguishedName('CN=#0C0161+CN=a'), [rdn])).toBe(false);
    expect(distinguishedNameMatches(parseDistinguishedName('CN=a+CN=a'), [rdn])).toBe(false);
    const twice = [utf8(CN, 'a'), utf8(CN, 'a')];
    expect(distinguishedNameMatches(parseDistinguishedName('CN=a+CN=A'), [twice])).toBe(true);
    expect(distinguishedNameMatches(parseDistinguishedName('CN=a+CN=b'), [twice])).toBe(false);
    expect(
      distinguishedNameMatches(parseDistinguishedName('CN=#0C0161+CN=b'), [
        [utf8(CN, 'b'), rdn[0]!],
      ]),
    ).toBe(true);
  });

  it('compares attribute types by OID', () => {
    expect(distinguishedNameMatches(parseDistinguishedName('OU=a'), [[utf8(CN, 'a')]])).toBe(false);
    expect(distinguishedNameMatches(parseDistinguishedName('2.5.4.11=a'), [[utf8(OU, 'a')]])).toBe(
      true,
    );
  });

  it('matches the empty name only to an empty subject', () => {
    expect(distinguishedNameMatches([], [])).toBe(true);
    expect(distinguishedNameMatches([], name)).toBe(false);
  });

  it.each([
    ['CN=admin', 'admın'],
    ['CN=ADMIN', 'admın'],
    ['CN=admin', 'admİn'],
    ['CN=admin', '\u0430dmin'],
    ['CN=admin', 'ad min'],
  ])('RFC 4518: %j does not match a certificate CN %j', (dn, cn) => {
    expect(distinguishedNameMatches(parseDistinguishedName(dn), [[utf8(CN, cn)]])).toBe(false);
  });

  it.each([
    ['CN=admin', 'ＡＤＭＩＮ'],
    ['CN=admin', 'ad\u00admin'],
    ['CN=admin', 'ad\u200dmin'],
    ['CN=strasse', 'Straße'],
    ['CN=a b', 'A\u00a0\u00a0B'],
    ['CN=adm\\C4\\B1n', 'ADMın'],
  ])('RFC 4518: %j matches a certificate CN %j', (dn, cn) => {
    expect(distinguishedNameMatches(parseDistinguishedName(dn), [[utf8(CN, cn)]])).toBe(true);
  });

  it('never matches a value with a prohibited code point by text, on either side', () => {
    const privateUse = utf8(CN, 'a\uE000');
    expect(parseDistinguishedName('CN=a\uE000')[0]?.[0]?.prepared).toBeUndefined();
    expect(distinguishedNameMatches(parseDistinguishedName('CN=a\uE000'), [[privateUse]])).toBe(
      false,
    );
    expect(distinguishedNameMatches(parseDistinguishedName('CN=a'), [[privateUse]])).toBe(false);
    expect(
      distinguishedNameMatches(parseDistinguishedName('CN=#0C0461EE8080'), [[privateUse]]),
    ).toBe(true);
  });

  it('prepares each certificate value once, however many registered attributes it meets', () => {
    const rdn = Array.from({ length: 50 }, (_, i) => utf8(CN, `V${i}`));
    const dn = parseDistinguishedName(
      Array.from({ length: 50 }, (_, i) => `CN=v${49 - i}`).join('+'),
    );
    const spy = jest.spyOn(stringPreparation, 'prepareCaseIgnoreString');
    try {
      expect(distinguishedNameMatches(dn, [rdn])).toBe(true);
      expect(spy).toHaveBeenCalledTimes(50);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('distinguishedNameMatches on certificates made by openssl', () => {
  it('matches the RFC 2253 strings openssl prints for each certificate', () => {
    for (const fixture of [
      'dn-multivalued',
      'dn-special',
      'dn-utf8',
      'dn-printable',
      'dn-utf8string',
      'dn-oid',
      'san-client',
      'forged-client-a',
    ] as const) {
      expect([fixture, matches(OPENSSL_SUBJECTS[fixture], fixture)]).toEqual([fixture, true]);
    }
    expect(matches(OPENSSL_SUBJECTS['dn-utf8:utf8'], 'dn-utf8')).toBe(true);
  });

  it('matches the shared client-a certificate', () => {
    const certificate = ClientCertificate.from(pem('client-a'));
    const dn = parseDistinguishedName('CN=client-a,OU=Payments,O=express-mtls tests,C=US');
    expect(distinguishedNameMatches(dn, certificate.subjectRdns)).toBe(true);
  });

  it('multi-valued RDN: attributes in either order, case and spacing variants', () => {
    for (const dn of [
      'CN=Jane Doe,OU=Engineering+UID=jdoe,O=Example\\, Inc.,DC=Example,DC=com',
      'cn=jane doe, uid=JDOE + ou=engineering, o=example\\2c inc., dc=example, dc=COM',
      'CN=  Jane   Doe ,UID=jdoe+OU=Engineering,O=Example\\, Inc.,DC=Example,DC=com',
      '2.5.4.3=Jane Doe,0.9.2342.19200300.100.1.1=jdoe+2.5.4.11=Engineering,O=Example\\, Inc.,DC=Example,DC=com',
    ]) {
      expect([dn, matches(dn, 'dn-multivalued')]).toEqual([dn, true]);
    }
  });

  it('multi-valued RDN: not split, not reordered, not partial', () => {
    for (const dn of [
      'CN=Jane Doe,UID=jdoe,OU=Engineering,O=Example\\, Inc.,DC=Example,DC=com',
      'CN=Jane Doe,OU=Engineering,O=Example\\, Inc.,DC=Example,DC=com',
      'O=Example\\, Inc.,CN=Jane Doe,UID=jdoe+OU=Engineering,DC=Example,DC=com',
      'CN=Jane Doe,UID=jdoe+OU=Engineering,O=Example\\, Inc.,DC=Example',
      'CN=Jane Doe,UID=jdoe+OU=Engineering,O=Example Inc.,DC=Example,DC=com',
      'CN=Jane Doe,UID=jdoe+OU=Engineering,O=Example\\, Inc.,DC=com,DC=Example',
    ]) {
      expect([dn, matches(dn, 'dn-multivalued')]).toEqual([dn, false]);
    }
  });

  it('special characters: escaped or as hex pairs; the trailing space is insignificant', () => {
    expect(
      matches(
        'CN=\\231 a\\2cb\\2bc\\3bd\\3ce\\3ef\\5cg \\3dh\\20,O=R&D \\22Labs\\22',
        'dn-special',
      ),
    ).toBe(true);
    expect(matches('CN=\\#1 a\\,b\\+c\\;d\\<e\\>f\\\\g =h,O=R&D \\"Labs\\"', 'dn-special')).toBe(
      true,
    );
    expect(matches('CN=1 a\\,b\\+c\\;d\\<e\\>f\\\\g =h,O=R&D \\"Labs\\"', 'dn-special')).toBe(
      false,
    );
    expect(matches('CN=\\#1 a\\,b\\+c\\;d\\<e\\>fg =h,O=R&D \\"Labs\\"', 'dn-special')).toBe(false);
  });

  it('UTF-8: raw, as \\XX pairs, decomposed (NFKC) or in another case all match', () => {
    expect(matches('CN=Ju\u0308rgen Weiß,O=Mu\u0308ller & So\u0308hne GmbH,C=DE', 'dn-utf8')).toBe(
      true,
    );
    expect(matches('CN=JÜRGEN WEISS,O=MÜLLER & SÖHNE GMBH,C=de', 'dn-utf8')).toBe(true);
    expect(matches('CN=Jurgen Weiss,O=Muller & Sohne GmbH,C=DE', 'dn-utf8')).toBe(false);
  });

  it('PrintableString and UTF8String certificates both match one string', () => {
    expect(subjectOf('dn-printable').thumbprint).not.toBe(subjectOf('dn-utf8string').thumbprint);
    expect(matches('cn=same name,o=EXAMPLE CORP,c=us', 'dn-printable')).toBe(true);
    expect(matches('cn=same name,o=EXAMPLE CORP,c=us', 'dn-utf8string')).toBe(true);
  });

  it('dotted OIDs, #hex values, IA5String and insignificant spaces', () => {
    expect(
      matches('CN=Jane Q. Public,E=ops@example.com,1.3.6.1.4.1.55555.1=Custom Value', 'dn-oid'),
    ).toBe(true);
    expect(
      matches(
        'CN=Jane Q. Public,E=ops@example.com,1.3.6.1.4.1.55555.1=#130C637573746F6D2076616C7565',
        'dn-oid',
      ),
    ).toBe(true);
    expect(
      matches('CN=JaneQ. Public,E=ops@example.com,1.3.6.1.4.1.55555.1=custom value', 'dn-oid'),
    ).toBe(false);
    expect(
      matches('CN=Jane Q. Public,E=ops@example.com,1.3.6.1.4.1.55555.2=custom value', 'dn-oid'),
    ).toBe(false);
  });
});

describe('lookalike certificate values against a registered CN=admin (decoded from DER)', () => {
  const registered = parseDistinguishedName('CN=admin');
  const CN_OID = [0x06, 0x03, 0x55, 0x04, 0x03];
  const commonName = (tag: number, value: Buffer): Buffer =>
    tlv(0x30, tlv(0x31, tlv(0x30, CN_OID, tlv(tag, value))));

  it.each<[string, number, Buffer]>([
    ['UTF8String with a soft hyphen (§2.2)', 0x0c, Buffer.from('ad\u00admin')],
    ['UTF8String with a zero-width space (§2.2)', 0x0c, Buffer.from('adm\u200bin')],
    ['UTF8String with a byte-order mark (§2.2)', 0x0c, Buffer.from('\ufeffadmin')],
    ['UTF8String in fullwidth forms (§2.3 NFKC)', 0x0c, Buffer.from('ＡＤＭＩＮ')],
    ['UTF8String with a TAB mapped to SPACE (§2.2), trailing', 0x0c, Buffer.from('admin\t')],
  ])('%s matches: an intended RFC 4518 equivalence', (_what, tag, value) => {
    const rdns = decodeName(commonName(tag, value));
    expect(rdns[0]?.[0]?.value).not.toBe('admin');
    expect(distinguishedNameMatches(registered, rdns)).toBe(true);
  });

  it.each<[string, number, Buffer, string]>([
    ['PrintableString with a NUL', 0x13, Buffer.from('ad\0min', 'latin1'), 'CN=#13066164006D696E'],
    ['PrintableString with DEL', 0x13, Buffer.from('admin\x7f', 'latin1'), 'CN=#130661646D696E7F'],
    ['NumericString with a letter', 0x12, Buffer.from('1a'), 'CN=#12023161'],
    ['IA5String with C1 U+0081', 0x16, Buffer.from('admi\x81n', 'latin1'), 'CN=#160661646D69816E'],
    ['VisibleString with a NUL', 0x1a, Buffer.from('admin\0', 'latin1'), 'CN=#1A0661646D696E00'],
  ])('%s is not text: never matches, written as #hex', (_what, tag, value, written) => {
    const rdns = decodeName(commonName(tag, value));
    expect(rdns[0]?.[0]?.value).toBeUndefined();
    expect(formatName(rdns)).toBe(written);
    expect(distinguishedNameMatches(registered, rdns)).toBe(false);
  });

  it.each<[string, number, Buffer]>([
    ['IA5String with DEL and C1 U+0081', 0x16, Buffer.from('ad\x7fmi\x81n', 'latin1')],
    ['IA5String with a NUL', 0x16, Buffer.from('ad\0min', 'latin1')],
    ['TeletexString with a trailing NUL', 0x14, Buffer.from('admin\0', 'latin1')],
    ['TeletexString with C1 U+0090', 0x14, Buffer.from('ad\x90min', 'latin1')],
    ['UTF8String with a BEL', 0x0c, Buffer.from('adm\u0007in')],
    ['UTF8String with ESC', 0x0c, Buffer.from('\u001badmin')],
    ['BMPString with a NUL', 0x1e, Buffer.from('\0a\0d\0\0\0m\0i\0n', 'latin1')],
  ])('%s never matches (a control is refused, stricter than RFC 4518 §2.2)', (_w, tag, value) => {
    const rdns = decodeName(commonName(tag, value));
    expect(distinguishedNameMatches(registered, rdns)).toBe(false);
  });

  it('refuses a registered value holding a control, written escaped', () => {
    const rdns = decodeName(commonName(0x0c, Buffer.from('ad\0min', 'latin1')));
    expect(distinguishedNameMatches(parseDistinguishedName('CN=ad\\00min'), rdns)).toBe(false);
  });

  it('still matches such a value by its exact BER bytes (#hex)', () => {
    const rdns = decodeName(commonName(0x13, Buffer.from('ad\0min', 'latin1')));
    expect(distinguishedNameMatches(parseDistinguishedName('CN=#130661640D6D696E'), rdns)).toBe(
      false,
    );
    expect(distinguishedNameMatches(parseDistinguishedName('CN=#13066164006D696E'), rdns)).toBe(
      true,
    );
  });
});
