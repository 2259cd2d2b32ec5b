/**
 * The RFC 5280 rules of issue #14 beyond name constraints, each with its precise outcome through
 * `requireClientCertificate()` and, where OpenSSL judges the rule, agreement with
 * `openssl verify -x509_strict -purpose sslclient`. Every certificate is made by openssl
 * (`x509 -extfile`, `DER:` for the malformed extensions); fractional seconds, which openssl cannot
 * write, are a DER tweak re-signed with node:crypto. Who controls the bytes: the client, through
 * the proxy, controls every byte of the leaf and of the chain it presents; the CA controls the CRL.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorRequestHandler } from 'express';
import request from 'supertest';
import {
  clientCertificate,
  ClientCertificate,
  createChainValidator,
  mtlsErrorHandler,
  requireClientCertificate,
  type MtlsError,
  type RevocationOptions,
} from '../../../lib/index';
import { certificateInfo } from '../../../lib/x509/certificate-info';
import { checkProfile } from '../../../lib/auth/chain/profile';
import { MAX_SELF_ISSUED } from '../../../lib/auth/chain/path-builder';
import { readChildren, readTlv } from '../../../lib/internal/der';
import { EXPRESS_VERSIONS } from '../../helpers/express-versions';
import { tlv } from './der-builders';

let dir: string;

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
}

function read(file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

function key(name: string): void {
  openssl(
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    `${name}.key`,
  );
}

const CA_EXT =
  'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n' +
  'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';
const LEAF_EXT =
  'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n' +
  'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';

/**
 * Issues `<name>.pem` for the key `<keyName>.key` with `subject` and the extension lines `ext`,
 * signed by `<issuer>.pem`/`.key`.
 */
