import { clientCertificate } from '../../lib';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { captureProcessWarnings } from '../helpers/process-warnings';
import { startEchoApp, type RunningApp } from './harness/app';
import { requireProxyBinary } from './harness/binaries';
import { captured } from './harness/captures';
import { FORGED, IDENTITIES, leafOnly } from './harness/clients';
import { curl, fetchEcho, fetchError } from './harness/curl';
import { freePort } from '../../scripts/local-services';
import { withProxyLogs, type ProxyProcess } from './harness/proxy-process';
import { launchNginx, makeProxyDir, PKI_PATHS, removeProxyDir } from './harness/proxies';
import { readSample, renderSample } from './harness/template';

const NGINX = requireProxyBinary('nginx', ['nginx']);
const SAMPLE = 'samples/nginx/express-mtls.conf';
const CERT = captured('nginx', SAMPLE, 'x-ssl-cert');
const VERIFY = captured('nginx', SAMPLE, 'x-ssl-client-verify');
const WATCHED = ['x-ssl-cert', 'x-ssl-client-verify'];

/** The server blocks of an nginx sample, by server_name placeholder. */
function serverBlock(text: string, serverName: string): string {
  const start = text.indexOf(`server_name ${serverName};`);
  const end = text.indexOf('\n}', start);
  return text.slice(start, end);
}

describe('samples/nginx', () => {
  const twoServers = readSample('nginx', 'express-mtls.conf');
  const verify = readSample('nginx', 'express-mtls-verify.conf');

  it('main host: requests no certificate and clears any client copy of both headers', () => {
    const main = serverBlock(twoServers, '{{SERVER_NAME}}');
    expect(main).toContain('proxy_set_header X-SSL-CERT "";');
    expect(main).toContain('proxy_set_header X-SSL-Client-Verify "";');
    expect(main).not.toContain('ssl_verify_client');
  });

  it('MTLS host: optional_no_ca, and X-SSL-CERT set from $ssl_client_escaped_cert', () => {
    const mtls = serverBlock(twoServers, '{{MTLS_SERVER_NAME}}');
    expect(mtls).toContain('ssl_verify_client optional_no_ca;');
    expect(mtls).toContain('proxy_set_header X-SSL-CERT $ssl_client_escaped_cert;');
  });

  it('verify variant: checks against the CA and forwards $ssl_client_verify', () => {
    expect(verify).toContain('ssl_verify_client optional;');
    expect(verify).toContain('ssl_client_certificate {{CLIENT_CA}};');
    expect(verify).toContain('proxy_set_header X-SSL-Client-Verify $ssl_client_verify;');
  });

  it('never forwards the legacy $ssl_client_cert, which Node refuses', () => {
    const legacy = /^\s*proxy_set_header\s+\S+\s+\$ssl_client_cert;/m;
    expect(twoServers).not.toMatch(legacy);
    expect(verify).not.toMatch(legacy);
    expect('    proxy_set_header X-SSL-CERT $ssl_client_cert;').toMatch(legacy);
  });
});

/**
 * The app trusts only 127.0.0.1, where nginx connects from: `/` reads X-SSL-CERT, `/verified`
 * also requires nginx's own verdict (X-SSL-Client-Verify: SUCCESS).
 */
function routes() {
  const base = { format: 'nginx', trustProxy: '127.0.0.1' } as const;
  return {
    '/': [clientCertificate(base)],
    '/verified': [
      clientCertificate({
        ...base,
        proxyVerification: { header: 'x-ssl-client-verify', value: 'SUCCESS', onFailure: 'error' },
      }),
    ],
  };
}

