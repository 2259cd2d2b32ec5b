import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { prometheusConfigFromEnv, startPrometheusSample } from '../../../samples/prometheus/main';
import { pem, PKI_DIR } from '../../helpers/fixtures';
import { call } from '../helpers';

describe('samples/prometheus/main', () => {
  const env: NodeJS.ProcessEnv = {
    TRUST_ANCHORS_FILE: join(PKI_DIR, 'root-ca.pem'),
    HOST: '127.0.0.1',
    PORT: '0',
  };

  it('reads its configuration from the environment, with defaults', () => {
    const config = prometheusConfigFromEnv({ TRUST_ANCHORS_FILE: join(PKI_DIR, 'root-ca.pem') });
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 9464,
      options: {
        trustAnchors: [pem('root-ca')],
        certificate: { format: 'nginx', trustProxy: ['127.0.0.1'] },
      },
    });
    expect(
      prometheusConfigFromEnv({ ...env, CERT_FORMAT: 'xfcc', TRUST_PROXY: '10.0.0.1, 10.0.0.2' })
        .options.certificate,
    ).toEqual({ format: 'xfcc', trustProxy: ['10.0.0.1', '10.0.0.2'] });
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['no TRUST_ANCHORS_FILE', { TRUST_ANCHORS_FILE: '' }, /set TRUST_ANCHORS_FILE/],
    ['a bad PORT', { PORT: '70000' }, /PORT must be a port number/],
    ['a missing file', { TRUST_ANCHORS_FILE: '/nonexistent/ca.pem' }, /ENOENT/],
  ])('refuses %s', (_name, change, message) => {
    expect(() => prometheusConfigFromEnv({ ...env, ...change })).toThrow(message);
  });

  it('serves the express_mtls series on /metrics over loopback HTTP', async () => {
    const server = await startPrometheusSample(env);
    try {
      const port = (server.address() as AddressInfo).port;
      const cert = encodeURIComponent(pem('client-a') + pem('intermediate-ca'));
      const ok = await call({ port, tls: false, path: '/hello', headers: { 'x-ssl-cert': cert } });
      expect(ok.status).toBe(200);
      const selfSigned = encodeURIComponent(pem('self-signed'));
      const refused = await call({
        port,
        tls: false,
        path: '/hello',
        headers: { 'x-ssl-cert': selfSigned },
      });
      expect(refused.status).toBe(403);
      expect((await call({ port, tls: false, path: '/hello' })).status).toBe(401);

      const scrape = await call({ port, tls: false, path: '/metrics' });
      expect(scrape.status).toBe(200);
      expect(scrape.headers['content-type']).toMatch(/^text\/plain/);
      const lines = scrape.text.split('\n');
      const series = (prefix: string): string[] => lines.filter((l) => l.startsWith(prefix));
      expect(series('express_mtls_decisions_total{')).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^express_mtls_decisions_total\{express_mtls_middleware="requireClientCertificate",express_mtls_outcome="accepted",express_mtls_reason="none",otel_scope_name="express-mtls"\} 1$/,
          ),
          expect.stringMatching(
            /express_mtls_middleware="requireClientCertificate",express_mtls_outcome="rejected",express_mtls_reason="self_signed_not_allowed",otel_scope_name="express-mtls"\} 1$/,
          ),
          expect.stringMatching(
            /express_mtls_middleware="requireClientCertificate",express_mtls_outcome="rejected",express_mtls_reason="ERR_MTLS_CERTIFICATE_REQUIRED",otel_scope_name="express-mtls"\} 1$/,
          ),
        ]),
      );
      expect(series('express_mtls_decision_duration_count{').length).toBeGreaterThan(0);
      const [expiry] = series(
        'express_mtls_client_certificate_soonest_expiry{otel_scope_name="express-mtls"} ',
      );
      const seconds = Number(expiry?.split(' ')[1]);
      expect(
        Math.abs(seconds - (Date.parse('2126-11-01T21:20:06Z') - Date.now()) / 1000),
      ).toBeLessThan(60);
      expect(scrape.text).not.toContain('client-a');
      expect(scrape.text).not.toContain('g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
