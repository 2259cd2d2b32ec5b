/**
 * RFC 5280 §4.2.1.10 and §6.1.3(b)(c) name constraints, unit by unit: certificates are assembled
 * here (test-side DER encoder, independent of lib/; signatures are not checked at this layer) so
 * that every name form, every malformed constraint and every hostile name can be shaped at will.
 * The openssl differential test judges the same rules on real chains.
 */
import { X509Certificate } from 'node:crypto';
import { ClientCertificate } from '../../../lib/certificate';
import { certificateInfo, type CertificateInfo } from '../../../lib/x509/certificate-info';
import {
  checkNameConstraints,
  decodeNameConstraints,
  MAX_NAME_CONSTRAINT_CHECKS,
} from '../../../lib/auth/chain/name-constraints';
import { CertificateUntrustedError } from '../../../lib/errors';
import { chainPem } from './chain-fixtures';
import { algorithm, oid, tlv } from './der-builders';

const SPKI = new X509Certificate(chainPem('ec-leaf')).publicKey.export({
  type: 'spki',
  format: 'der',
});
const ECDSA_SHA256 = algorithm('1.2.840.10045.4.3.2');
const CN = '2.5.4.3';
const O = '2.5.4.10';
const OU = '2.5.4.11';
const EMAIL = '1.2.840.113549.1.9.1';

type Attribute = readonly [oid: string, value: string, tag?: number];

/** A Name of single-attribute RDNs, in certificate order (UTF8String unless told). */
function dn(...rdns: Attribute[]): Buffer {
  return tlv(
    0x30,
    ...rdns.map(([type, value, tag]) =>
      tlv(0x31, tlv(0x30, oid(type), tlv(tag ?? 0x0c, Buffer.from(value, 'latin1')))),
    ),
  );
}

const text = (tag: number) => (value: string) => tlv(tag, Buffer.from(value, 'latin1'));
const email = text(0x81);
const dns = text(0x82);
const uri = text(0x86);
const ip = (...octets: number[]): Buffer => tlv(0x87, octets);
const dirName = (name: Buffer): Buffer => tlv(0xa4, name);
const subtree = (base: Buffer): Buffer => tlv(0x30, base);

/** The extnValue of a NameConstraints extension. */
function constraints(permitted: readonly Buffer[], excluded: readonly Buffer[] = []): Buffer {
  return tlv(
    0x30,
    ...(permitted.length > 0 ? [tlv(0xa0, ...permitted.map(subtree))] : []),
    ...(excluded.length > 0 ? [tlv(0xa1, ...excluded.map(subtree))] : []),
  );
}

function extension(dotted: string, value: Buffer): Buffer {
  return tlv(0x30, oid(dotted), tlv(0x01, [0xff]), tlv(0x04, value));
}

let serial = 1;

function info(subject: Buffer, issuer: Buffer, extensions: readonly Buffer[]): CertificateInfo {
  const tbs = tlv(
    0x30,
    tlv(0xa0, tlv(0x02, [2])),
    tlv(0x02, [0x01, serial++ & 0xff]),
    ECDSA_SHA256,
    issuer,
    tlv(0x30, tlv(0x17, Buffer.from('250101000000Z')), tlv(0x18, Buffer.from('21000101000000Z'))),
    subject,
    SPKI,
    ...(extensions.length > 0 ? [tlv(0xa3, tlv(0x30, ...extensions))] : []),
  );
  const der = tlv(0x30, tbs, ECDSA_SHA256, tlv(0x03, [0, 1, 2, 3]));
  return certificateInfo(new ClientCertificate(der), 2048);
}

const CA_NAME = dn([O, 'Example'], [CN, 'Constrained CA']);

function ca(nameConstraints: Buffer | undefined, subject = CA_NAME, issuer = subject) {
  return info(
    subject,
    issuer,
    nameConstraints === undefined ? [] : [extension('2.5.29.30', nameConstraints)],
  );
}

function leaf(
  names: readonly Buffer[] | Buffer | undefined,
  subject = dn([O, 'Example'], [CN, 'client']),
  issuer = CA_NAME,
) {
  const san =
    names === undefined ? undefined : Buffer.isBuffer(names) ? names : tlv(0x30, ...names);
  return info(subject, issuer, san === undefined ? [] : [extension('2.5.29.17', san)]);
}

