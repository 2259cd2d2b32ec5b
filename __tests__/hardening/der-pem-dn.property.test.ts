/**
 * Hostile input through the pure certificate layer: the DER reader (`lib/internal/der.ts`), OID
 * and Name decoding, the PEM reader, `ClientCertificate` with every lazy getter, and the RFC 4514
 * distinguished-name parser and matcher.
 *
 * Invariant: a value, or the layer's documented error type (`DerError`, `PemError`,
 * `CertificateParseError`, `DistinguishedNameSyntaxError`) — never another exception — within
 * the per-input deadline, with heap use back near its start after megabyte inputs.
 */
import fc from 'fast-check';
import {
  distinguishedNameMatches,
  DistinguishedNameSyntaxError,
  parseDistinguishedName,
} from '../../lib/auth/distinguished-name-match';
import { certificateSubjectMatches } from '../../lib/auth/tls-client-auth-subject';
import { CertificateParseError, ClientCertificate } from '../../lib/certificate';
import { ATTRIBUTE_NAMES, decodeName, formatName } from '../../lib/distinguished-name';
import {
  certificateLayout,
  decodeValidity,
  DerError,
  readChildren,
  readTlv,
  splitConcatenated,
} from '../../lib/internal/der';
import { decodeOid } from '../../lib/internal/oid';
import { prepareCaseIgnoreString } from '../../lib/internal/string-preparation';
import { decodeCertificatePem, decodePem, PemError } from '../../lib/internal/pem';
import { chainPem } from '../auth/chain/chain-fixtures';
import { der, pem } from '../helpers/fixtures';
import { bounded, DEADLINE_MS, settledHeap } from './helpers/bounds';
import {
  hostileBytes,
  hostileText,
  megabyteText,
  MEGABYTE,
  mutatedText,
  nest,
  pemBlock,
  SEED,
  CONTROL_CHARS,
} from './helpers/hostile';

/** Inputs per property. */
export const RUNS = {
  bytes: 3000,
  certificate: 1500,
  pem: 1500,
  dn: 3000,
  roundTrip: 1000,
  megabyte: 8,
};

const SEEDS: readonly Buffer[] = [
  der('client-a'),
  der('intermediate-ca'),
  der('self-signed'),
  Buffer.from(chainPem('leaf-critical').replace(/-----[^-]+-----|\s/g, ''), 'base64'),
];

/** Expects `fn` to return, or to throw an instance of `type`, within the deadline. */
function returnsOrThrows(fn: () => unknown, type: new (...args: never[]) => Error): unknown {
  const result = bounded(fn);
  expect(result.elapsed).toBeLessThan(DEADLINE_MS);
  if (result.ok) return result.value;
  expect(result.error).toBeInstanceOf(type);
  return undefined;
}

const options = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });

describe('DER reader', () => {
  it('readTlv, readChildren, certificateLayout, decodeValidity, splitConcatenated: DerError only', () => {
    fc.assert(
      fc.property(hostileBytes(SEEDS), fc.nat(), (bytes, offset) => {
        returnsOrThrows(() => {
          const outer = readTlv(bytes, offset % (bytes.length + 1), bytes.length);
          return readChildren(bytes, outer);
        }, DerError);
        const layout = returnsOrThrows(() => certificateLayout(bytes), DerError);
        if (layout !== undefined) {
          returnsOrThrows(
            () => decodeValidity(bytes, (layout as ReturnType<typeof certificateLayout>).validity),
            DerError,
          );
        }
        returnsOrThrows(() => splitConcatenated(bytes, 10), DerError);
      }),
      options(RUNS.bytes),
    );
  });

  it('decodeOid and decodeName: DerError only; formatName never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), hostileBytes(SEEDS), (oid, name) => {
        returnsOrThrows(() => decodeOid(oid), DerError);
        const rdns = returnsOrThrows(() => decodeName(name), DerError);
        if (rdns !== undefined) {
          expect(typeof formatName(rdns as ReturnType<typeof decodeName>)).toBe('string');
        }
      }),
      options(RUNS.bytes),
    );
  });

  it('100 000 nested SEQUENCEs: no recursion, a DerError or a value', () => {
    const deep = nest(Buffer.from([0x05, 0x00]), 100_000);
    expect(deep.length).toBeGreaterThan(400_000);
    returnsOrThrows(() => certificateLayout(deep), DerError);
    returnsOrThrows(() => decodeName(deep), DerError);
    returnsOrThrows(() => new ClientCertificate(deep), CertificateParseError);
  });
});

