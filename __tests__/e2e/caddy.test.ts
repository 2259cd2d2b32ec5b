import type { RequestHandler } from 'express';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { startEchoApp, type RunningApp } from './harness/app';
import { requireProxyBinary } from './harness/binaries';
import { captured } from './harness/captures';
import { FORGED, IDENTITIES } from './harness/clients';
import { fetchEcho } from './harness/curl';
import { freePort } from './harness/ports';
import { withProxyLogs, type ProxyProcess } from './harness/proxy-process';
import { launchCaddy, makeProxyDir, PKI_PATHS, removeProxyDir } from './harness/proxies';
import { readSample, renderSample } from './harness/template';

const CADDY = requireProxyBinary('Caddy', ['caddy']);
const CERT = captured('caddy', 'samples/caddy/Caddyfile', 'x-client-cert');
const WATCHED = ['x-client-cert'];

describe('samples/caddy', () => {
  const caddyfile = readSample('caddy', 'Caddyfile');

  it('removes every client copy, then sets the header only when a certificate was presented', () => {
    const remove = caddyfile.indexOf('request_header -X-Client-Cert\n');
    const set = caddyfile.indexOf(
      'request_header @hascert X-Client-Cert {http.request.tls.client.certificate_der_base64}',
    );
    expect(remove).toBeGreaterThan(0);
    expect(set).toBeGreaterThan(remove);
    expect(caddyfile).toContain(
      '@hascert expression {http.request.tls.client.certificate_der_base64} != null',
    );
  });

  it('requests client certificates without verifying them (mode request)', () => {
    expect(caddyfile).toMatch(/client_auth \{\s+#[^\n]*\n\s+mode request\s+\}/);
  });
});

if (CADDY !== undefined) {
  const binary = CADDY;
  describe.each(EXPRESS_VERSIONS)('Caddy in front of %s', (_label, createApp) => {
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
    const middleware: RequestHandler[] = [];

    beforeAll(async () => {
      dir = makeProxyDir('caddy');
      app = await startEchoApp(createApp, middleware, WATCHED);
      const port = await freePort();
      proxy = await launchCaddy(
        binary,
        dir,
        renderSample('caddy', 'Caddyfile', {
          SITE_ADDRESS: `https://localhost:${port}`,
          BIND_HOST: '127.0.0.1',
          SERVER_CERT: PKI_PATHS.serverCert,
          SERVER_KEY: PKI_PATHS.serverKey,
          APP_UPSTREAM: app.upstream,
        }),
        [{ host: '127.0.0.1', port }],
      );
      url = `https://localhost:${port}/`;
    }, 60_000);

    afterAll(async () => {
      await proxy?.stop();
      await app?.close();
      removeProxyDir(dir);
    }, 30_000);

    for (const identity of IDENTITIES) {
      live(`forwards ${identity}'s certificate as base64 DER`, async () => {
        const echo = await fetchEcho({ url, identity });
        expect(echo.peer).toBe('127.0.0.1');
        expect(echo.headers).toEqual({ 'x-client-cert': [CERT[identity]] });
      });
    }

    live('sends no header (not the literal placeholder) without a certificate', async () => {
      const echo = await fetchEcho({ url });
      expect(echo.headers).toEqual({});
    });

    live('replaces forged copies with the presented certificate', async () => {
      const echo = await fetchEcho({
        url,
        identity: 'client-a',
        headers: [`X-Client-Cert: ${FORGED.derBase64}`, `x-client-cert: ${FORGED.derBase64}`],
      });
      expect(echo.headers).toEqual({ 'x-client-cert': [CERT['client-a']] });
    });

    live('removes forged copies when no certificate was presented', async () => {
      const echo = await fetchEcho({ url, headers: [`X-Client-Cert: ${FORGED.derBase64}`] });
      expect(echo.headers).toEqual({});
    });
  });
}