function issue(
  name: string,
  subject: string,
  ext: string,
  issuer: string,
  options: { keyName?: string; serial?: string } = {},
): string {
  const keyName = options.keyName ?? name;
  key(keyName);
  writeFileSync(join(dir, `${name}.ext`), `[e]\n${ext}`);
  openssl('req', '-new', '-key', `${keyName}.key`, '-subj', subject, '-out', `${name}.csr`);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${issuer}.pem`,
    '-CAkey',
    `${issuer}.key`,
    '-set_serial',
    options.serial ?? String(Math.floor(Math.random() * 1e9) + 1000),
    '-days',
    '365',
    '-extfile',
    `${name}.ext`,
    '-extensions',
    'e',
    '-out',
    `${name}.pem`,
  );
  return read(`${name}.pem`);
}

/** Whether `openssl verify -x509_strict -purpose sslclient` accepts `leaf` over `chain`. */
function opensslAccepts(leaf: string, chain: readonly string[], strict = true): boolean {
  writeFileSync(join(dir, 'chain.pem'), chain.map((c) => read(`${c}.pem`)).join(''));
  const result = spawnSync(
    'openssl',
    [
      'verify',
      ...(strict ? ['-x509_strict'] : []),
      '-purpose',
      'sslclient',
      '-CAfile',
      'root.pem',
      ...(chain.length > 0 ? ['-untrusted', 'chain.pem'] : []),
      `${leaf}.pem`,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  return result.status === 0;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'express-mtls-rfc5280-'));
  key('root');
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'root.key',
    '-subj',
    '/CN=Rules Root',
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:true',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    'root.pem',
  );
  issue('int', '/CN=Rules Intermediate', CA_EXT, 'root');
}, 30_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function app(options: { revocation?: RevocationOptions; maxPathDepth?: number } = {}) {
  const [, makeApp] = EXPRESS_VERSIONS[0] as (typeof EXPRESS_VERSIONS)[number];
  const server = makeApp();
  const errors: MtlsError[] = [];
  server.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
  server.get(
    '/api',
    requireClientCertificate({ trustAnchors: [read('root.pem')], ...options }),
    (req, res) => {
      res.json({ dns: req.clientCertAuth?.certificate.subjectAltNames.dns });
    },
  );
  const record: ErrorRequestHandler = (err, _req, _res, next) => {
    errors.push(err as MtlsError);
    next(err);
  };
  server.use(record, mtlsErrorHandler());
  return { server, errors };
}

async function send(
  leaf: string,
  chain: readonly string[] = ['int'],
  options: Parameters<typeof app>[0] = {},
) {
  const { server, errors } = app(options);
  const res = await request(server)
    .get('/api')
    .set('X-SSL-CERT', encodeURIComponent([leaf, ...chain.map((c) => read(`${c}.pem`))].join('')));
  return { res, errors };
}

async function expectRefused(
  leaf: string,
  reason: string,
  detail: RegExp,
  chain?: readonly string[],
  options?: Parameters<typeof app>[0],
): Promise<void> {
  const { res, errors } = await send(leaf, chain, options);
  expect(res.status).toBe(403);
  expect(res.body).toEqual({
    error: 'access_denied',
    error_description: 'client certificate not accepted',
  });
  expect(res.headers['www-authenticate']).toBeUndefined();
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED', status: 403, reason });
  expect(errors[0]?.message).toMatch(detail);
}

describe('RFC 5280 profile rules: profile_violation, as openssl verify -x509_strict judges', () => {
  const CASES: readonly (readonly [string, string, string, RegExp])[] = [
    [
      'authorityKeyIdentifier marked critical (§4.2.1.1)',
      '/CN=aki-critical',
      LEAF_EXT.replace('authorityKeyIdentifier=keyid', 'authorityKeyIdentifier=critical,keyid'),
      /leaf: authorityKeyIdentifier is marked critical \(RFC 5280 §4\.2\.1\.1\)$/,
    ],
    [
      'subjectKeyIdentifier marked critical (§4.2.1.2)',
      '/CN=ski-critical',
      LEAF_EXT.replace('subjectKeyIdentifier=hash', 'subjectKeyIdentifier=critical,hash'),
      /leaf: subjectKeyIdentifier is marked critical/,
    ],
    [
      'authorityInformationAccess marked critical (§4.2.2.1)',
      '/CN=aia-critical',
      `${LEAF_EXT}authorityInfoAccess=critical,OCSP;URI:http://127.0.0.1:9/ocsp\n`,
      /leaf: authorityInfoAccess is marked critical \(RFC 5280 §4\.2\.2\.1\)$/,
    ],
    [
      'a leaf with keyCertSign but cA=FALSE (§4.2.1.3)',
      '/CN=keycertsign-leaf',
      `${LEAF_EXT.replace('keyUsage=digitalSignature', 'keyUsage=digitalSignature,keyCertSign')}basicConstraints=CA:false\n`,
      /leaf: keyUsage asserts keyCertSign but basicConstraints cA is not true/,
    ],
    [
      'a leaf with keyCertSign and no basicConstraints (§4.2.1.3)',
      '/CN=keycertsign-nobc',
      LEAF_EXT.replace('keyUsage=digitalSignature', 'keyUsage=digitalSignature,keyCertSign'),
      /leaf: keyUsage asserts keyCertSign but basicConstraints cA is not true/,
    ],
    [
      'a CA certificate with an empty subject (§4.1.2.6)',
      '/',
      `${LEAF_EXT}basicConstraints=critical,CA:true\nsubjectAltName=critical,DNS:ca.example.com\n`,
      /leaf: CA certificate with an empty subject \(RFC 5280 §4\.1\.2\.6\)$/,
    ],
    [
      'an empty subject with a non-critical subjectAltName (§4.2.1.6)',
      '/',
      `${LEAF_EXT}subjectAltName=DNS:client.example.com\n`,
      /leaf: empty subject with a non-critical subjectAltName \(RFC 5280 §4\.2\.1\.6\)$/,
    ],
    [
      'an empty subject and no subjectAltName (§4.1.2.6)',
      '/',
      LEAF_EXT,
      /leaf: empty subject and no subjectAltName/,
    ],
    [
      'a subjectAltName with no name (§4.2.1.6)',
      '/CN=empty-san',
      `${LEAF_EXT}subjectAltName=DER:3000\n`,
      /leaf: subjectAltName holds no name/,
    ],
    [
      'a subjectAltName that is not DER (an element overruns it)',
      '/CN=broken-san',
      `${LEAF_EXT}subjectAltName=DER:30058201\n`,
      /leaf: subjectAltName cannot be decoded: malformed certificate: element overruns its container$/,
    ],
  ];

  test.each(CASES)(
    '%s: 403 profile_violation, openssl refuses too',
    async (_name, subj, ext, detail) => {
      const name = `p${CASES.findIndex((c) => c[2] === ext)}`;
      const leaf = issue(name, subj, ext, 'int');
      await expectRefused(leaf, 'profile_violation', detail);
      expect(opensslAccepts(name, ['int'])).toBe(false);
    },
  );

  test('controls: an empty subject with a critical subjectAltName is accepted, and by openssl', async () => {
    const leaf = issue(
      'empty-critical-san',
      '/',
      `${LEAF_EXT}subjectAltName=critical,DNS:client.example.com\n`,
      'int',
    );
    const { res } = await send(leaf);
    expect([res.status, res.body]).toEqual([200, { dns: ['client.example.com'] }]);
    expect(opensslAccepts('empty-critical-san', ['int'])).toBe(true);
  });

  test('an iPAddress SAN of 5 octets is refused (openssl accepts it: not judged there)', async () => {
    const leaf = issue(
      'ip5',
      '/CN=ip5',
      `${LEAF_EXT}subjectAltName=DER:300787050102030405\n`,
      'int',
    );
    await expectRefused(
      leaf,
      'profile_violation',
      /leaf: subjectAltName cannot be decoded: malformed certificate: malformed iPAddress SAN$/,
    );
  });

  test('an intermediate that breaks a rule is refused at its place in the path', async () => {
    issue(
      'int-aki-critical',
      '/CN=Rules Intermediate AKI',
      CA_EXT.replace('authorityKeyIdentifier=keyid', 'authorityKeyIdentifier=critical,keyid'),
      'root',
    );
    const leaf = issue('under-aki-critical', '/CN=under', LEAF_EXT, 'int-aki-critical');
    await expectRefused(
      leaf,
      'profile_violation',
      /intermediate: authorityKeyIdentifier is marked critical/,
      ['int-aki-critical'],
    );
    expect(opensslAccepts('under-aki-critical', ['int-aki-critical'])).toBe(false);
  });

  test('a CA with an empty subject, checked alone (its children name an empty issuer)', () => {
    const ca = issue(
      'int-empty',
      '/',
      `${CA_EXT}subjectAltName=critical,DNS:ca.example.com\n`,
      'root',
    );
    const verdict = checkProfile(certificateInfo(ClientCertificate.from(ca), 2048));
    expect(!verdict.ok && verdict.error.message).toBe(
      'CA certificate with an empty subject (RFC 5280 §4.1.2.6)',
    );
    const leaf = issue('under-empty', '/CN=under-empty', LEAF_EXT, 'int-empty');
    const child = checkProfile(certificateInfo(ClientCertificate.from(leaf), 2048));
    expect(!child.ok && child.error.message).toBe('empty issuer name (RFC 5280 §4.1.2.4)');
  });

  test('a conforming leaf passes every profile rule, and openssl -x509_strict agrees', async () => {
    const leaf = issue(
      'good',
      '/CN=good',
      `${LEAF_EXT}subjectAltName=DNS:good.example.com\n`,
      'int',
    );
    expect(checkProfile(certificateInfo(ClientCertificate.from(leaf), 2048))).toEqual({
      ok: true,
      value: 'conforms to the RFC 5280 profile',
    });
    const { res } = await send(leaf);
    expect([res.status, res.body]).toEqual([200, { dns: ['good.example.com'] }]);
    expect(opensslAccepts('good', ['int'])).toBe(true);
  });
});

