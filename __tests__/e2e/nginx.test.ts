import type { RequestHandler } from 'express';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { startEchoApp, type RunningApp } from './harness/app';
import { requireProxyBinary } from './harness/binaries';
import { captured } from './harness/captures';
import { FORGED, IDENTITIES } from './harness/clients';
import { curl, fetchEcho } from './harness/curl';
import { freePort } from './harness/ports';
import { withProxyLogs, type ProxyProcess } from './harness/proxy-process';
import { launchNginx, makeProxyDir, PKI_PATHS, removeProxyDir } from './harness/proxies';
import { readSample, renderSample } from './harness/template';

const NGINX = requireProxyBinary('nginx', ['nginx']);
const SAMPLE = 'samples/nginx/express-mtls.conf';
const CERT = captured('nginx', SAMPLE, 'x-ssl-cert');
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

  it('main host: requests no certificate and clears any client copy of X-SSL-CERT', () => {
    const main = serverBlock(twoServers, '{{SERVER_NAME}}');
    expect(main).toContain('proxy_set_header X-SSL-CERT "";');
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

if (NGINX !== undefined) {
  const binary = NGINX;
  describe.each(EXPRESS_VERSIONS)('nginx in front of %s', (_label, createApp) => {
    let dir: string | undefined;
    let app: RunningApp | undefined;
    let proxy: ProxyProcess | undefined;
    let mainUrl = '';
    let mtlsUrl = '';
    let verifyUrl = '';
    let appUrl = '';
    const live = (name: string, body: () => Promise<void>): void => {
      it(
        name,
        withProxyLogs(() => [proxy], body),
      );
    };
    const middleware: RequestHandler[] = [];

    beforeAll(async () => {
      dir = makeProxyDir('nginx');
      app = await startEchoApp(createApp, middleware, WATCHED);
      const [main, mtls, verifyPort] = [await freePort(), await freePort(), await freePort()];
      const common = { SERVER_CERT: PKI_PATHS.serverCert, SERVER_KEY: PKI_PATHS.serverKey };
      proxy = await launchNginx(
        binary,
        dir,
        [
          renderSample('nginx', 'express-mtls.conf', {
            ...common,
            APP_UPSTREAM: app.upstream,
            MAIN_LISTEN: `127.0.0.1:${main}`,
            MTLS_LISTEN: `127.0.0.1:${mtls}`,
            SERVER_NAME: 'localhost',
            MTLS_SERVER_NAME: 'mtls.localhost',
          }),
          renderSample('nginx', 'express-mtls-verify.conf', {
            ...common,
            APP_UPSTREAM: app.upstream,
            MTLS_LISTEN: `127.0.0.1:${verifyPort}`,
            MTLS_SERVER_NAME: 'mtls.localhost',
            CLIENT_CA: PKI_PATHS.clientCa,
          }),
        ],
        [main, mtls, verifyPort].map((port) => ({ host: '127.0.0.1', port })),
      );
      mainUrl = `https://localhost:${main}/`;
      mtlsUrl = `https://mtls.localhost:${mtls}/`;
      verifyUrl = `https://mtls.localhost:${verifyPort}/`;
      appUrl = `http://127.0.0.1:${app.port}/`;
    }, 60_000);

    afterAll(async () => {
      await proxy?.stop();
      await app?.close();
      removeProxyDir(dir);
    }, 30_000);

    describe('MTLS host (optional_no_ca)', () => {
      for (const identity of IDENTITIES) {
        live(`forwards ${identity}'s certificate as nginx sent it`, async () => {
          const echo = await fetchEcho({ url: mtlsUrl, identity });
          expect(echo.peer).toBe('127.0.0.1');
          expect(echo.headers).toEqual({ 'x-ssl-cert': [CERT[identity]] });
        });
      }

      live('sends no header without a client certificate', async () => {
        const echo = await fetchEcho({ url: mtlsUrl });
        expect(echo.headers).toEqual({});
      });

      live('replaces forged copies with the presented certificate', async () => {
        const echo = await fetchEcho({
          url: mtlsUrl,
          identity: 'client-a',
          headers: [`X-SSL-CERT: ${FORGED.nginx}`, `x-ssl-cert: ${FORGED.nginx}`],
        });
        expect(echo.headers).toEqual({ 'x-ssl-cert': [CERT['client-a']] });
      });

      live('drops forged copies when no certificate was presented', async () => {
        const echo = await fetchEcho({ url: mtlsUrl, headers: [`X-SSL-CERT: ${FORGED.nginx}`] });
        expect(echo.headers).toEqual({});
      });
    });

    describe('main host (no client certificates)', () => {
      live('drops a forged X-SSL-CERT', async () => {
        const echo = await fetchEcho({ url: mainUrl, headers: [`X-SSL-CERT: ${FORGED.nginx}`] });
        expect(echo.headers).toEqual({});
      });

      live('drops a forged X-SSL-CERT from a client that holds a certificate', async () => {
        const echo = await fetchEcho({
          url: mainUrl,
          identity: 'client-a',
          headers: [`X-SSL-CERT: ${FORGED.nginx}`],
        });
        expect(echo.headers).toEqual({});
      });
    });

    describe('the app port, reached without the proxy', () => {
      live('a forged header from an untrusted peer (127.0.0.2) reaches Express', async () => {
        const echo = await fetchEcho({
          url: appUrl,
          sourceAddress: '127.0.0.2',
          headers: [`X-SSL-CERT: ${FORGED.nginx}`],
        });
        expect(echo.peer).toBe('127.0.0.2');
        expect(echo.headers).toEqual({ 'x-ssl-cert': [FORGED.nginx] });
      });
    });

    describe('MTLS host verifying against the CA (optional + ssl_client_certificate)', () => {
      live('forwards a verified certificate with X-SSL-Client-Verify: SUCCESS', async () => {
        const echo = await fetchEcho({ url: verifyUrl, identity: 'client-a' });
        expect(echo.headers).toEqual({
          'x-ssl-cert': [CERT['client-a']],
          'x-ssl-client-verify': ['SUCCESS'],
        });
      });

      live('sends X-SSL-Client-Verify: NONE and no certificate without one', async () => {
        const echo = await fetchEcho({ url: verifyUrl });
        expect(echo.headers).toEqual({ 'x-ssl-client-verify': ['NONE'] });
      });

      live('overwrites a forged X-SSL-Client-Verify and drops a forged certificate', async () => {
        const echo = await fetchEcho({
          url: verifyUrl,
          headers: ['X-SSL-Client-Verify: SUCCESS', `X-SSL-CERT: ${FORGED.nginx}`],
        });
        expect(echo.headers).toEqual({ 'x-ssl-client-verify': ['NONE'] });
      });

      for (const identity of ['client-b', 'self-signed'] as const) {
        live(`answers 400 itself for ${identity}, which does not chain to the CA`, async () => {
          const response = await curl({ url: verifyUrl, identity });
          expect(response.status).toBe(400);
          expect(response.body).toContain('The SSL certificate error');
        });
      }
    });
  });
}