describe('ClientCertificate', () => {
  const read: readonly ((c: ClientCertificate) => unknown)[] = [
    (c) => c.subject,
    (c) => c.issuer,
    (c) => c.subjectRdns,
    (c) => c.serialNumber,
    (c) => c.notBefore,
    (c) => c.notAfter,
    (c) => c.extensions,
    (c) => c.subjectAltNames,
    (c) => c.toJSON(),
    (c) => c.native,
    (c) => c.publicKey,
    (c) => c.isSelfSigned,
    (c) => c.x509,
  ];

  it('from bytes: the constructor and every getter throw only CertificateParseError', () => {
    fc.assert(
      fc.property(hostileBytes(SEEDS), (bytes) => {
        const certificate = returnsOrThrows(
          () => new ClientCertificate(bytes),
          CertificateParseError,
        );
        if (certificate === undefined) return;
        for (const getter of read) {
          returnsOrThrows(() => getter(certificate as ClientCertificate), CertificateParseError);
        }
      }),
      options(RUNS.certificate),
    );
  });

  it('from PEM text: ClientCertificate.from throws only CertificateParseError', () => {
    const seeds = [pem('client-a'), pem('client-a-fullchain'), pem('self-signed')];
    fc.assert(
      fc.property(fc.oneof(hostileText, mutatedText(seeds)), (text) => {
        returnsOrThrows(() => ClientCertificate.from(text), CertificateParseError);
      }),
      options(RUNS.pem),
    );
  });
});

describe('PEM reader', () => {
  const seeds = [
    pem('client-a-fullchain'),
    pem('client-a').replace(/\n/g, ' '),
    pemBlock(der('self-signed')),
  ];

  it('decodePem and decodeCertificatePem: PemError only', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, mutatedText(seeds)), (text) => {
        returnsOrThrows(() => decodePem(text), PemError);
        returnsOrThrows(() => decodeCertificatePem(text), PemError);
      }),
      options(RUNS.pem),
    );
  });

  it('megabyte texts (unterminated blocks, repeated BEGIN lines): bounded time and heap', () => {
    const shapes = [
      ...seeds,
      '-----BEGIN CERTIFICATE-----',
      '-----BEGIN ',
      '-----BEGIN A-----',
      '-----BEGIN CERTIFICATE-----\nMIIB',
    ];
    const before = settledHeap();
    fc.assert(
      fc.property(megabyteText(shapes), (text) => {
        expect(text.length).toBe(MEGABYTE);
        returnsOrThrows(() => decodeCertificatePem(text), PemError);
        returnsOrThrows(() => ClientCertificate.from(text), CertificateParseError);
      }),
      options(RUNS.megabyte),
    );
    expect(settledHeap() - before).toBeLessThan(32 * MEGABYTE);
  });
});

/** DER-encodes one element (test-side encoder). */
function tlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}

/** Attribute types: well-known short names, a registered descriptor, and unknown OIDs. */
const ATTRIBUTE_OIDS = [
  [0x55, 0x04, 0x03], // CN
  [0x55, 0x04, 0x0a], // O
  [0x55, 0x04, 0x06], // C
  [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19], // DC
  [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01], // emailAddress
  [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xb4, 0x63, 0x01], // 1.3.6.1.4.1.55555.1
  [0x69, 0x83, 0x9b, 0xa2, 0x80, 0x00], // 2.25.… (a UUID-style arc)
].map((content) => tlv(0x06, Buffer.from(content)));

/** Attribute values: every string type (valid or not in its type), and non-string types. */
const attributeValue = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(0x0c, 0x13, 0x16, 0x1a, 0x14, 0x1e, 0x1c),
      fc.uint8Array({ maxLength: 24 }),
    )
    .map(([tag, bytes]) => tlv(tag, bytes)),
  fc
    .tuple(
      fc.constantFrom(0x0c, 0x13),
      fc.string({
        unit: fc.constantFrom(...'aZ ,+;"\\<>#=\u00e9\u2028\u0000\t\u00a0'.split('')),
        maxLength: 16,
      }),
    )
    .map(([tag, text]) => tlv(tag, Buffer.from(text, tag === 0x0c ? 'utf8' : 'latin1'))),
  fc.string({ unit: 'binary', maxLength: 12 }).map((text) => tlv(0x0c, Buffer.from(text, 'utf8'))),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => tlv(0x04, bytes)),
);

