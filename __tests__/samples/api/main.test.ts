import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent } from 'node:https';
import { apiConfigFromEnv, startApi } from '../../../samples/api/main';
import { PKI_DIR } from '../../helpers/fixtures';
import { call } from '../helpers';

describe('samples/api/main', () => {
  const env: NodeJS.ProcessEnv = {
    ISSUER: 'https://as.example.test',
    AUDIENCE: 'https://api.example.test/',
    JWKS_URI: 'https://as.example.test/jwks',
    JWKS_CA_FILE: join(PKI_DIR, 'root-ca.pem'),
    CERT_FORMAT: 'xfcc',
    TRUST_PROXY: '10.0.0.2,10.0.0.3',
    HOST: '127.0.0.1',
    PORT: '0',
  };

  it('reads its configuration from the environment, with defaults', () => {
    const config = apiConfigFromEnv(env);
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 0,
      options: {
        issuer: 'https://as.example.test',
        audience: 'https://api.example.test/',
        jwksUri: 'https://as.example.test/jwks',
        jwksOptions: { agent: expect.any(Agent) },
        certificate: { format: 'xfcc', trustProxy: ['10.0.0.2', '10.0.0.3'] },
      },
    });
    const defaults = apiConfigFromEnv({
      ...env,
      JWKS_CA_FILE: undefined,
      CERT_FORMAT: undefined,
      TRUST_PROXY: undefined,
      HOST: undefined,
      PORT: undefined,
    });
    expect(defaults.port).toBe(5000);
    expect(defaults.host).toBe('127.0.0.1');
    expect(defaults.options.jwksOptions).toBeUndefined();
    expect(defaults.options.certificate).toEqual({ format: 'nginx', trustProxy: ['127.0.0.1'] });
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['no ISSUER', { ISSUER: undefined }, /api: set ISSUER/],
    ['no AUDIENCE', { AUDIENCE: '' }, /api: set AUDIENCE/],
    ['no JWKS_URI', { JWKS_URI: undefined }, /api: set JWKS_URI/],
    ['a bad PORT', { PORT: '-1' }, /PORT must be a port number/],
    ['a missing JWKS_CA_FILE', { JWKS_CA_FILE: '/nonexistent/ca.pem' }, /ENOENT/],
  ])('refuses %s', (_name, change, message) => {
    expect(() => apiConfigFromEnv({ ...env, ...change })).toThrow(message);
  });

  it('starts a working API', async () => {
    const server = await startApi(env);
    try {
      const port = (server.address() as AddressInfo).port;
      const health = await call({ port, tls: false, path: '/health' });
      expect(health.json).toEqual({ status: 'ok' });
      const noToken = await call({ port, tls: false, path: '/payments' });
      expect(noToken.status).toBe(401);
    } finally {
      server.close();
    }
  });

  it('rejects when it cannot listen', async () => {
    await expect(startApi({ ...env, HOST: '192.0.2.1' })).rejects.toThrow(/EADDRNOTAVAIL/);
  });
});