/** The verdict on the leaf under one CA with `nc` (the CA is the anchor). */
function leafVerdict(nc: Buffer, names?: readonly Buffer[] | Buffer, subject?: Buffer) {
  return checkNameConstraints([leaf(names, subject), ca(nc)])[0];
}

function refusal(verdict: ReturnType<typeof leafVerdict>): string {
  expect(verdict?.ok).toBe(false);
  if (verdict?.ok !== false) throw new Error('accepted');
  expect(verdict.error).toBeInstanceOf(CertificateUntrustedError);
  expect(verdict.error).toMatchObject({
    code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED',
    status: 403,
    reason: 'name_constraints',
  });
  return verdict.error.message;
}

describe('decodeNameConstraints (RFC 5280 §4.2.1.10)', () => {
  test('each supported form, permitted and excluded, as OpenSSL labels it', () => {
    const decoded = decodeNameConstraints(
      constraints(
        [
          dns('Example.COM'),
          email('.example.com'),
          email('alice@example.com'),
          uri('svc.example.com'),
          ip(10, 0, 0, 0, 255, 0, 0, 0),
          dirName(dn([O, 'Example'])),
        ],
        [
          ip(
            0x20,
            1,
            0x0d,
            0xb8,
            ...Array<number>(12).fill(0),
            0xff,
            0xff,
            0xff,
            0xff,
            ...Array<number>(12).fill(0),
          ),
          dns(''),
        ],
      ),
    );
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.value.permitted.map((s) => [s.form, s.label])).toEqual([
      ['dNSName', 'DNS:Example.COM'],
      ['rfc822Name', 'email:.example.com'],
      ['rfc822Name', 'email:alice@example.com'],
      ['uri', 'URI:svc.example.com'],
      ['iPAddress', 'IP:10.0.0.0/8'],
      ['directoryName', 'DirName:O=Example'],
    ]);
    expect(decoded.value.excluded.map((s) => s.label)).toEqual(['IP:2001:db8::/32', 'DNS:']);
  });

  const SEQ = (...parts: Buffer[]): Buffer => tlv(0x30, ...parts);
  test.each<[string, Buffer, string]>([
    ['not a SEQUENCE', tlv(0x31, tlv(0xa0, subtree(dns('a.test')))), 'malformed NameConstraints'],
    [
      'bytes after the SEQUENCE',
      Buffer.concat([constraints([dns('a.test')]), Buffer.from([0])]),
      'malformed NameConstraints',
    ],
    ['truncated', constraints([dns('a.test')]).subarray(0, 6), 'element overruns'],
    ['an empty SEQUENCE', SEQ(), 'malformed NameConstraints'],
    [
      'excluded before permitted',
      SEQ(tlv(0xa1, subtree(dns('a'))), tlv(0xa0, subtree(dns('b')))),
      'malformed NameConstraints',
    ],
    [
      'permitted twice',
      SEQ(tlv(0xa0, subtree(dns('a'))), tlv(0xa0, subtree(dns('b')))),
      'malformed NameConstraints',
    ],
    ['an unknown part', SEQ(tlv(0xa2, subtree(dns('a')))), 'malformed NameConstraints'],
    ['empty permitted subtrees', SEQ(tlv(0xa0)), 'empty GeneralSubtrees'],
    [
      'a subtree that is not a SEQUENCE',
      SEQ(tlv(0xa0, tlv(0x31, dns('a')))),
      'malformed GeneralSubtree',
    ],
    ['an empty subtree', SEQ(tlv(0xa0, tlv(0x30))), 'malformed GeneralSubtree'],
    [
      'minimum 1',
      SEQ(tlv(0xa0, tlv(0x30, dns('a.test'), tlv(0x80, [1])))),
      'minimum and maximum must be absent',
    ],
    [
      'maximum 2',
      SEQ(tlv(0xa0, tlv(0x30, dns('a.test'), tlv(0x81, [2])))),
      'minimum and maximum must be absent',
    ],
    [
      'otherName (UPN)',
      constraints([
        tlv(0xa0, oid('1.3.6.1.4.1.311.20.2.3'), tlv(0xa0, text(0x0c)('@example.com'))),
      ]),
      'unsupported name form otherName',
    ],
    ['x400Address', constraints([tlv(0xa3, tlv(0x30))]), 'unsupported name form x400Address'],
    [
      'ediPartyName',
      constraints([tlv(0xa5, tlv(0xa1, text(0x0c)('x')))]),
      'unsupported name form ediPartyName',
    ],
    ['registeredID', constraints([tlv(0x88, [0x2a, 3])]), 'unsupported name form registeredID'],
    ['an unknown GeneralName tag', constraints([tlv(0x89, [1])]), 'unknown GeneralName tag'],
    [
      'a dNSName with a non-ASCII (U-label) byte',
      constraints([dns('b\xfccher.example')]),
      'malformed dNSName constraint',
    ],
    [
      'a dNSName with a trailing dot',
      constraints([dns('example.com.')]),
      'malformed dNSName constraint',
    ],
    ['a dNSName wildcard', constraints([dns('*.example.com')]), 'malformed dNSName constraint'],
    ['a dNSName with a space', constraints([dns('example .com')]), 'malformed dNSName constraint'],
    ['an empty rfc822Name', constraints([email('')]), 'malformed rfc822Name constraint'],
    [
      'an rfc822Name with an empty local part',
      constraints([email('@example.com')]),
      'malformed rfc822Name constraint',
    ],
    [
      'an rfc822Name local part with a space',
      constraints([email('a b@example.com')]),
      'malformed rfc822Name constraint',
    ],
    [
      'an rfc822Name mailbox on a domain',
      constraints([email('a@.example.com')]),
      'malformed rfc822Name constraint',
    ],
    ['an empty URI', constraints([uri('')]), 'malformed URI constraint'],
    [
      'a URI constraint that is a URI',
      constraints([uri('https://example.com/')]),
      'malformed URI constraint',
    ],
    [
      'an iPAddress of 4 octets (no mask)',
      constraints([ip(10, 0, 0, 0)]),
      'iPAddress constraint length',
    ],
    [
      'an iPAddress of 9 octets',
      constraints([ip(10, 0, 0, 0, 255, 0, 0, 0, 0)]),
      'iPAddress constraint length',
    ],
    [
      'a non-contiguous mask',
      constraints([ip(10, 0, 0, 0, 255, 0, 255, 0)]),
      'mask is not contiguous',
    ],
    [
      'a directoryName holding two Names',
      constraints([tlv(0xa4, dn([O, 'a']), dn([O, 'b']))]),
      'malformed directoryName constraint',
    ],
    ['an empty directoryName', constraints([tlv(0xa4)]), 'malformed directoryName constraint'],
    ['a directoryName that is not a Name', constraints([tlv(0xa4, tlv(0x31))]), 'malformed Name'],
  ])('fails closed on %s', (_name, value, message) => {
    const decoded = decodeNameConstraints(value);
    expect(refusal(decoded as ReturnType<typeof leafVerdict>)).toContain(
      'nameConstraints cannot be enforced: ',
    );
    expect(refusal(decoded as ReturnType<typeof leafVerdict>)).toContain(message);
  });
});