describe('malformed extensions are refused during validation, never later', () => {
  test.each([
    ['keyUsage', 'keyUsage=critical,DER:03050012345678', /malformed keyUsage/],
    ['extKeyUsage', 'extendedKeyUsage=DER:3000', /empty extKeyUsage/],
    ['basicConstraints', 'basicConstraints=critical,DER:3100', /malformed basicConstraints/],
  ])(
    'a malformed %s: 400 ERR_MTLS_HEADER_MALFORMED (cannot be decoded), openssl refuses too',
    async (_name, line, message) => {
      const name = `bad-${_name}`;
      const base = LEAF_EXT.split('\n')
        .filter((l) => l !== '' && !l.startsWith(line.split('=')[0] as string))
        .join('\n');
      const leaf = issue(name, `/CN=${name}`, `${base}\n${line}\n`, 'int');
      const { res, errors } = await send(leaf);
      expect(res.status).toBe(400);
      expect(errors[0]).toMatchObject({ code: 'ERR_MTLS_HEADER_MALFORMED', status: 400 });
      expect(errors[0]?.message).toMatch(message);
      expect(opensslAccepts(name, ['int'], false)).toBe(false);
    },
  );

  test.each([
    ['authorityKeyIdentifier', '0400', [0x55, 0x1d, 0x23]],
    ['subjectKeyIdentifier', '3000', [0x55, 0x1d, 0x0e]],
  ])(
    'a malformed %s (a DER tweak of an openssl certificate): 400 ERR_MTLS_HEADER_MALFORMED',
    async (name, value, oid) => {
      const base = LEAF_EXT.split('\n')
        .filter((l) => l !== '' && !l.startsWith(name))
        .join('\n');
      const placeholder = issue(
        `bad-${name}`,
        `/CN=bad-${name}`,
        `${base}\n${name}=none\n1.2.3.4=DER:${value}\n`,
        'int',
      );
      const leaf = resigned(placeholder, 'int', (fields) => {
        const at = (fields[7] as Buffer).indexOf(Buffer.from([0x06, 0x03, 0x2a, 0x03, 0x04]));
        expect(at).toBeGreaterThan(0);
        Buffer.from(oid).copy(fields[7] as Buffer, at + 2);
      });
      expect(
        leaf.extensions.get(name === 'authorityKeyIdentifier' ? '2.5.29.35' : '2.5.29.14')?.value,
      ).toEqual(Buffer.from(value, 'hex'));
      const { res, errors } = await send(leaf.pem);
      expect(res.status).toBe(400);
      expect(errors[0]).toMatchObject({ code: 'ERR_MTLS_HEADER_MALFORMED', status: 400 });
      expect(errors[0]?.message).toMatch(new RegExp(`malformed ${name}$`));
    },
  );

  test('a malformed nameConstraints on a leaf: 403 name_constraints', async () => {
    const leaf = issue(
      'bad-nc',
      '/CN=bad-nc',
      `${LEAF_EXT}nameConstraints=critical,DER:3000\n`,
      'int',
    );
    await expectRefused(leaf, 'name_constraints', /malformed NameConstraints|empty/i);
  });

  test('for every certificate validate() accepts, the names a middleware reads never throw', async () => {
    const validator = createChainValidator({
      trustAnchors: [read('root.pem')],
      intermediates: [read('int.pem')],
    });
    const made = [
      issue(
        'n1',
        '/CN=n1',
        `${LEAF_EXT}subjectAltName=DNS:a.example.com,IP:10.0.0.1,URI:spiffe://example.org/a\n`,
        'int',
      ),
      issue('n2', '/CN=n2', `${LEAF_EXT}subjectAltName=DER:30058201\n`, 'int'),
      issue('n3', '/CN=n3', `${LEAF_EXT}subjectAltName=DER:300787050102030405\n`, 'int'),
    ];
    const verdicts: boolean[] = [];
    for (const pem of made) {
      const certificate = ClientCertificate.from(pem);
      const result = await validator.validate(certificate);
      verdicts.push(result.ok);
      if (result.ok) {
        const fresh = ClientCertificate.from(pem);
        expect(() => [
          fresh.subjectAltNames,
          fresh.subject,
          fresh.issuer,
          fresh.spiffeId,
        ]).not.toThrow();
      } else {
        expect(() => ClientCertificate.from(pem).subjectAltNames).toThrow(/malformed/);
      }
    }
    expect(verdicts).toEqual([true, false, false]);
  });
});

