import { clientCertificate } from '../../lib';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { startEchoApp, type RunningApp } from './harness/app';
import { requireProxyBinary } from './harness/binaries';
import { captured } from './harness/captures';
import { FORGED, IDENTITIES, leafOnly } from './harness/clients';
import { fetchEcho } from './harness/curl';
import { freePort } from '../../scripts/local-services';
import { withProxyLogs, type ProxyProcess } from './harness/proxy-process';
import { launchCaddy, makeProxyDir, PKI_PATHS, removeProxyDir } from './harness/proxies';
import { readSample, renderSample } from './harness/template';

const CADDY = requireProxyBinary('Caddy', ['caddy']);
const CERT = captured('caddy', 'samples/caddy/Caddyfile', 'x-client-cert');
const PLACEHOLDER = '{http.request.tls.client.certificate_der_base64}';

/** The naive configuration the sample avoids: one header_up, no matcher. */
function naiveSite(port: number, upstream: string): string {
  return [
    `https://localhost:${port} {`,
    '\tbind 127.0.0.1',
    `\ttls ${PKI_PATHS.serverCert} ${PKI_PATHS.serverKey} {`,
    '\t\tclient_auth {',
    '\t\t\tmode request',
    '\t\t}',
    '\t}',
    `\treverse_proxy ${upstream} {`,
    `\t\theader_up X-Client-Cert ${PLACEHOLDER}`,
    '\t}',
    '}',
    '',
  ].join('\n');
}
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
    let naiveUrl = '';
    const live = (name: string, body: () => Promise<void>): void => {
      it(
        name,
        withProxyLogs(() => [proxy], body),
      );
    };

    beforeAll(async () => {
      dir = makeProxyDir('caddy');
      app = await startEchoApp(
        createApp,
        { '/': [clientCertificate({ format: 'der-base64', trustProxy: 'loopback' })] },
        WATCHED,
      );
      const [port, naivePort] = [await freePort(), await freePort()];
      const caddyfile = renderSample('caddy', 'Caddyfile', {
        SITE_ADDRESS: `https://localhost:${port}`,
        BIND_HOST: '127.0.0.1',
        SERVER_CERT: PKI_PATHS.serverCert,
        SERVER_KEY: PKI_PATHS.serverKey,
        APP_UPSTREAM: app.upstream,
      });
      proxy = await launchCaddy(
        binary,
        dir,
        `${caddyfile}\n${naiveSite(naivePort, app.upstream)}`,
        [port, naivePort].map((p) => ({ host: '127.0.0.1', port: p })),
      );
      url = `https://localhost:${port}/`;
      naiveUrl = `https://localhost:${naivePort}/`;
    }, 60_000);

    afterAll(async () => {
      await proxy?.stop();
      await app?.close();
      removeProxyDir(dir);
    }, 30_000);

    for (const identity of IDENTITIES) {
      live(`req.clientCert is ${identity}'s certificate`, async () => {
        const echo = await fetchEcho({ url, identity });
        expect(echo.certificate).toEqual(leafOnly(identity));
        expect(echo.peer).toBe('127.0.0.1');
        expect(echo.headers).toEqual({ 'x-client-cert': [CERT[identity]] });
      });
    }

    live('no certificate: no header at all (not the literal placeholder)', async () => {
      const echo = await fetchEcho({ url });
      expect(echo.certificate).toBeNull();
      expect(echo.headers).toEqual({});
    });

    live('forged copies are replaced by the presented certificate', async () => {
      const echo = await fetchEcho({
        url,
        identity: 'client-a',
        headers: [`X-Client-Cert: ${FORGED.derBase64}`, `x-client-cert: ${FORGED.derBase64}`],
      });
      expect(echo.certificate).toEqual(leafOnly('client-a'));
      expect(echo.headers).toEqual({ 'x-client-cert': [CERT['client-a']] });
    });

    live('forged copies never become a certificate when none was presented', async () => {
      const echo = await fetchEcho({ url, headers: [`X-Client-Cert: ${FORGED.derBase64}`] });
      expect(echo.certificate).toBeNull();
      expect(echo.headers).toEqual({});
    });

    describe('the naive header_up configuration (the Caddy 2.6 placeholder trap)', () => {
      live('sends the literal placeholder without a certificate; read as none', async () => {
        const echo = await fetchEcho({
          url: naiveUrl,
          headers: [`X-Client-Cert: ${FORGED.derBase64}`],
        });
        expect(echo.headers).toEqual({ 'x-client-cert': [PLACEHOLDER] });
        expect(echo.certificate).toBeNull();
      });

      live('still forwards a presented certificate', async () => {
        const echo = await fetchEcho({ url: naiveUrl, identity: 'client-b' });
        expect(echo.certificate).toEqual(leafOnly('client-b'));
      });
    });
  });
}