describe('matching (RFC 5280 §4.2.1.10), one name form at a time', () => {
  const permitted = (base: Buffer, names: readonly Buffer[], subject?: Buffer) =>
    leafVerdict(constraints([base]), names, subject)?.ok;
  const excluded = (base: Buffer, names: readonly Buffer[], subject?: Buffer) =>
    leafVerdict(constraints([], [base]), names, subject)?.ok;

  test.each<[string, string, boolean]>([
    ['example.com', 'example.com', true],
    ['example.com', 'a.b.example.com', true],
    ['example.com', 'A.EXAMPLE.com', true],
    ['Example.COM', 'a.example.com', true],
    ['example.com', 'badexample.com', false],
    ['example.com', 'example.com.evil.test', false],
    ['example.com', 'xample.com', false],
    ['.example.com', 'a.example.com', true],
    ['.example.com', 'example.com', false],
    ['', 'anything.test', true],
    ['example.com', '*.example.com', true],
    ['a.example.com', '*.example.com', false],
    ['example.com', 'under_score.example.com', true],
  ])('dNSName %j permits %j: %s', (base, name, ok) => {
    expect(permitted(dns(base), [dns(name)])).toBe(ok);
    expect(excluded(dns(base), [dns(name)])).toBe(!ok);
  });

  test.each<[string, string, boolean]>([
    ['example.com', 'alice@example.com', true],
    ['example.com', 'alice@EXAMPLE.COM', true],
    ['example.com', 'alice@sub.example.com', false],
    ['example.com', 'alice@badexample.com', false],
    ['.example.com', 'alice@sub.example.com', true],
    ['.example.com', 'alice@example.com', false],
    ['alice@example.com', 'alice@Example.com', true],
    ['alice@example.com', 'Alice@example.com', false],
    ['alice@example.com', 'bob@example.com', false],
    ['alice@example.com', 'alice@sub.example.com', false],
    ['example.com', '"odd@local"@example.com', true],
  ])('rfc822Name %j permits %j: %s', (base, name, ok) => {
    expect(permitted(email(base), [email(name)])).toBe(ok);
    expect(excluded(email(base), [email(name)])).toBe(!ok);
  });

  test.each<[string, string, boolean]>([
    ['svc.example.com', 'https://svc.example.com/path', true],
    ['svc.example.com', 'spiffe://SVC.example.com/workload', true],
    ['svc.example.com', 'https://svc.example.com:8443', true],
    ['svc.example.com', 'https://user:pw@svc.example.com/', true],
    ['svc.example.com', 'https://a.svc.example.com/', false],
    ['.example.com', 'https://a.svc.example.com/', true],
    ['.example.com', 'https://example.com/', false],
    ['.example.com', 'https://svc.badexample.com/', false],
    // OpenSSL reads the host up to ":" or "/" only: "evil.test?.example.com" would end in
    // ".example.com" there; the authority ends at "?" (RFC 3986 §3.2).
    ['.example.com', 'https://evil.test?.example.com', false],
    ['.example.com', 'https://evil.test#.example.com', false],
    ['svc.example.com', 'https://svc.example.com@evil.test/', false],
  ])('URI %j permits %j: %s', (base, name, ok) => {
    expect(permitted(uri(base), [uri(name)])).toBe(ok);
    expect(excluded(uri(base), [uri(name)])).toBe(!ok);
  });

  const V6 = [0x20, 0x01, 0x0d, 0xb8, ...Array<number>(12).fill(0)];
  const MASK_32 = [0xff, 0xff, 0xff, 0xff, ...Array<number>(12).fill(0)];
  test.each<[string, Buffer, Buffer, boolean]>([
    ['10.0.0.0/8 ∋ 10.255.0.1', ip(10, 0, 0, 0, 255, 0, 0, 0), ip(10, 255, 0, 1), true],
    ['10.0.0.0/8 ∌ 11.0.0.1', ip(10, 0, 0, 0, 255, 0, 0, 0), ip(11, 0, 0, 1), false],
    ['10.1.2.3/32 ∋ 10.1.2.3', ip(10, 1, 2, 3, 255, 255, 255, 255), ip(10, 1, 2, 3), true],
    ['10.1.2.0/31 ∌ 10.1.2.2', ip(10, 1, 2, 0, 255, 255, 255, 254), ip(10, 1, 2, 2), false],
    ['0.0.0.0/0 ∋ 192.0.2.1', ip(0, 0, 0, 0, 0, 0, 0, 0), ip(192, 0, 2, 1), true],
    [
      '2001:db8::/32 ∋ 2001:db8:ffff::1',
      ip(...V6, ...MASK_32),
      ip(0x20, 1, 0x0d, 0xb8, 0xff, 0xff, ...Array<number>(9).fill(0), 1),
      true,
    ],
    [
      '2001:db8::/32 ∌ 2001:db9::1',
      ip(...V6, ...MASK_32),
      ip(0x20, 1, 0x0d, 0xb9, ...Array<number>(11).fill(0), 1),
      false,
    ],
    [
      'an IPv4 subtree ∌ ::ffff:10.0.0.1',
      ip(10, 0, 0, 0, 255, 0, 0, 0),
      ip(...Array<number>(10).fill(0), 0xff, 0xff, 10, 0, 0, 1),
      false,
    ],
    ['an IPv6 subtree ∌ 32.1.13.184', ip(...V6, ...MASK_32), ip(0x20, 1, 0x0d, 0xb8), false],
  ])('iPAddress %s', (_name, base, name, ok) => {
    expect(permitted(base, [name])).toBe(ok);
    expect(excluded(base, [name])).toBe(!ok);
  });

  test.each<[string, Buffer, Buffer, boolean]>([
    ['a prefix', dn([O, 'Example']), dn([O, 'Example'], [OU, 'Dev'], [CN, 'x']), true],
    ['equal', dn([O, 'Example'], [CN, 'x']), dn([O, 'Example'], [CN, 'x']), true],
    [
      'case and spaces (RFC 4518)',
      dn([O, '  example   INC ']),
      dn([O, 'Example Inc', 0x13], [CN, 'x']),
      true,
    ],
    ['the empty name', dn(), dn([O, 'Anything'], [CN, 'x']), true],
    ['another value', dn([O, 'Example']), dn([O, 'Examplex'], [CN, 'x']), false],
    [
      'another order',
      dn([OU, 'Dev'], [O, 'Example']),
      dn([O, 'Example'], [OU, 'Dev'], [CN, 'x']),
      false,
    ],
    [
      'longer than the name',
      dn([O, 'Example'], [OU, 'Dev'], [CN, 'x']),
      dn([O, 'Example'], [CN, 'x']),
      false,
    ],
  ])('directoryName on the subject: %s', (_name, base, subject, ok) => {
    expect(permitted(dirName(base), [], subject)).toBe(ok);
    expect(excluded(dirName(base), [], subject)).toBe(!ok);
  });

  test('directoryName SANs are checked like the subject', () => {
    const base = dirName(dn([O, 'Example']));
    expect(permitted(base, [dirName(dn([O, 'Example'], [CN, 'alt']))])).toBe(true);
    expect(permitted(base, [dirName(dn([O, 'Other'], [CN, 'alt']))])).toBe(false);
  });

  test('an empty subject is not a name; SAN forms without constraints are not checked', () => {
    expect(permitted(dirName(dn([O, 'Example'])), [dns('a.test')], dn())).toBe(true);
    expect(
      permitted(dns('example.com'), [
        ip(192, 0, 2, 1),
        email('a@evil.test'),
        tlv(0xa0, oid('1.2.3'), tlv(0xa0, tlv(0x0c, [0x61]))),
        uri('urn:x'),
      ]),
    ).toBe(true);
  });

  test('the emailAddress attribute of the subject is an rfc822Name', () => {
    const subject = (address: string, tag = 0x16) =>
      dn([O, 'Example'], [CN, 'client'], [EMAIL, address, tag]);
    expect(permitted(email('example.com'), [], subject('bob@example.com'))).toBe(true);
    expect(permitted(email('example.com'), [], subject('bob@evil.test'))).toBe(false);
    expect(excluded(email('evil.test'), [], subject('bob@evil.test'))).toBe(false);
    expect(
      refusal(
        leafVerdict(constraints([email('example.com')]), [], subject('bob@example.com', 0x0c)),
      ),
    ).toBe(
      'subject emailAddress "bob@example.com" cannot be checked against the email name constraints of "CN=Constrained CA,O=Example" (not an ASCII IA5String)',
    );
    expect(
      refusal(leafVerdict(constraints([email('example.com')]), [], subject('b\xe9b@example.com'))),
    ).toContain('subject emailAddress "#160f62e962406578616d706c652e636f6d" cannot be checked');
  });

  test('the leaf without a dNSName: a common name that looks like a host name is one (OpenSSL)', () => {
    const subject = (cn: string) => dn([O, 'Example'], [CN, cn]);
    const base = dns('example.com');
    expect(permitted(base, [], subject('host.example.com'))).toBe(true);
    expect(permitted(base, [], subject('host.badexample.com'))).toBe(false);
    expect(permitted(base, [], subject('Plain Name'))).toBe(true);
    expect(permitted(base, [], subject('localhost'))).toBe(true);
    expect(permitted(base, [], subject('-x.evil.test'))).toBe(true);
    expect(permitted(base, [], subject('x..evil.test'))).toBe(true);
    expect(permitted(base, [], subject('host.badexample.com\0\0'))).toBe(false);
    expect(permitted(base, [dns('ok.example.com')], subject('host.badexample.com'))).toBe(true);
    expect(
      refusal(leafVerdict(constraints([base]), [], subject('ok.example.com\0.evil'))),
    ).toContain('cannot be checked against the DNS name constraints');
    const intermediate = info(subject('int.badexample.com'), CA_NAME, [
      extension('2.5.29.19', tlv(0x30, tlv(0x01, [0xff]))),
    ]);
    const path = [
      leaf([dns('a.example.com')], dn([CN, 'l']), subject('int.badexample.com')),
      intermediate,
      ca(constraints([base])),
    ];
    expect(checkNameConstraints(path)[1]).toMatchObject({ ok: true });
  });
});