describe('serial numbers: zero and negative ones are accepted and compared by value', () => {
  test.each([
    ['zero', '0', '00'],
    ['negative', '-0x0123', '-0123'],
  ])('a leaf with a %s serial validates, as openssl verify judges', async (_kind, serial, text) => {
    const name = `serial${text}`;
    const leaf = issue(name, `/CN=${name}`, LEAF_EXT, 'int', { serial });
    expect(ClientCertificate.from(leaf).serialNumber).toBe(text);
    const { res } = await send(leaf);
    expect(res.status).toBe(200);
    expect(opensslAccepts(name, ['int'], false)).toBe(true);
  });
});

/** `pem` with its TBSCertificate fields rewritten by `edit`, re-signed with `<issuerKey>.key`. */
function resigned(
  pem: string,
  issuerKey: string,
  edit: (fields: Buffer[]) => void,
): ClientCertificate {
  const der = ClientCertificate.from(pem).der;
  const outer = readTlv(der, 0, der.length);
  const [tbs, algorithm] = readChildren(der, outer);
  if (!tbs || !algorithm) throw new Error('not a certificate');
  const fields = readChildren(der, tbs).map((f) => Buffer.from(der.subarray(f.start, f.end)));
  edit(fields);
  const body = tlv(0x30, ...fields);
  const signature = sign('sha256', body, createPrivateKey(read(`${issuerKey}.key`)));
  return new ClientCertificate(
    tlv(0x30, body, der.subarray(algorithm.start, algorithm.end), tlv(0x03, [0], signature)),
  );
}

