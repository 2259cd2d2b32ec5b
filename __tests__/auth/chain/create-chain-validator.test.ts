import { X509Certificate } from 'node:crypto';
import { ClientCertificate } from '../../../lib/certificate';
import { createChainValidator, type ChainValidationResult } from '../../../lib/auth/chain';
import * as algorithms from '../../../lib/x509/algorithms';
import { OpensslPki } from '../../hardening/helpers/openssl-pki';
import { rsaPublicKeyInfo, selfNamedWithJunkSignature } from '../../helpers/hostile-certificate';
import { CHAIN_X5T, chainPem } from './chain-fixtures';

const EC_ROOT = chainPem('ec-root');
const EC_INT = chainPem('ec-int');

function leaf(name: string, chain: readonly string[] = ['ec-int']): ClientCertificate {
  return ClientCertificate.from(chainPem(name), { chain: chain.map(chainPem) });
}

function reasonOf(result: ChainValidationResult): string | undefined {
  return result.ok ? undefined : result.reason;
}

function der(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

describe('certificates given as PEM bytes (readFileSync(path) without an encoding)', () => {
  it('trustAnchors and intermediates read PEM bytes, each block of a bundle', async () => {
    const validator = createChainValidator({
      trustAnchors: [Buffer.from(`${EC_ROOT}\n${EC_INT}`)],
    });
    expect((await validator.validate(leaf('ec-leaf', []))).ok).toBe(true);
    const withIntermediates = createChainValidator({
      trustAnchors: [Buffer.from(EC_ROOT)],
      intermediates: [Buffer.from(EC_INT)],
    });
    const result = await withIntermediates.validate(leaf('ec-leaf', []));
    expect(result.ok).toBe(true);
  });

  it('PEM bytes without a certificate: TypeError naming the entry', () => {
    expect(() =>
      createChainValidator(
        { trustAnchors: [Buffer.from('-----BEGIN X509 CRL-----\nAA==\n-----END X509 CRL-----\n')] },
        'f()',
      ),
    ).toThrow(/^f\(\): trustAnchors\[0\] is not a certificate: no PEM CERTIFICATE block found$/);
  });
});

describe('createChainValidator() options', () => {
  test.each([
    ['no trustAnchors', {}, /"trustAnchors" is required/],
    ['trustAnchors not an array', { trustAnchors: EC_ROOT }, /"trustAnchors" must be an array/],
    ['empty trustAnchors', { trustAnchors: [] }, /"trustAnchors" is empty/],
    [
      'a leaf as anchor',
      { trustAnchors: [chainPem('ec-leaf')] },
      /must hold CA certificates.*"CN=ec-leaf,O=express-mtls chains"/,
    ],
    [
      'a leaf as intermediate',
      { trustAnchors: [EC_ROOT], intermediates: [chainPem('ec-leaf')] },
      /intermediates must hold CA certificates/,
    ],
    [
      'text without a certificate',
      { trustAnchors: ['hello'] },
      /trustAnchors\[0\] is not a certificate: no PEM CERTIFICATE block found/,
    ],
    [
      'a broken PEM block',
      { trustAnchors: ['-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----'] },
      /trustAnchors\[0\] is not a certificate: PEM block/,
    ],
    ['an object', { trustAnchors: [{}] }, /expected PEM text, DER bytes or a certificate object/],
    [
      'bytes that are not a certificate',
      { trustAnchors: [Buffer.from([0x30, 0x00])] },
      /trustAnchors\[0\] is not a certificate/,
    ],
    [
      'a clock that is not a function',
      { trustAnchors: [EC_ROOT], clock: new Date() },
      /"clock" must be a function/,
    ],
    [
      'negative clockTolerance',
      { trustAnchors: [EC_ROOT], clockTolerance: -1 },
      /"clockTolerance" must be an integer ≥ 0/,
    ],
    [
      'minRsaKeyBits below 1024',
      { trustAnchors: [EC_ROOT], minRsaKeyBits: 512 },
      /"minRsaKeyBits" must be an integer ≥ 1024/,
    ],
    [
      'a misspelled option',
      { trustAnchors: [EC_ROOT], clockTolerence: 5 },
      /unknown option "clockTolerence"\. Did you mean "clockTolerance"\?/,
    ],
    [
      'an anchor whose name constraints cannot be enforced (registeredID)',
      { trustAnchors: [chainPem('nc/int-rid')] },
      /trustAnchors holds "CN=Permitted registeredID,O=express-mtls nc", whose nameConstraints cannot be enforced: unsupported name form registeredID; every path through it would be refused \(name_constraints\)\./,
    ],
    [
      'a configured intermediate whose name constraints cannot be enforced',
      { trustAnchors: [EC_ROOT], intermediates: [chainPem('nc/int-rid')] },
      /intermediates holds "CN=Permitted registeredID,O=express-mtls nc", whose nameConstraints cannot be enforced/,
    ],
    [
      'bad revocation options',
      { trustAnchors: [EC_ROOT], revocation: { methods: ['crl', 'crl'] } },
      /revocation\.methods must be/,
    ],
  ])('TypeError: %s', (_name, options, message) => {
    expect(() => createChainValidator(options as never, 'myFactory()')).toThrow(TypeError);
    expect(() => createChainValidator(options as never, 'myFactory()')).toThrow(message);
  });

  test('the factory name defaults to createChainValidator', () => {
    expect(() => createChainValidator({} as never)).toThrow(/^createChainValidator: /);
  });

  test('anchors as DER, X509Certificate, ClientCertificate, or several PEM blocks in one string', async () => {
    for (const trustAnchors of [
      [der(EC_ROOT)],
      [new X509Certificate(EC_ROOT)],
      [ClientCertificate.from(EC_ROOT)],
      [chainPem('rsa-root') + EC_ROOT],
    ]) {
      expect((await createChainValidator({ trustAnchors }).validate(leaf('ec-leaf'))).ok).toBe(
        true,
      );
    }
  });

  test('a duplicated anchor counts once', async () => {
    const result = await createChainValidator({ trustAnchors: [EC_ROOT, EC_ROOT] }).validate(
      leaf('ec-leaf'),
    );
    expect(result.ok).toBe(true);
  });

  test('a presented intermediate whose key OpenSSL cannot load is not an issuer: bad_signature', async () => {
    const bytes = der(EC_INT);
    const point = ClientCertificate.from(EC_INT).subjectPublicKeyInfo.subarray(-20);
    const at = bytes.indexOf(point) + 5;
    bytes[at] = (bytes[at] as number) ^ 0xff;
    const result = await createChainValidator({ trustAnchors: [EC_ROOT] }).validate(
      new ClientCertificate(der(chainPem('ec-leaf')), { chain: [bytes] }),
    );
    expect(!result.ok && [result.reason, result.detail]).toEqual([
      'bad_signature',
      'leaf: does not verify with the key of issuer "CN=EC Intermediate,O=express-mtls chains"',
    ]);
  });

  test('a self-issued leaf whose key OpenSSL cannot load is not self-signed: it needs an issuer', async () => {
    const bytes = der(chainPem('self-signed'));
    const point = ClientCertificate.from(chainPem('self-signed')).subjectPublicKeyInfo.subarray(
      -20,
    );
    const at = bytes.indexOf(point) + 5;
    bytes[at] = (bytes[at] as number) ^ 0xff;
    const result = await createChainValidator({ trustAnchors: [EC_ROOT] }).validate(
      new ClientCertificate(bytes),
    );
    expect(reasonOf(result)).toBe('unknown_issuer');
  });

  test('configured intermediates that are also anchors are just anchors', async () => {
    const v = createChainValidator({ trustAnchors: [EC_ROOT, EC_INT], intermediates: [EC_INT] });
    const result = await v.validate(leaf('ec-leaf', []));
    expect(result.ok && result.path.map((c) => c.thumbprint)).toEqual([
      CHAIN_X5T.get('ec-leaf'),
      CHAIN_X5T.get('ec-int'),
    ]);
  });

  test('clockTolerance (seconds) applies to notBefore and notAfter', async () => {
    const justBefore = { now: new Date('2099-12-31T23:59:30Z') };
    const strict = createChainValidator({ trustAnchors: [EC_ROOT] });
    const tolerant = createChainValidator({ trustAnchors: [EC_ROOT], clockTolerance: 60 });
    expect(reasonOf(await strict.validate(leaf('leaf-not-yet-valid'), justBefore))).toBe(
      'not_yet_valid',
    );
    expect((await tolerant.validate(leaf('leaf-not-yet-valid'), justBefore)).ok).toBe(true);
    const anchorsJustAfter = { now: new Date('2124-01-01T00:00:30Z') };
    expect(reasonOf(await strict.validate(leaf('ec-leaf'), anchorsJustAfter))).toBe('expired');
    expect((await tolerant.validate(leaf('ec-leaf'), anchorsJustAfter)).ok).toBe(true);
  });

  test('requireClientAuthEku: false accepts other purposes', async () => {
    const v = createChainValidator({ trustAnchors: [EC_ROOT], requireClientAuthEku: false });
    expect((await v.validate(leaf('leaf-eku-server'))).ok).toBe(true);
    expect((await v.validate(leaf('leaf-ku-keyenc'))).ok).toBe(true);
  });

  test('maxPathDepth bounds the intermediates', async () => {
    const deep = ClientCertificate.from(chainPem('deep-leaf'), { chain: [chainPem('deep-chain')] });
    expect(
      (await createChainValidator({ trustAnchors: [EC_ROOT], maxPathDepth: 9 }).validate(deep)).ok,
    ).toBe(true);
    const none = await createChainValidator({ trustAnchors: [EC_ROOT], maxPathDepth: 0 }).validate(
      leaf('ec-leaf'),
    );
    expect(reasonOf(none)).toBe('path_length_exceeded');
    expect(!none.ok && none.detail).toBe(
      'intermediate: more than 0 intermediate certificates (maxPathDepth)',
    );
  });

  test('minRsaKeyBits', async () => {
    const v = createChainValidator({ trustAnchors: [chainPem('rsa-root')], minRsaKeyBits: 1024 });
    expect((await v.validate(leaf('leaf-rsa1024', ['rsa-int']))).ok).toBe(true);
  });

  test('clock is the default time', async () => {
    const v = createChainValidator({
      trustAnchors: [EC_ROOT],
      clock: () => new Date('2100-06-01T00:00:00Z'),
    });
    expect((await v.validate(leaf('leaf-not-yet-valid'))).ok).toBe(true);
  });
});

describe('results', () => {
  test('a success explains every certificate: roles and checks', async () => {
    const result = await createChainValidator({ trustAnchors: [EC_ROOT] }).validate(
      leaf('ec-leaf'),
    );
    expect(result.ok).toBe(true);
    expect(result.trace.map((t) => [t.role, t.checks.map((c) => c.name)])).toEqual([
      ['leaf', ['signature', 'validity', 'algorithm', 'key', 'critical-extensions', 'purpose']],
      [
        'intermediate',
        [
          'signature',
          'validity',
          'algorithm',
          'key',
          'critical-extensions',
          'ca',
          'path-length',
          'purpose',
        ],
      ],
      ['anchor', ['validity', 'key', 'critical-extensions', 'ca', 'path-length', 'purpose']],
    ]);
    expect(result.trace.every((t) => t.checks.every((c) => c.ok))).toBe(true);
    expect(result.trace[2]?.checks.find((c) => c.name === 'key')?.detail).toBe('EC P-384');
  });

  test('a dead end names the certificate whose issuer is missing, with an issuer check in the trace', async () => {
    const result = await createChainValidator({ trustAnchors: [EC_ROOT] }).validate(
      leaf('ec-leaf', []),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.detail).toMatch(
      /^leaf: no trust anchor or intermediate named "CN=EC Intermediate,O=express-mtls chains" with key identifier [0-9a-f]{40}$/,
    );
    expect(result.trace).toHaveLength(1);
    expect(result.trace[0]?.checks.at(-1)).toMatchObject({
      name: 'issuer',
      ok: false,
      reason: 'unknown_issuer',
    });
  });

  test('a path that fails a check is reported with its whole trace', async () => {
    const result = await createChainValidator({ trustAnchors: [EC_ROOT] }).validate(
      leaf('leaf-under-int-expired', ['int-expired']),
    );
    expect(!result.ok && [result.reason, result.detail]).toEqual([
      'expired',
      'intermediate: expired at 2021-01-01T00:00:00.000Z',
    ]);
    expect(result.trace.map((t) => t.role)).toEqual(['leaf', 'intermediate', 'anchor']);
  });

  test('the presented chain never supplies an anchor, even when it holds a self-signed root', async () => {
    const result = await createChainValidator({ trustAnchors: [EC_ROOT] }).validate(
      leaf('other-leaf', ['other-int', 'other-root']),
    );
    expect(!result.ok && result.detail).toBe(
      'intermediate: self-signed certificate "CN=Other Root,O=elsewhere" is not a trust anchor',
    );
  });
});

test('a certificate whose inner and outer signature algorithms differ: bad_signature', async () => {
  const bytes = der(chainPem('ec-leaf'));
  const sha256 = Buffer.from('06082a8648ce3d040302', 'hex');
  bytes[bytes.lastIndexOf(sha256) + sha256.length - 1] = 0x03;
  const result = await createChainValidator({ trustAnchors: [EC_ROOT] }).validate(
    new ClientCertificate(bytes, { chain: [EC_INT] }),
  );
  expect(!result.ok && [result.reason, result.detail]).toEqual([
    'bad_signature',
    'leaf: inner and outer signature algorithms differ',
  ]);
});

describe('cache', () => {
  test('a result is reused for the same leaf and presented chain', async () => {
    const v = createChainValidator({ trustAnchors: [EC_ROOT] });
    const first = await v.validate(leaf('ec-leaf'));
    expect(await v.validate(leaf('ec-leaf'))).toBe(first);
    expect(await v.validate(leaf('ec-leaf', ['ec-int', 'ec-root']))).not.toBe(first);
  });

  test('cacheSize 0 disables it', async () => {
    const v = createChainValidator({ trustAnchors: [EC_ROOT], cacheSize: 0 });
    expect(await v.validate(leaf('ec-leaf'))).not.toBe(await v.validate(leaf('ec-leaf')));
  });

  test('a cached success is not used before the path was valid, nor after cacheTtl or notAfter', async () => {
    let now = new Date('2100-06-01T00:00:00Z');
    const v = createChainValidator({ trustAnchors: [EC_ROOT], cacheTtl: 60, clock: () => now });
    const future = await v.validate(leaf('leaf-not-yet-valid'));
    expect(future.ok).toBe(true);
    expect(
      reasonOf(
        await v.validate(leaf('leaf-not-yet-valid'), { now: new Date('2050-01-01T00:00:00Z') }),
      ),
    ).toBe('not_yet_valid');
    now = new Date('2100-06-01T00:00:30Z');
    expect(await v.validate(leaf('leaf-not-yet-valid'))).toBe(future);
    now = new Date('2100-06-01T00:01:01Z');
    expect(await v.validate(leaf('leaf-not-yet-valid'))).not.toBe(future);
    expect(
      reasonOf(
        await v.validate(leaf('leaf-not-yet-valid'), { now: new Date('2124-01-02T00:00:00Z') }),
      ),
    ).toBe('expired');
  });
});

describe('key-cost limits (issue #10): no signature is verified with a key that is not verifiable', () => {
  let pki: OpensslPki;
  beforeAll(() => {
    pki = new OpensslPki();
  }, 30_000);
  afterAll(() => {
    pki.remove();
  });

  it('an intermediate on a binary curve (sect571r1) under a trusted P-256 root: weak_key, the leaf link not verified', async () => {
    const root = pki.certificate({ subject: '/CN=Root', key: pki.key('root'), profile: 'ca' });
    const intKey = pki.key('int', 'sect571r1');
    const intermediate = pki.certificate({
      subject: '/CN=Binary Int',
      key: intKey,
      issuer: { certificate: root, key: 'root' },
      profile: 'ca',
    });
    const leafPem = pki.pem(
      pki.certificate({
        subject: '/CN=leaf',
        key: pki.key('leaf'),
        issuer: { certificate: intermediate, key: intKey },
        profile: 'leaf',
      }),
    );
    const validator = createChainValidator({ trustAnchors: [pki.pem(root)] });
    const verify = jest.spyOn(algorithms, 'verifySignature');
    try {
      const result = await validator.validate(
        ClientCertificate.from(leafPem, { chain: [ClientCertificate.from(pki.pem(intermediate))] }),
      );
      expect(reasonOf(result)).toBe('weak_key');
      expect(result.ok ? [] : result.trace[0]?.checks[0]).toMatchObject({
        name: 'signature',
        ok: false,
        reason: 'weak_key',
        detail: 'not verified: the key of issuer "CN=Binary Int" (EC 1.3.132.0.39) is not accepted',
      });
      // the intermediate's own link (by the P-256 root), nothing with the sect571r1 key
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
  });

  it('a self-named leaf whose signature does not verify: its own key is tried once, then the verdict is cached', async () => {
    const validator = createChainValidator({ trustAnchors: [EC_ROOT] });
    const spki = new X509Certificate(EC_ROOT).publicKey.export({ type: 'spki', format: 'der' });
    const junk = ClientCertificate.from(selfNamedWithJunkSignature('junk', spki, 64));
    const verify = jest.spyOn(algorithms, 'verifySignature');
    try {
      for (let i = 0; i < 3; i++) {
        const result = await validator.validate(junk);
        expect(reasonOf(result)).toBe('unknown_issuer');
      }
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
  });

  it('a self-named leaf over an RSA-16384 key: not self-signed, never verified', async () => {
    const validator = createChainValidator({ trustAnchors: [EC_ROOT] });
    const huge = ClientCertificate.from(
      selfNamedWithJunkSignature('huge', rsaPublicKeyInfo(16384, 17), 2048),
    );
    const verify = jest.spyOn(algorithms, 'verifySignature');
    try {
      const result = await validator.validate(huge);
      expect(result).toMatchObject({
        ok: false,
        reason: 'unknown_issuer',
        detail: 'leaf: self-signed certificate "CN=huge" is not a trust anchor',
      });
      expect(verify).not.toHaveBeenCalled();
    } finally {
      verify.mockRestore();
    }
  });
});

describe('EXPRESS_MTLS_VERIFY_OFF_THREAD=on: a new leaf’s first link is verified on the thread pool', () => {
  const saved = process.env.EXPRESS_MTLS_VERIFY_OFF_THREAD;
  beforeAll(() => {
    process.env.EXPRESS_MTLS_VERIFY_OFF_THREAD = 'on';
  });
  afterAll(() => {
    if (saved === undefined) Reflect.deleteProperty(process.env, 'EXPRESS_MTLS_VERIFY_OFF_THREAD');
    else process.env.EXPRESS_MTLS_VERIFY_OFF_THREAD = saved;
  });

  test('with the same verdicts as on the event loop; the search finds the link cached', async () => {
    const onLoop = jest.spyOn(algorithms, 'verifySignature');
    try {
      const ec = createChainValidator({ trustAnchors: [EC_ROOT], intermediates: [EC_INT] });
      const good = await ec.validate(leaf('ec-leaf', []));
      expect(good.ok).toBe(true);
      expect(onLoop).toHaveBeenCalledTimes(1); // the intermediate's link; the leaf's went to the pool
      const rsa = createChainValidator({
        trustAnchors: [chainPem('rsa-root')],
        intermediates: [chainPem('rsa-int')],
      });
      const tampered = await rsa.validate(leaf('leaf-tampered', []));
      expect(reasonOf(tampered)).toBe('bad_signature');
      expect(tampered.ok ? undefined : tampered.trace[0]?.checks[0]).toMatchObject({
        name: 'signature',
        ok: false,
        reason: 'bad_signature',
      });
      expect(onLoop).toHaveBeenCalledTimes(1);
    } finally {
      onLoop.mockRestore();
    }
  });
});
