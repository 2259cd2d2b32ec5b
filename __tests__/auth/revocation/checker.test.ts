import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BasicOCSPResponse,
  id_pkix_ocsp_nonce,
  OCSPRequest,
  OCSPResponse,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import type { Extension } from '@peculiar/asn1-x509';
import { ClientCertificate } from '../../../lib/certificate';
import { createChainValidator, type ChainValidationResult } from '../../../lib/auth/chain';
import type {
  RevocationFetcher,
  RevocationFetchRequest,
  RevocationOptions,
} from '../../../lib/auth/revocation/types';
import { createRevocationChecker } from '../../../lib/auth/revocation/checker';
import { certificateInfo, type CertificateInfo } from '../../../lib/x509/certificate-info';
import { CHAIN_X5T } from '../chain/chain-fixtures';
import {
  loopbackFetcher,
  REVOCATION_DIR,
  revocationFile,
  startCrlServer,
  startOcspResponder,
  type CrlServer,
  type OcspResponder,
} from './revocation-servers';

const ROOT = revocationFile('rev-root.pem');
const INT = revocationFile('rev-int.pem');

function leaf(name: string): ClientCertificate {
  return ClientCertificate.from(revocationFile(`${name}.pem`), { chain: [INT] });
}

function validator(revocation: RevocationOptions) {
  return createChainValidator({ trustAnchors: [ROOT], revocation });
}

function success(result: ChainValidationResult) {
  if (!result.ok) throw new Error(`expected a success, got ${result.reason}: ${result.detail}`);
  return result;
}