/** Rewrites the notAfter of `pem` to `time` (a GeneralizedTime) and re-signs it with `issuerKey`. */
function withNotAfter(pem: string, time: string, issuerKey: string): ClientCertificate {
  return resigned(pem, issuerKey, (fields) => {
    const validity = fields[4] as Buffer;
    const [notBefore] = readChildren(validity, readTlv(validity, 0, validity.length));
    fields[4] = tlv(
      0x30,
      validity.subarray(notBefore?.start, notBefore?.end),
      tlv(0x18, Buffer.from(time, 'latin1')),
    );
  });
}

describe('validity: certificate times are whole seconds (RFC 5280 §4.1.2.5)', () => {
  const NOT_AFTER = Date.UTC(2026, 11, 31, 23, 59, 59);

  test('a whole-second notAfter is valid through it and expired 1 ms after', async () => {
    const validator = createChainValidator({
      trustAnchors: [read('root.pem')],
      intermediates: [read('int.pem')],
      cacheSize: 0,
    });
    const pem = issue('whole', '/CN=whole', LEAF_EXT, 'int');
    const leaf = withNotAfter(pem, '20261231235959Z', 'int');
    expect(leaf.notAfter.getTime()).toBe(NOT_AFTER);
    const verdicts = [];
    for (const offset of [0, 1]) {
      const result = await validator.validate(leaf, { now: new Date(NOT_AFTER + offset) });
      verdicts.push(result.ok || result.reason);
    }
    expect(verdicts).toEqual([true, 'expired']);
  });

  test('a notAfter with fractional seconds (RFC 5280 §4.1.2.5.2 forbids them) is refused 400 as undecodable, never "expired"', async () => {
    const leaf = withNotAfter(
      issue('fraction', '/CN=fraction', LEAF_EXT, 'int'),
      '20261231235959.5Z',
      'int',
    );
    const { res, errors } = await send(leaf.pem);
    expect(res.status).toBe(400);
    expect(errors[0]).toMatchObject({ code: 'ERR_MTLS_HEADER_MALFORMED', status: 400 });
    expect(errors[0]?.message).toMatch(/unsupported time encoding$/);
  });
});

