import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startTokenServer, tokenServerConfigFromEnv } from '../../../samples/token-server/main';
import { BINDING_DIR } from '../../binding/helpers/keys';
import { call } from '../helpers';
import { ClientCertificate, encodeForwardedCertificate } from '../../../lib';
import { pem, PKI_DIR, X5T_S256 } from '../../helpers/fixtures';

const CLIENTS = JSON.stringify([
  {
    client_id: 'payments-app',
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: 'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
    scope: 'payments:read',
  },
]);

describe('samples/token-server/main', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'express-mtls-token-server-main-'));
    writeFileSync(join(dir, 'clients.json'), CLIENTS);
    writeFileSync(join(dir, 'bad.json'), '[{');
    env = {
      ISSUER: 'https://as.example.test',
      MTLS_BASE_URL: 'https://mtls.as.example.test',
      AUDIENCE: 'https://api.example.test/',
      SIGNING_KEY_FILE: join(BINDING_DIR, 'ec-p256.key'),
      CLIENTS_FILE: join(dir, 'clients.json'),
      TRUST_ANCHORS_FILE: join(PKI_DIR, 'root-ca.pem'),
      CERT_FORMAT: 'rfc9440',
      TRUST_PROXY: '127.0.0.1, ::1',
      PORT: '0',
    };
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads its configuration from the environment, with defaults', () => {
    const config = tokenServerConfigFromEnv(env);
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(0);
    expect(config.options.certificate).toEqual({
      format: 'rfc9440',
      trustProxy: ['127.0.0.1', '::1'],
    });
    expect(config.options.clients).toEqual(JSON.parse(CLIENTS));
    const defaults = tokenServerConfigFromEnv({
      ...env,
      CERT_FORMAT: undefined,
      TRUST_PROXY: undefined,
      TRUST_ANCHORS_FILE: '',
      PORT: undefined,
      HOST: '::1',
    });
    expect(defaults.port).toBe(4000);
    expect(defaults.host).toBe('::1');
    expect(defaults.options.trustAnchors).toBeUndefined();
    expect(defaults.options.certificate).toEqual({ format: 'nginx', trustProxy: ['127.0.0.1'] });
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['no ISSUER', { ISSUER: undefined }, /set ISSUER/],
    ['an empty AUDIENCE', { AUDIENCE: '' }, /set AUDIENCE/],
    [
      'no CLIENTS_FILE',
      { CLIENTS_FILE: undefined },
      /CLIENTS_FILE: token server: set CLIENTS_FILE/,
    ],
    ['a CLIENTS_FILE that is not JSON', { CLIENTS_FILE: 'bad.json' }, /CLIENTS_FILE: /],
    ['a bad PORT', { PORT: '70000' }, /PORT must be a port number/],
    ['a non-numeric PORT', { PORT: 'http' }, /PORT/],
  ])('refuses %s', (_name, change, message) => {
    const changed = { ...env, ...change };
    if (change.CLIENTS_FILE === 'bad.json') changed.CLIENTS_FILE = join(dir, 'bad.json');
    expect(() => tokenServerConfigFromEnv(changed)).toThrow(message);
  });

  it('starts a working token server', async () => {
    const server = await startTokenServer(env);
    try {
      const port = (server.address() as AddressInfo).port;
      const reply = await call({
        port,
        tls: false,
        method: 'POST',
        path: '/token',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...encodeForwardedCertificate(
            ClientCertificate.from(pem('client-a-fullchain')),
            'rfc9440',
          ),
        },
        body: 'grant_type=client_credentials&client_id=payments-app',
      });
      expect(reply.status).toBe(200);
      const payload = JSON.parse(
        Buffer.from(String(reply.json.access_token).split('.')[1] ?? '', 'base64url').toString(),
      ) as { cnf: unknown };
      expect(payload.cnf).toEqual({ 'x5t#S256': X5T_S256['client-a'] });
    } finally {
      server.close();
    }
  });

  it('rejects when it cannot listen', async () => {
    await expect(startTokenServer({ ...env, HOST: '192.0.2.1' })).rejects.toThrow(/EADDRNOTAVAIL/);
  });
});
