import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorRequestHandler } from 'express';
import request from 'supertest';
import {
  clientCertificate,
  mtlsErrorHandler,
  requireClientCertificate,
  type MtlsError,
  type RevocationOptions,
} from '../../../lib/index';
import { EXPRESS_VERSIONS } from '../../helpers/express-versions';
import { startOcspResponder, type OcspResponder } from './revocation-servers';

/**
 * Serials that are not plain positive integers (RFC 5280 §4.1.2.2 forbids negative and zero ones
 * but asks relying parties to handle them gracefully): a certificate whose serial is on the CRL or
 * revoked by the responder must be refused `revoked` whatever the encoding of that serial.
 */
const REVOKED = [
  ['negative', '-0x0123', '-0123'],
  ['zero', '0', '00'],
  ['0x00-padded (DER 00 80)', '0x80', '80'],
] as const;
const GOOD = [
  ['positive', '0x05', '05'],
  ['negative', '-0x05', '-05'],
] as const;

let dir: string;
const leaves = new Map<string, string>();
let ca: string;
let crl: string;
let ocsp: OcspResponder;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'express-mtls-serials-'));
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key');
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-subj',
    '/CN=serial-ca',
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:true',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    'ca.pem',
  );
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'leaf.key');
  writeFileSync(join(dir, 'leaf.ext'), 'extendedKeyUsage=clientAuth\n');
  const index: string[] = [];
  for (const [status, list] of [
    ['R', REVOKED],
    ['V', GOOD],
  ] as const) {
    for (const [, serial, text] of list) {
      const name = `leaf${serial}`;
      openssl('req', '-new', '-key', 'leaf.key', '-subj', `/CN=${name}`, '-out', `${name}.csr`);
      // openssl x509 -set_serial writes the serial's minimal DER: fe dd, 00, 00 80, 05, fb.
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        serial,
        '-days',
        '365',
        '-extfile',
        'leaf.ext',
        '-out',
        `${name}.pem`,
      );
      leaves.set(text, readFileSync(join(dir, `${name}.pem`), 'utf8'));
      const revoked = status === 'R' ? '250101000000Z,keyCompromise' : '';
      index.push(`${status}\t301001010000Z\t${revoked}\t${text}\tunknown\t/CN=${name}\n`);
    }
  }
  writeFileSync(join(dir, 'index.txt'), index.join(''));
  writeFileSync(join(dir, 'crlnumber'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\n' +
      'default_md = sha256\ndefault_crl_days = 30\n',
  );
  openssl(
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    'ca.pem',
    '-keyfile',
    'ca.key',
    '-gencrl',
    '-out',
    'ca.crl',
  );
  ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  crl = readFileSync(join(dir, 'ca.crl'), 'utf8');
  ocsp = await startOcspResponder({
    cwd: dir,
    index: 'index.txt',
    signer: 'ca.pem',
    signerKey: 'ca.key',
    ca: 'ca.pem',
  });
}, 30_000);

afterAll(async () => {
  await ocsp.stop();
  rmSync(dir, { recursive: true, force: true });
});

function leaf(text: string): string {
  return leaves.get(text) as string;
}

const methods = (): readonly (readonly [string, RevocationOptions])[] => [
  ['a CRL', { methods: ['crl'], crls: [crl], fetchCrls: false, scope: 'leaf' }],
  ['a real openssl ocsp responder', { methods: ['ocsp'], ocspUrl: ocsp.url, scope: 'leaf' }],
];

describe.each(EXPRESS_VERSIONS)('requireClientCertificate() on %s', (_name, makeApp) => {
  function app(revocation: RevocationOptions) {
    const server = makeApp();
    const errors: MtlsError[] = [];
    server.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
    server.get('/api', requireClientCertificate({ trustAnchors: [ca], revocation }), (req, res) => {
      res.json({ serial: req.clientCertAuth?.certificate.serialNumber });
    });
    const record: ErrorRequestHandler = (err, _req, _res, next) => {
      errors.push(err as MtlsError);
      next(err);
    };
    server.use(record, mtlsErrorHandler());
    return { server, errors };
  }

  describe.each(REVOKED)('a revoked certificate with a %s serial', (_kind, _serial, text) => {
    it(`(${text}) is refused 403 revoked by a CRL and by OCSP`, async () => {
      for (const [method, revocation] of methods()) {
        const { server, errors } = app(revocation);
        const res = await request(server)
          .get('/api')
          .set('X-SSL-CERT', encodeURIComponent(leaf(text)));
        expect([method, res.status]).toEqual([method, 403]);
        expect(res.body).toEqual({
          error: 'access_denied',
          error_description: 'client certificate not accepted',
        });
        expect(res.headers['www-authenticate']).toBeUndefined();
        expect(errors).toHaveLength(1);
        expect([method, errors[0]?.code, errors[0]?.reason]).toEqual([
          method,
          'ERR_MTLS_CERTIFICATE_UNTRUSTED',
          'revoked',
        ]);
      }
    });
  });

  describe.each(GOOD)('a certificate with a %s serial that is not revoked', (_kind, _s, text) => {
    it(`(${text}) is accepted by a CRL and by OCSP`, async () => {
      for (const [method, revocation] of methods()) {
        const res = await request(app(revocation).server)
          .get('/api')
          .set('X-SSL-CERT', encodeURIComponent(leaf(text)));
        expect([method, res.status, res.body]).toEqual([method, 200, { serial: text }]);
      }
    });
  });
});