/** DER Names: up to six RDNs of one to three attributes. */
const derName = fc
  .array(
    fc.array(fc.tuple(fc.constantFrom(...ATTRIBUTE_OIDS), attributeValue), {
      minLength: 1,
      maxLength: 3,
    }),
    { maxLength: 6 },
  )
  .map((rdns) =>
    tlv(
      0x30,
      Buffer.concat(
        rdns.map((rdn) =>
          tlv(
            0x31,
            Buffer.concat(rdn.map(([oid, value]) => tlv(0x30, Buffer.concat([oid, value])))),
          ),
        ),
      ),
    ),
  );

describe('RFC 4514 distinguished names', () => {
  const seeds = [
    'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
    'CN=a\\,b+UID=x\\2Cy,O=#0C0474657374,2.5.4.97=#130141',
    'cn = spaced , o = "quoted"',
    'CN=\\E2\\82\\AC\\20x\\ ,DC=example,DC=test',
  ];
  const certificate = ClientCertificate.from(pem('client-a'));

  it('parseDistinguishedName: a parsed name or DistinguishedNameSyntaxError; matching never throws', () => {
    const text = fc.oneof(
      hostileText,
      mutatedText(seeds),
      fc
        .array(
          fc.tuple(
            fc.constantFrom('CN', 'o', '2.5.4.3', 'X', '1.2', 'emailAddress', ''),
            fc.oneof(hostileText, fc.constantFrom(...CONTROL_CHARS), fc.constant('#0C00')),
            fc.constantFrom(',', '+', ';', ', ', ' + '),
          ),
          { maxLength: 12 },
        )
        .map((parts) => parts.map(([t, v, s]) => `${t}=${v}${s}`).join('')),
    );
    fc.assert(
      fc.property(text, (value) => {
        const parsed = returnsOrThrows(
          () => parseDistinguishedName(value),
          DistinguishedNameSyntaxError,
        );
        if (parsed !== undefined) {
          const matched = distinguishedNameMatches(
            parsed as ReturnType<typeof parseDistinguishedName>,
            certificate.subjectRdns,
          );
          expect(typeof matched).toBe('boolean');
        }
        const viaPublicApi = bounded(() =>
          certificateSubjectMatches(certificate, 'tls_client_auth_subject_dn', value),
        );
        expect(viaPublicApi.elapsed).toBeLessThan(DEADLINE_MS);
        if (!viaPublicApi.ok) expect(viaPublicApi.error).toBeInstanceOf(TypeError);
      }),
      options(RUNS.dn),
    );
  });

  it('any DER Name prints (RFC 4514) to a string that parses back and matches it, unless a value holds an RFC 4518 prohibited code point', () => {
    let matched = 0;
    fc.assert(
      fc.property(derName, (name) => {
        // well-formed DER: it always decodes, whatever the values hold
        const rdns = decodeName(name);
        const text = formatName(rdns);
        const parsed = parseDistinguishedName(text);
        const preparable = rdns.every((rdn) =>
          rdn.every(
            (a) =>
              a.value === undefined ||
              ATTRIBUTE_NAMES[a.oid] === undefined || // written as #hex: matched by its bytes
              prepareCaseIgnoreString(a.value) !== undefined,
          ),
        );
        expect(distinguishedNameMatches(parsed, rdns)).toBe(preparable);
        if (preparable) matched++;
      }),
      options(RUNS.roundTrip),
    );
    expect(matched).toBeGreaterThan(RUNS.roundTrip / 4);
  });

  it('megabyte names (long values, many attributes, many RDNs): bounded time', () => {
    const shapes = ['CN=a+', 'CN=a,', 'CN=#0C0161,', 'CN=\\41\\42', 'CN=' + 'x'.repeat(100)];
    fc.assert(
      fc.property(megabyteText(shapes), (text) => {
        returnsOrThrows(() => parseDistinguishedName(text), DistinguishedNameSyntaxError);
      }),
      options(RUNS.megabyte),
    );
  });
});