describe('maxPathDepth does not count self-issued intermediates (RFC 5280 §6.1.4(l))', () => {
  test('root → CA → its rollover (self-issued) → leaf validates with maxPathDepth 1, not 0', async () => {
    issue('ca1', '/CN=Rollover CA', CA_EXT, 'root');
    issue('ca1-new', '/CN=Rollover CA', CA_EXT, 'ca1');
    const leaf = issue('rolled', '/CN=rolled', LEAF_EXT, 'ca1-new');
    const chain = ['ca1-new', 'ca1'];
    const { res } = await send(leaf, chain, { maxPathDepth: 1 });
    expect(res.status).toBe(200);
    expect(opensslAccepts('rolled', chain)).toBe(true);
    await expectRefused(
      leaf,
      'path_length_exceeded',
      /more than 0 intermediate certificates \(maxPathDepth\)$/,
      chain,
      {
        maxPathDepth: 0,
      },
    );
  });

  test(`maxPathDepth + ${MAX_SELF_ISSUED} intermediates in all: one more self-issued is refused`, async () => {
    let issuer = 'ca1';
    const chain = ['ca1'];
    for (let i = 1; i <= MAX_SELF_ISSUED + 1; i++) {
      issue(`roll${i}`, '/CN=Rollover CA', CA_EXT, issuer);
      issuer = `roll${i}`;
      chain.unshift(issuer);
    }
    const leaf = issue('deep-rolled', '/CN=deep-rolled', LEAF_EXT, issuer);
    await expectRefused(
      leaf,
      'path_length_exceeded',
      new RegExp(
        `more than ${1 + MAX_SELF_ISSUED} intermediate certificates, self-issued ones included`,
      ),
      chain,
      { maxPathDepth: 1 },
    );
    const last = issue('ok-rolled', '/CN=ok-rolled', LEAF_EXT, `roll${MAX_SELF_ISSUED}`);
    const { res } = await send(last, chain.slice(1), { maxPathDepth: 1 });
    expect(res.status).toBe(200);
  });
});

describe('a CRL without a non-critical cRLNumber is unusable: onUnknown applies', () => {
  function crl(name: string, extensions: string): string {
    writeFileSync(join(dir, `${name}.idx`), '');
    const leafSerial = ClientCertificate.from(read('revoked.pem')).serialNumber;
    writeFileSync(
      join(dir, `${name}.idx`),
      `R\t301001010000Z\t250101000000Z,keyCompromise\t${leafSerial}\tunknown\t/CN=revoked\n`,
    );
    writeFileSync(
      join(dir, `${name}.cnf`),
      `[ca]\ndefault_ca = d\n[d]\ndatabase = ${name}.idx\ndefault_md = sha256\ndefault_crl_days = 30\n` +
        (extensions === '' ? '' : `crl_extensions = x\n[x]\n${extensions}\n`),
    );
    openssl(
      'ca',
      '-batch',
      '-config',
      `${name}.cnf`,
      '-cert',
      'int.pem',
      '-keyfile',
      'int.key',
      '-gencrl',
      '-out',
      `${name}.crl`,
    );
    return read(`${name}.crl`);
  }

  test.each([
    ['without a cRLNumber', '', 'CRL without a cRLNumber'],
    [
      'with a critical cRLNumber',
      '2.5.29.20=critical,DER:020201F4',
      'CRL with a critical cRLNumber',
    ],
  ])('a CRL %s listing the leaf', async (_name, extensions, detail) => {
    const leaf = issue('revoked', '/CN=revoked', LEAF_EXT, 'int');
    const list = crl(_name.replace(/\W/g, ''), extensions);
    const base = {
      methods: ['crl'] as const,
      crls: [list],
      fetchCrls: false,
      scope: 'leaf' as const,
    };
    await expectRefused(
      leaf,
      'revocation_unknown',
      new RegExp(`leaf: revocation status unknown: CRL: ${detail}$`),
      ['int'],
      {
        revocation: { ...base, methods: ['crl'], onUnknown: 'reject' },
      },
    );
    const { res } = await send(leaf, ['int'], {
      revocation: { ...base, methods: ['crl'], onUnknown: 'allow' },
    });
    expect(res.status).toBe(200);
  });

  test('the same CRL with a non-critical cRLNumber is authoritative: revoked', async () => {
    const leaf = issue('revoked', '/CN=revoked', LEAF_EXT, 'int');
    const list = crl('numbered', '2.5.29.20=DER:020201F4');
    for (const onUnknown of ['reject', 'allow'] as const) {
      await expectRefused(leaf, 'revoked', /revoked \(keyCompromise\) per CRL$/, ['int'], {
        revocation: { methods: ['crl'], crls: [list], fetchCrls: false, scope: 'leaf', onUnknown },
      });
    }
  });
});