describe('names that cannot be compared fail closed (attacker-shaped SANs)', () => {
  test.each<[string, Buffer, Buffer, string]>([
    [
      'an IDN U-label under a permitted dNSName',
      dns('example.com'),
      dns('b\xfccher.example.com'),
      'not an ASCII host name',
    ],
    [
      'an IDN U-label under an excluded dNSName',
      dns('evil.test'),
      dns('b\xfccher.example.com'),
      'not an ASCII host name',
    ],
    [
      'a trailing dot under an excluded dNSName',
      dns('badexample.com'),
      dns('client.badexample.com.'),
      'not an ASCII host name',
    ],
    ['an empty dNSName', dns('example.com'), dns(''), 'not an ASCII host name'],
    ['a mailbox without "@"', email('example.com'), email('example.com'), 'not an ASCII mailbox'],
    [
      'a mailbox with a non-ASCII local part',
      email('example.com'),
      email('j\xf6rg@example.com'),
      'not an ASCII mailbox',
    ],
    [
      'a URI without a host',
      uri('.example.com'),
      uri('urn:example:svc'),
      'no ASCII host name in the URI',
    ],
    [
      'a URI with an empty host',
      uri('.example.com'),
      uri('file:///etc/passwd'),
      'no ASCII host name in the URI',
    ],
    [
      'a URI with an IP-literal host',
      uri('.example.com'),
      uri('https://[::1]/'),
      'no ASCII host name in the URI',
    ],
    [
      'a URI with a percent-encoded host',
      uri('.example.com'),
      uri('https://evil%2eexample.com/'),
      'no ASCII host name in the URI',
    ],
    ['an iPAddress of 5 octets', ip(10, 0, 0, 0, 255, 0, 0, 0), ip(10, 0, 0, 1, 0), '5 octets'],
  ])('%s', (_name, base, name, why) => {
    for (const nc of [constraints([base]), constraints([], [base])]) {
      const message = refusal(leafVerdict(nc, [name]));
      expect(message).toContain('cannot be checked against the');
      expect(message.endsWith(`(${why})`)).toBe(true);
    }
  });

  test('a malformed subjectAltName is refused when constraints apply, and only then', () => {
    const broken = Buffer.from([0x30, 0x05, 0x82, 0x01]);
    expect(refusal(leafVerdict(constraints([dns('example.com')]), broken))).toMatch(
      /^names cannot be read for name constraints: /,
    );
    expect(checkNameConstraints([leaf(broken), ca(undefined)])[0]).toBeUndefined();
    const twoNames = tlv(0x30, tlv(0xa4, dn([O, 'a']), dn([O, 'b'])));
    expect(refusal(leafVerdict(constraints([dns('example.com')]), twoNames))).toContain(
      'malformed directoryName',
    );
    expect(refusal(leafVerdict(constraints([dns('example.com')]), tlv(0x31)))).toContain(
      'malformed subjectAltName',
    );
  });

  test('explanations escape the untrusted name and clip long constraint lists', () => {
    const message = refusal(
      leafVerdict(
        constraints(['a.test', 'b.test', 'c.test', 'd.test', 'e.test', 'f.test'].map(dns)),
        [dns('x.evil.test'), dns('evil\u202e"\n.test')],
      ),
    );
    expect(message).toBe(
      'DNS name "x.evil.test" is not within the permitted subtrees of "CN=Constrained CA,O=Example": "DNS:a.test", "DNS:b.test", "DNS:c.test", "DNS:d.test", and 2 more',
    );
    const hostile = refusal(
      leafVerdict(constraints([dns('example.com')]), [dns('a\u00e9"\n.test')]),
    );
    expect(hostile).toBe(
      'DNS name "a\\u00e9\\"\\u000a.test" cannot be checked against the DNS name constraints of "CN=Constrained CA,O=Example" (not an ASCII host name)',
    );
    expect(refusal(leafVerdict(constraints([], [dns('evil.test')]), [dns('a.evil.test')]))).toBe(
      'DNS name "a.evil.test" is excluded by "DNS:evil.test" (excluded subtree of "CN=Constrained CA,O=Example")',
    );
  });
});