if (NGINX !== undefined) {
  const binary = NGINX;
  describe.each(EXPRESS_VERSIONS)('nginx in front of %s', (_label, createApp) => {
    let dir: string | undefined;
    let app: RunningApp | undefined;
    let proxy: ProxyProcess | undefined;
    let main = '';
    let mtls = '';
    let verify = '';
    let direct = '';
    const live = (name: string, body: () => Promise<void>): void => {
      it(
        name,
        withProxyLogs(() => [proxy], body),
      );
    };

    beforeAll(async () => {
      dir = makeProxyDir('nginx');
      app = await startEchoApp(createApp, routes(), WATCHED);
      const ports = [await freePort(), await freePort(), await freePort()] as const;
      const common = { SERVER_CERT: PKI_PATHS.serverCert, SERVER_KEY: PKI_PATHS.serverKey };
      proxy = await launchNginx(
        binary,
        dir,
        [
          renderSample('nginx', 'express-mtls.conf', {
            ...common,
            APP_UPSTREAM: app.upstream,
            MAIN_LISTEN: `127.0.0.1:${ports[0]}`,
            MTLS_LISTEN: `127.0.0.1:${ports[1]}`,
            SERVER_NAME: 'localhost',
            MTLS_SERVER_NAME: 'mtls.localhost',
          }),
          renderSample('nginx', 'express-mtls-verify.conf', {
            ...common,
            APP_UPSTREAM: app.upstream,
            MTLS_LISTEN: `127.0.0.1:${ports[2]}`,
            MTLS_SERVER_NAME: 'mtls.localhost',
            CLIENT_CA: PKI_PATHS.clientCa,
          }),
        ],
        ports.map((port) => ({ host: '127.0.0.1', port })),
      );
      main = `https://localhost:${ports[0]}`;
      mtls = `https://mtls.localhost:${ports[1]}`;
      verify = `https://mtls.localhost:${ports[2]}`;
      direct = `http://127.0.0.1:${app.port}`;
    }, 60_000);

    afterAll(async () => {
      await proxy?.stop();
      await app?.close();
      removeProxyDir(dir);
    }, 30_000);

    describe('MTLS host (optional_no_ca)', () => {
      for (const identity of IDENTITIES) {
        live(`req.clientCert is ${identity}'s certificate`, async () => {
          const echo = await fetchEcho({ url: `${mtls}/`, identity });
          expect(echo.certificate).toEqual(leafOnly(identity));
          expect(echo.peer).toBe('127.0.0.1');
          expect(echo.headers).toEqual({
            'x-ssl-cert': [CERT[identity]],
            'x-ssl-client-verify': [VERIFY[identity]],
          });
        });
      }

      live('req.clientCert is undefined without a client certificate', async () => {
        const echo = await fetchEcho({ url: `${mtls}/` });
        expect(echo.certificate).toBeNull();
        expect(echo.headers).toEqual({ 'x-ssl-client-verify': ['NONE'] });
      });

      live('forged copies are replaced by the presented certificate', async () => {
        const echo = await fetchEcho({
          url: `${mtls}/`,
          identity: 'client-a',
          headers: [`X-SSL-CERT: ${FORGED.nginx}`, `x-ssl-cert: ${FORGED.nginx}`],
        });
        expect(echo.certificate).toEqual(leafOnly('client-a'));
        expect(echo.headers['x-ssl-cert']).toEqual([CERT['client-a']]);
      });

      live('a forged copy never becomes a certificate when none was presented', async () => {
        const echo = await fetchEcho({ url: `${mtls}/`, headers: [`X-SSL-CERT: ${FORGED.nginx}`] });
        expect(echo.certificate).toBeNull();
        expect(echo.headers).toEqual({ 'x-ssl-client-verify': ['NONE'] });
      });

      live(
        'a forged X-SSL-Client-Verify: SUCCESS is overwritten: 403 where it is required',
        async () => {
          const { status, error } = await fetchError({
            url: `${mtls}/verified`,
            identity: 'self-signed',
            headers: ['X-SSL-Client-Verify: SUCCESS'],
          });
          expect(status).toBe(403);
          expect(error).toEqual({ code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED', reason: 'rejected' });
        },
      );
    });

    describe('main host (no client certificates)', () => {
      live('a forged X-SSL-CERT never becomes a certificate', async () => {
        const echo = await fetchEcho({
          url: `${main}/`,
          headers: [`X-SSL-CERT: ${FORGED.nginx}`, 'X-SSL-Client-Verify: SUCCESS'],
        });
        expect(echo.certificate).toBeNull();
        expect(echo.headers).toEqual({});
      });

      live('nor from a client that holds a certificate (never asked for it)', async () => {
        const echo = await fetchEcho({
          url: `${main}/`,
          identity: 'client-a',
          headers: [`X-SSL-CERT: ${FORGED.nginx}`],
        });
        expect(echo.certificate).toBeNull();
        expect(echo.headers).toEqual({});
      });
    });

    describe('the app port, reached without nginx', () => {
      live(
        'a forged header from an untrusted peer (127.0.0.2) is ignored, with a warning',
        async () => {
          const warnings = captureProcessWarnings();
          try {
            const echo = await fetchEcho({
              url: `${direct}/`,
              sourceAddress: '127.0.0.2',
              headers: [`X-SSL-CERT: ${FORGED.nginx}`],
            });
            expect(echo.peer).toBe('127.0.0.2');
            expect(echo.headers).toEqual({ 'x-ssl-cert': [FORGED.nginx] });
            expect(echo.certificate).toBeNull();
            expect(warnings.all()).toEqual([
              {
                code: 'MTLS_UNTRUSTED_PEER',
                type: 'ExpressMtlsWarning',
                message: expect.stringContaining(
                  'the x-ssl-cert header arrived from 127.0.0.2, which is not a trusted proxy',
                ) as string,
              },
            ]);
          } finally {
            warnings.restore();
          }
        },
      );

      live(
        'the same header from the trusted address is believed (why the proxy must strip)',
        async () => {
          const echo = await fetchEcho({
            url: `${direct}/`,
            headers: [`X-SSL-CERT: ${FORGED.nginx}`],
          });
          expect(echo.peer).toBe('127.0.0.1');
          expect(echo.certificate).toEqual(leafOnly('client-b'));
        },
      );
    });

    describe('MTLS host verifying against the CA (optional + ssl_client_certificate)', () => {
      live(
        'a verified certificate passes proxyVerification (X-SSL-Client-Verify: SUCCESS)',
        async () => {
          const echo = await fetchEcho({ url: `${verify}/verified`, identity: 'client-a' });
          expect(echo.certificate).toEqual(leafOnly('client-a'));
          expect(echo.headers).toEqual({
            'x-ssl-cert': [CERT['client-a']],
            'x-ssl-client-verify': ['SUCCESS'],
          });
        },
      );

      live('no certificate: X-SSL-Client-Verify: NONE, req.clientCert undefined', async () => {
        const echo = await fetchEcho({ url: `${verify}/verified` });
        expect(echo.certificate).toBeNull();
        expect(echo.headers).toEqual({ 'x-ssl-client-verify': ['NONE'] });
      });

      live('forged verdict and certificate without a client certificate are dropped', async () => {
        const echo = await fetchEcho({
          url: `${verify}/verified`,
          headers: ['X-SSL-Client-Verify: SUCCESS', `X-SSL-CERT: ${FORGED.nginx}`],
        });
        expect(echo.certificate).toBeNull();
        expect(echo.headers).toEqual({ 'x-ssl-client-verify': ['NONE'] });
      });

      for (const identity of ['client-b', 'self-signed'] as const) {
        live(
          `nginx answers 400 itself for ${identity}, which does not chain to the CA`,
          async () => {
            const response = await curl({ url: `${verify}/verified`, identity });
            expect(response.status).toBe(400);
            expect(response.body).toContain('The SSL certificate error');
          },
        );
      }
    });
  });
}