function failure(result: ChainValidationResult) {
  if (result.ok) throw new Error('expected a failure');
  return result;
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** thisUpdate of the committed ocsp/good.der (openssl ocsp -resp_text). */
const COMMITTED_THIS_UPDATE = Date.parse('2026-11-25T22:06:17Z');

function nonceOf(extensions: readonly Extension[] | undefined): Buffer | undefined {
  const nonce = extensions?.find((e) => e.extnID === id_pkix_ocsp_nonce);
  return nonce && Buffer.from(AsnConvert.parse(nonce.extnValue, OctetString).buffer);
}

/** The RFC 9654 nonce of a DER OCSP request, as the responder reads it. */
function requestNonce(der: Uint8Array | undefined): Buffer | undefined {
  return nonceOf(AsnConvert.parse(der as Uint8Array, OCSPRequest).tbsRequest.requestExtensions);
}

/** The nonce a DER OCSP response echoes. */
function responseNonce(der: Uint8Array | undefined): Buffer | undefined {
  const bytes = AsnConvert.parse(der as Uint8Array, OCSPResponse).responseBytes;
  const basic = AsnConvert.parse(bytes?.response.buffer as ArrayBuffer, BasicOCSPResponse);
  return nonceOf(basic.tbsResponseData.responseExtensions);
}

let ocsp: OcspResponder;
let crls: CrlServer;
beforeAll(async () => {
  ocsp = await startOcspResponder();
  crls = await startCrlServer({
    '/int.crl': pemToDer(revocationFile('int.crl')),
    '/root.crl': pemToDer(revocationFile('root.crl')),
  });
});
afterAll(async () => {
  await ocsp.stop();
  await crls.stop();
});

describe('OCSP (RFC 6960) against a real openssl ocsp responder', () => {
  const ocspOnly = (extra: Partial<RevocationOptions> = {}): RevocationOptions => ({
    methods: ['ocsp'],
    scope: 'leaf',
    fetcher: loopbackFetcher({ ocsp: ocsp.url }),
    ...extra,
  });

  test('a good certificate passes, with the OCSP answer in the trace', async () => {
    const result = await validator(ocspOnly()).validate(leaf('rev-good'));
    expect(result.ok).toBe(true);
    const check = result.trace[0]?.checks.find((c) => c.name === 'revocation');
    expect(check).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^OCSP: serial [0-9A-F]+ good$/),
    });
  });

  test('a revoked certificate is rejected: revoked', async () => {
    const result = failure(await validator(ocspOnly()).validate(leaf('rev-revoked')));
    expect(result.reason).toBe('revoked');
    expect(result.certificate?.thumbprint).toBe(CHAIN_X5T.get('revocation/rev-revoked'));
    expect(result.transient).toBeUndefined();
  });

  test('"unknown" from the responder is revocation_unknown, or accepted with onUnknown "allow"', async () => {
    const rejected = failure(await validator(ocspOnly()).validate(leaf('rev-unknown')));
    expect(rejected.reason).toBe('revocation_unknown');
    expect(rejected.detail).toMatch(/responder does not know serial/);
    const allowed = await validator(ocspOnly({ onUnknown: 'allow' })).validate(leaf('rev-unknown'));
    expect(allowed.ok).toBe(true);
    expect(allowed.trace[0]?.checks.at(-1)?.detail).toMatch(/allowed: onUnknown is "allow"/);
  });

  test('a nonce is sent and its echo required (ocspNonce)', async () => {
    const log: RevocationFetchRequest[] = [];
    const answers: Uint8Array[] = [];
    const recording: RevocationFetcher = async (request) => {
      const answer = await loopbackFetcher({ ocsp: ocsp.url }, log)(request);
      answers.push(answer);
      return answer;
    };
    success(
      await validator(ocspOnly({ ocspNonce: true, fetcher: recording })).validate(leaf('rev-good')),
    );
    expect(log[0]).toMatchObject({
      method: 'POST',
      url: 'http://ocsp.revocation.test/',
      headers: { 'Content-Type': 'application/ocsp-request' },
    });
    const sent = requestNonce(log[0]?.body);
    expect(sent).toHaveLength(32);
    expect(responseNonce(answers[0])).toEqual(sent);

    const replayed = failure(
      await validator(
        ocspOnly({ ocspNonce: true, fetcher: () => Promise.resolve(answers[0] as Uint8Array) }),
      ).validate(leaf('rev-good')),
    );
    expect(replayed.reason).toBe('revocation_unknown');
    expect(replayed.detail).toMatch(/OCSP: nonce missing or different/);
  });

  test('an answer signed after the validation began is judged when it arrived, not refused as future', async () => {
    const slow: RevocationFetcher = async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 1050 - (Date.now() % 1000)));
      return loopbackFetcher({ ocsp: ocsp.url })(request);
    };
    const result = success(await validator(ocspOnly({ fetcher: slow })).validate(leaf('rev-good')));
    expect(result.trace[0]?.checks.find((c) => c.name === 'revocation')?.detail).toMatch(
      /^OCSP: serial [0-9A-F]+ good$/,
    );
  });

  test('an answer whose thisUpdate is after its arrival is refused: revocation_unknown', async () => {
    const committed = readFileSync(join(REVOCATION_DIR, 'ocsp', 'good.der'));
    const result = failure(
      await validator(ocspOnly({ fetcher: () => Promise.resolve(committed) })).validate(
        leaf('rev-good'),
        {
          now: new Date(COMMITTED_THIS_UPDATE - 60_000),
        },
      ),
    );
    expect(result.reason).toBe('revocation_unknown');
    expect(result.detail).toMatch(/OCSP: response thisUpdate in the future/);
  });

  test('ocspUrl overrides the AIA location', async () => {
    const log: RevocationFetchRequest[] = [];
    const result = await validator(
      ocspOnly({ ocspUrl: ocsp.url, fetcher: loopbackFetcher({}, log) }),
    ).validate(leaf('rev-good'));
    expect(result.ok).toBe(true);
    expect(log[0]?.url).toBe(ocsp.url);
  });

  test('answers are cached until nextUpdate: a second validation asks nobody', async () => {
    const log: RevocationFetchRequest[] = [];
    const v = validator({ ...ocspOnly(), fetcher: loopbackFetcher({ ocsp: ocsp.url }, log) });
    const first = await v.validate(leaf('rev-revoked'));
    const second = await v.validate(leaf('rev-revoked'));
    expect([first.ok, second.ok]).toEqual([false, false]);
    expect(log).toHaveLength(1);
  });

  test('a certificate without any location is revocation_unknown (not transient)', async () => {
    const result = failure(await validator(ocspOnly()).validate(leaf('rev-nolocation')));
    expect(result.reason).toBe('revocation_unknown');
    expect(result.detail).toMatch(/no responder location/);
    expect(result.transient).toBeUndefined();
  });
});