describe('along the path (RFC 5280 §6.1)', () => {
  const ROOT = dn([CN, 'Root']);
  const INT = dn([CN, 'Intermediate']);
  const caUnder = (subject: Buffer, issuer: Buffer, nc?: Buffer) =>
    info(subject, issuer, [
      extension('2.5.29.19', tlv(0x30, tlv(0x01, [0xff]))),
      ...(nc ? [extension('2.5.29.30', nc)] : []),
    ]);

  test('constraints accumulate: permitted intersect, excluded add up', () => {
    const root = ca(constraints([dns('example.com')]), ROOT);
    const int = caUnder(INT, ROOT, constraints([dns('a.example.com')], [dns('x.a.example.com')]));
    const verdicts = (name: string) =>
      checkNameConstraints([leaf([dns(name)], dn([CN, 'l']), INT), int, root]);
    expect(verdicts('b.a.example.com').map((v) => v?.ok)).toEqual([true, true, true]);
    expect(verdicts('b.b.example.com')[0]?.ok).toBe(false);
    expect(verdicts('y.x.a.example.com')[0]?.ok).toBe(false);
    expect(verdicts('b.a.example.com')[2]).toEqual({
      ok: true,
      value: 'has name constraints (1 permitted, 0 excluded subtrees)',
    });
  });

  test('a self-issued intermediate is exempt, a self-issued leaf is not', () => {
    const root = ca(constraints([dirName(dn([O, 'Allowed']))]), ROOT);
    const selfIssued = caUnder(ROOT, ROOT);
    expect(
      checkNameConstraints([leaf([], dn([O, 'Allowed'], [CN, 'l']), ROOT), selfIssued, root]),
    ).toEqual([
      { ok: true, value: '1 name(s) within the constraints of 1 CA(s) above' },
      {
        ok: true,
        value: 'self-issued: exempt from the name constraints above (RFC 5280 §6.1.4(b))',
      },
      { ok: true, value: 'has name constraints (1 permitted, 0 excluded subtrees)' },
    ]);
    expect(checkNameConstraints([leaf([], ROOT, ROOT), root])[0]?.ok).toBe(false);
  });

  test('an unenforceable extension refuses its own certificate, wherever it is', () => {
    const bad = constraints([tlv(0x88, [0x2a, 3])]);
    const onRoot = checkNameConstraints([
      leaf([dns('a.test')], dn([CN, 'l']), INT),
      caUnder(INT, ROOT),
      ca(bad, ROOT),
    ]);
    expect(onRoot[0]).toBeUndefined();
    expect(refusal(onRoot[2])).toContain('unsupported name form registeredID');
    const onLeaf = info(dn([CN, 'l']), ROOT, [extension('2.5.29.30', bad)]);
    expect(refusal(checkNameConstraints([onLeaf, ca(undefined, ROOT)])[0])).toContain(
      'registeredID',
    );
    const good = info(dn([CN, 'l']), ROOT, [extension('2.5.29.30', constraints([dns('a.test')]))]);
    expect(checkNameConstraints([good, ca(undefined, ROOT)])[0]?.ok).toBe(true);
  });

  test('nothing to report without name constraints', () => {
    expect(checkNameConstraints([leaf([dns('a.test')]), ca(undefined)])).toEqual([
      undefined,
      undefined,
    ]);
  });
});

describe('work bound', () => {
  test(`${MAX_NAME_CONSTRAINT_CHECKS} comparisons per path; one more is refused before comparing`, () => {
    expect(MAX_NAME_CONSTRAINT_CHECKS).toBe(1024);
    const names = Array.from({ length: 32 }, (_v, i) => dns(`n${i}.example.com`));
    const bases = Array.from({ length: 32 }, (_v, i) => dns(`b${i}.example.com`));
    const path = [leaf(names), ca(constraints([dns('example.com')], bases))];
    // 32 names × 33 subtrees = 1056 > 1024; the subject DN meets no directoryName subtree
    expect(refusal(checkNameConstraints(path)[0])).toBe(
      'more than 1024 name constraint comparisons on this path (names × subtrees of the same form)',
    );
    expect(checkNameConstraints(path, 1056)[0]?.ok).toBe(true);
    expect(checkNameConstraints(path, 1055)[0]?.ok).toBe(false);
  });
});
