import { clientCertificate } from '../../lib';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { startEchoApp, type RunningApp } from './harness/app';
import { requireProxyBinary } from './harness/binaries';
import { captured } from './harness/captures';
import { FORGED, IDENTITIES, leafOnly } from './harness/clients';
import { fetchEcho, fetchError } from './harness/curl';
import { freePort } from '../../scripts/local-services';
import { withProxyLogs, type ProxyProcess } from './harness/proxy-process';
import { launchApache, makeProxyDir, PKI_PATHS, removeProxyDir } from './harness/proxies';
import { readSample, renderSample } from './harness/template';

const APACHE = requireProxyBinary('Apache httpd', ['apache2', 'httpd']);
const CERT = captured('apache', 'samples/apache/express-mtls.conf', 'x-ssl-cert');
const WATCHED = ['x-ssl-cert', 'x-ssl-client-verify'];

/** SSL_CLIENT_VERIFY under optional_no_ca without a CA file: presented, never verified. */
const SSL_CLIENT_VERIFY = {
  'client-a': 'FAILED:unable to get local issuer certificate',
  'client-b': 'FAILED:unable to verify the first certificate',
  'self-signed': 'FAILED:self-signed certificate',
} as const;

describe('samples/apache', () => {
  const site = readSample('apache', 'express-mtls.conf');

  it('requests any certificate and exports it to mod_headers', () => {
    expect(site).toContain('SSLVerifyClient optional_no_ca');
    expect(site).toContain('SSLOptions +ExportCertData');
  });

  it('sets (replacing client copies) X-SSL-CERT from SSL_CLIENT_CERT', () => {
    expect(site).toContain('RequestHeader set X-SSL-CERT "%{SSL_CLIENT_CERT}s"');
    expect(site).not.toMatch(/RequestHeader (append|add|merge) X-SSL-CERT/i);
  });
});

if (APACHE !== undefined) {
  const binary = APACHE;
  describe.each(EXPRESS_VERSIONS)('Apache httpd in front of %s', (_label, createApp) => {
    let dir: string | undefined;
    let app: RunningApp | undefined;
    let proxy: ProxyProcess | undefined;
    let url = '';
    const live = (name: string, body: () => Promise<void>): void => {
      it(
        name,
        withProxyLogs(() => [proxy], body),
      );
    };

    beforeAll(async () => {
      dir = makeProxyDir('apache');
      const base = { format: 'pem', trustProxy: 'loopback' } as const;
      app = await startEchoApp(
        createApp,
        {
          '/': [clientCertificate(base)],
          '/verified': [
            clientCertificate({
              ...base,
              proxyVerification: {
                header: 'x-ssl-client-verify',
                value: 'SUCCESS',
                onFailure: 'error',
              },
            }),
          ],
        },
        WATCHED,
      );
      const port = await freePort();
      proxy = await launchApache(
        binary,
        dir,
        [
          renderSample('apache', 'express-mtls.conf', {
            LISTEN: `127.0.0.1:${port}`,
            SERVER_NAME: 'localhost',
            SERVER_CERT: PKI_PATHS.serverCert,
            SERVER_KEY: PKI_PATHS.serverKey,
            APP_UPSTREAM: app.upstream,
          }),
        ],
        [{ host: '127.0.0.1', port }],
      );
      url = `https://localhost:${port}`;
    }, 60_000);

    afterAll(async () => {
      await proxy?.stop();
      await app?.close();
      removeProxyDir(dir);
    }, 30_000);

    for (const identity of IDENTITIES) {
      live(`req.clientCert is ${identity}'s certificate (space-folded PEM)`, async () => {
        const echo = await fetchEcho({ url: `${url}/`, identity });
        expect(echo.certificate).toEqual(leafOnly(identity));
        expect(echo.peer).toBe('127.0.0.1');
        expect(echo.headers).toEqual({
          'x-ssl-cert': [CERT[identity]],
          'x-ssl-client-verify': [SSL_CLIENT_VERIFY[identity]],
        });
      });
    }

    live('no certificate: the literal (null) is read as none', async () => {
      const echo = await fetchEcho({ url: `${url}/` });
      expect(echo.certificate).toBeNull();
      expect(echo.headers).toEqual({ 'x-ssl-cert': ['(null)'], 'x-ssl-client-verify': ['NONE'] });
    });

    live('forged copies are replaced by the presented certificate', async () => {
      const echo = await fetchEcho({
        url: `${url}/`,
        identity: 'client-a',
        headers: [
          `X-SSL-CERT: ${FORGED.apachePem}`,
          `x-ssl-cert: ${FORGED.apachePem}`,
          'X-SSL-Client-Verify: SUCCESS',
        ],
      });
      expect(echo.certificate).toEqual(leafOnly('client-a'));
      expect(echo.headers).toEqual({
        'x-ssl-cert': [CERT['client-a']],
        'x-ssl-client-verify': [SSL_CLIENT_VERIFY['client-a']],
      });
    });

    live('forged copies become (null), never a certificate, without one', async () => {
      const echo = await fetchEcho({
        url: `${url}/`,
        headers: [`X-SSL-CERT: ${FORGED.apachePem}`, 'X-SSL-Client-Verify: SUCCESS'],
      });
      expect(echo.certificate).toBeNull();
      expect(echo.headers).toEqual({ 'x-ssl-cert': ['(null)'], 'x-ssl-client-verify': ['NONE'] });
    });

    live(
      'optional_no_ca never verifies: requiring SUCCESS refuses the certificate (403)',
      async () => {
        const { status, error } = await fetchError({
          url: `${url}/verified`,
          identity: 'client-a',
          headers: ['X-SSL-Client-Verify: SUCCESS'],
        });
        expect(status).toBe(403);
        expect(error).toEqual({ code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED', reason: 'rejected' });
      },
    );
  });
}