describe('CRLs (RFC 5280 §6.3)', () => {
  const crlOnly = (extra: Partial<RevocationOptions> = {}): RevocationOptions => ({
    methods: ['crl'],
    fetcher: loopbackFetcher({ crl: crls.origin }),
    ...extra,
  });

  test('downloaded from the distribution points of the leaf and of the intermediate (scope "chain")', async () => {
    const result = await validator(crlOnly()).validate(leaf('rev-good'));
    expect(result.ok).toBe(true);
    expect(result.trace.map((t) => t.checks.some((c) => c.name === 'revocation'))).toEqual([
      true,
      true,
      false,
    ]);
    const revoked = failure(await validator(crlOnly()).validate(leaf('rev-revoked')));
    expect(revoked.reason).toBe('revoked');
    expect(revoked.detail).toMatch(/revoked \(keyCompromise\) per CRL/);
  });

  test('configured CRLs (PEM and DER) are used without downloading', async () => {
    const log: RevocationFetchRequest[] = [];
    const options = crlOnly({
      crls: [revocationFile('int.crl'), pemToDer(revocationFile('root.crl'))],
      fetchCrls: false,
      fetcher: loopbackFetcher({}, log),
    });
    expect((await validator(options).validate(leaf('rev-good'))).ok).toBe(true);
    expect(failure(await validator(options).validate(leaf('rev-revoked'))).reason).toBe('revoked');
    expect(log).toHaveLength(0);
  });

  test('configured CRLs as PEM bytes (readFileSync(path) without an encoding) are read', async () => {
    const options = crlOnly({
      crls: [Buffer.from(revocationFile('int.crl')), Buffer.from(revocationFile('root.crl'))],
      fetchCrls: false,
      fetcher: loopbackFetcher({}, []),
    });
    expect((await validator(options).validate(leaf('rev-good'))).ok).toBe(true);
    expect(failure(await validator(options).validate(leaf('rev-revoked'))).reason).toBe('revoked');
  });

  test('PEM bytes without a CRL block: TypeError', () => {
    expect(() => validator(crlOnly({ crls: [Buffer.from(ROOT)] }))).toThrow(
      /revocation\.crls\[0\] is not a CRL: no PEM "X509 CRL" block found/,
    );
  });

  test('a stale CRL gives no answer: revocation_unknown', async () => {
    const result = failure(
      await validator(
        crlOnly({ crls: [revocationFile('int-expired.crl')], fetchCrls: false, scope: 'leaf' }),
      ).validate(leaf('rev-revoked')),
    );
    expect(result.reason).toBe('revocation_unknown');
    expect(result.detail).toMatch(/CRL stale since 2021-01-01/);
  });

  test('a CRL with the issuer name but another key is refused: revocation_unknown', async () => {
    const result = failure(
      await validator(
        crlOnly({ crls: [revocationFile('int-forged.crl')], fetchCrls: false, scope: 'leaf' }),
      ).validate(leaf('rev-revoked')),
    );
    expect(result.reason).toBe('revocation_unknown');
    expect(result.detail).toMatch(/not signed by the issuing CA/);
  });

  test('a 404 at the distribution point is a transient failure', async () => {
    const result = failure(
      await validator(
        crlOnly({
          scope: 'leaf',
          fetcher: loopbackFetcher({ crl: `${crls.origin}/missing` }),
        }),
      ).validate(leaf('rev-good')),
    );
    expect(result.reason).toBe('revocation_unknown');
    expect(result.transient).toBe(true);
    expect(result.detail).toMatch(/HTTP 404/);
  });

  test('one download is shared by concurrent validations and then cached', async () => {
    const log: RevocationFetchRequest[] = [];
    const v = validator(
      crlOnly({ scope: 'leaf', fetcher: loopbackFetcher({ crl: crls.origin }, log) }),
    );
    const results = await Promise.all([
      v.validate(leaf('rev-good')),
      v.validate(leaf('rev-revoked')),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    await v.validate(leaf('rev-nolocation')).catch(() => undefined);
    expect(log.filter((r) => r.url.endsWith('/int.crl'))).toHaveLength(1);
  });
});

describe('methods in order, and dependency failures', () => {
  test('OCSP first, then the CRL: the intermediate (no OCSP location) is answered by its CRL', async () => {
    const result = await validator({
      fetcher: loopbackFetcher({ ocsp: ocsp.url, crl: crls.origin }),
    }).validate(leaf('rev-good'));
    expect(result.ok).toBe(true);
    expect(result.trace[1]?.checks.at(-1)?.detail).toMatch(/not on the CRL/);
  });

  test('a responder that is down is a transient revocation_unknown', async () => {
    const result = failure(
      await validator({
        methods: ['ocsp'],
        scope: 'leaf',
        ocspUrl: 'http://127.0.0.1:9/',
      }).validate(leaf('rev-good')),
    );
    expect(result.reason).toBe('revocation_unknown');
    expect(result.transient).toBe(true);
  });

  test('a fetcher that never answers is cut off by the timeout', async () => {
    let aborted = false;
    const result = failure(
      await validator({
        methods: ['ocsp'],
        scope: 'leaf',
        timeout: 50,
        fetcher: ({ signal }) =>
          new Promise(() => {
            signal.addEventListener('abort', () => {
              aborted = true;
            });
          }),
      }).validate(leaf('rev-good')),
    );
    expect(result.reason).toBe('revocation_unknown');
    expect(result.transient).toBe(true);
    expect(result.detail).toMatch(/within 50 ms/);
    expect(aborted).toBe(true);
  });

  test('a fetcher that throws, or returns too much or not bytes, fails closed', async () => {
    const run = async (fetcher: RevocationOptions['fetcher']) =>
      failure(
        await validator({
          methods: ['ocsp'],
          scope: 'leaf',
          maxResponseBytes: 16,
          fetcher,
        }).validate(leaf('rev-good')),
      );
    expect((await run(() => Promise.reject(new Error('boom')))).detail).toMatch(/boom/);
    expect((await run(() => Promise.resolve(new Uint8Array(17)))).detail).toMatch(
      /larger than 16 bytes/,
    );
    expect((await run(() => Promise.resolve('text' as unknown as Uint8Array))).detail).toMatch(
      /did not return bytes/,
    );
    expect((await run(() => Promise.resolve(new Uint8Array(4)))).detail).toMatch(
      /malformed response/,
    );
  });
});

describe('revocation options', () => {
  test.each([
    ['methods not a list', { methods: 'ocsp' }, /revocation\.methods must be a non-empty list/],
    ['empty methods', { methods: [] }, /revocation\.methods must be a non-empty list/],
    ['an unknown method', { methods: ['ldap'] }, /revocation\.methods must be a non-empty list/],
    ['crls not an array', { crls: revocationFile('int.crl') }, /revocation\.crls must be an array/],
    [
      'a PEM without a CRL',
      { crls: [ROOT] },
      /revocation\.crls\[0\] is not a CRL: no PEM "X509 CRL" block found/,
    ],
    [
      'a number',
      { crls: [42] },
      /revocation\.crls\[0\] is not a CRL: expected PEM text, PEM bytes or DER bytes/,
    ],
    [
      'bytes that are not a CRL',
      { crls: [Buffer.from([0x30, 0x00])] },
      /revocation\.crls\[0\] is not a CRL: not a CRL/,
    ],
    [
      'an ocspUrl that is not http(s)',
      { ocspUrl: 'ldap://x' },
      /revocation\.ocspUrl must be an http: or https: URL/,
    ],
    ['an ocspUrl that is not a string', { ocspUrl: 42 }, /revocation\.ocspUrl must be/],
    [
      'a fetcher that is not a function',
      { fetcher: 'curl' },
      /revocation\.fetcher must be a function/,
    ],
    [
      'a misspelled option',
      { onUnkown: 'allow' },
      /unknown option "onUnkown"\. Did you mean "onUnknown"\?/,
    ],
    [
      'a bad onUnknown',
      { onUnknown: 'ignore' },
      /"revocation\.onUnknown" must be one of "reject", "allow"/,
    ],
    ['timeout 0', { timeout: 0 }, /"revocation\.timeout" must be an integer ≥ 1/],
  ])('TypeError: %s', (_name, revocation, message) => {
    expect(() => validator(revocation as RevocationOptions)).toThrow(message);
  });
});

describe('CRL downloads: formats and failures', () => {
  let server: CrlServer;
  beforeAll(async () => {
    server = await startCrlServer({
      '/int.crl': Buffer.from(revocationFile('int.crl')),
      '/root.crl': Buffer.from('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n'),
      '/certificate/int.crl': Buffer.from(ROOT),
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  test('a PEM body is accepted; a body that is not a CRL is a non-transient unknown', async () => {
    const v = validator({ methods: ['crl'], fetcher: loopbackFetcher({ crl: server.origin }) });
    const result = failure(await v.validate(leaf('rev-revoked')));
    expect(result.reason).toBe('revoked');
    const good = failure(await v.validate(leaf('rev-good')));
    expect(good.reason).toBe('revocation_unknown');
    expect(good.certificate?.thumbprint).toBe(CHAIN_X5T.get('revocation/rev-int'));
    expect(good.detail).toMatch(/^intermediate: revocation status unknown: CRL: not a CRL/);
    expect(good.transient).toBeUndefined();
  });

  test('a PEM body without a CRL block is not a CRL', async () => {
    const result = failure(
      await validator({
        methods: ['crl'],
        scope: 'leaf',
        fetcher: loopbackFetcher({ crl: `${server.origin}/certificate` }),
      }).validate(leaf('rev-good')),
    );
    expect(result.reason).toBe('revocation_unknown');
    expect(result.detail).toMatch(/CRL: no PEM "X509 CRL" block found$/);
  });

  test('fetchCrls: false and no configured CRL: unknown', async () => {
    const result = failure(
      await validator({ methods: ['crl'], fetchCrls: false, scope: 'leaf' }).validate(
        leaf('rev-good'),
      ),
    );
    expect(result.detail).toMatch(/no CRL for this issuer and no distribution point/);
  });
});

describe('createRevocationChecker() directly', () => {
  test('a malformed location extension gives no location (unknown), never an exception', async () => {
    const subject = certificateInfo(ClientCertificate.from(revocationFile('rev-good.pem')), 2048);
    const issuer = certificateInfo(ClientCertificate.from(INT), 2048);
    const broken = Buffer.from([0x31, 0x00]);
    const extensions = new Map(subject.certificate.extensions);
    for (const oid of ['1.3.6.1.5.5.7.1.1', '2.5.29.31'])
      extensions.set(oid, { critical: false, value: broken });
    const odd = {
      ...subject,
      certificate: { serialNumber: subject.certificate.serialNumber, extensions },
    } as unknown as CertificateInfo;
    const checker = createRevocationChecker({}, 'test()');
    expect(checker).toMatchObject({ scope: 'chain', onUnknown: 'reject' });
    const verdict = await checker.check(odd, issuer, Date.now());
    expect(verdict).toMatchObject({ status: 'unknown', transient: false });
    expect(verdict.detail).toBe(
      'revocation status unknown: OCSP: no responder location; CRL: no CRL for this issuer and no distribution point',
    );
  });
});
