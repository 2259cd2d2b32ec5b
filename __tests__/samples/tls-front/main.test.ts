import { join } from 'node:path';
import { startTlsFront, tlsFrontConfigFromEnv } from '../../../samples/tls-front/main';
import { PKI_DIR, X5T_S256 } from '../../helpers/fixtures';
import { call, CLIENT_A_WITH_CHAIN, listenHttp } from '../helpers';
import express from 'express';
import { clientCertificate } from '../../../lib';

describe('samples/tls-front/main', () => {
  const env: NodeJS.ProcessEnv = {
    UPSTREAM: 'http://127.0.0.1:3000',
    TLS_CERT_FILE: join(PKI_DIR, 'server-fullchain.pem'),
    TLS_KEY_FILE: join(PKI_DIR, 'server.key'),
    CLIENT_CA_FILE: join(PKI_DIR, 'root-ca.pem'),
    FORMAT: 'der-base64',
    MAIN_LISTEN: '127.0.0.1:0',
    MTLS_LISTEN: '[::1]:8443',
  };

  it('reads its configuration from the environment, with defaults', () => {
    const config = tlsFrontConfigFromEnv(env);
    expect(config.main).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.mtls).toEqual({ host: '::1', port: 8443 });
    expect(config.options.upstream).toBe('http://127.0.0.1:3000');
    expect(config.options.format).toBe('der-base64');
    expect(config.options.ca).toContain('BEGIN CERTIFICATE');
    const defaults = tlsFrontConfigFromEnv({
      ...env,
      CLIENT_CA_FILE: '',
      FORMAT: undefined,
      MAIN_LISTEN: undefined,
      MTLS_LISTEN: undefined,
    });
    expect(defaults.main).toEqual({ host: '127.0.0.1', port: 8443 });
    expect(defaults.mtls).toEqual({ host: '127.0.0.1', port: 9443 });
    expect(defaults.options.format).toBe('rfc9440');
    expect(defaults.options.ca).toBeUndefined();
    expect(tlsFrontConfigFromEnv({ ...env, MAIN_LISTEN: 'off' }).main).toBeUndefined();
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['no UPSTREAM', { UPSTREAM: undefined }, /tls front: set UPSTREAM/],
    ['no TLS_CERT_FILE', { TLS_CERT_FILE: '' }, /set TLS_CERT_FILE/],
    ['no TLS_KEY_FILE', { TLS_KEY_FILE: undefined }, /set TLS_KEY_FILE/],
    [
      'a listen address without port',
      { MAIN_LISTEN: 'localhost' },
      /MAIN_LISTEN must be host:port/,
    ],
    ['a port over 65535', { MTLS_LISTEN: '127.0.0.1:65536' }, /MTLS_LISTEN must be host:port/],
    ['both listeners off', { MAIN_LISTEN: 'off', MTLS_LISTEN: 'off' }, /cannot both be off/],
  ])('refuses %s', (_name, change, message) => {
    expect(() => tlsFrontConfigFromEnv({ ...env, ...change })).toThrow(message);
  });

  it('starts a working front', async () => {
    const app = express();
    app.get(
      '/',
      clientCertificate({ format: 'der-base64', trustProxy: '127.0.0.1' }),
      (req, res) => {
        res.json({ thumbprint: req.clientCert?.thumbprint ?? null });
      },
    );
    const upstream = await listenHttp(app);
    const front = await startTlsFront({
      ...env,
      UPSTREAM: `http://127.0.0.1:${upstream.port}`,
      MTLS_LISTEN: '127.0.0.1:0',
    });
    try {
      const address = front.mtls.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const reply = await call({ port, client: CLIENT_A_WITH_CHAIN });
      expect(reply.json).toEqual({ thumbprint: X5T_S256['client-a'] });
    } finally {
      await front.close();
      await upstream.close();
    }
  });
});
