import { clientCertificate, requireClientCertificate } from '../../lib';
import { der as derOf, pem as pemOf } from '../helpers/fixtures';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { startEchoApp, type RunningApp } from './harness/app';
import { requireProxyBinary } from './harness/binaries';
import { captured } from './harness/captures';
import { EXPECTED, FORGED, IDENTITIES, leafOnly } from './harness/clients';
import { fetchEcho, fetchError } from './harness/curl';
import { freePort } from '../../scripts/local-services';
import { withProxyLogs, type ProxyProcess } from './harness/proxy-process';
import {
  haproxyCertBundle,
  launchHaproxy,
  makeProxyDir,
  PKI_PATHS,
  removeProxyDir,
} from './harness/proxies';
import { readSample, renderSample } from './harness/template';

const HAPROXY = requireProxyBinary('HAProxy', ['haproxy']);
const SAMPLE = 'samples/haproxy/haproxy.cfg';
const CERT = captured('haproxy', SAMPLE, 'x-client-cert');
/**
 * `ssl_c_verify` with ca-file root-ca.pem: X509_V_OK; X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
 * (client-b sends no intermediate); X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT.
 */
const SSL_C_VERIFY = { 'client-a': '0', 'client-b': '21', 'self-signed': '18' } as const;
const RFC9440 = captured('haproxy', 'samples/haproxy/rfc9440.cfg', 'client-cert');

const CHAIN = captured('haproxy', SAMPLE, 'x-client-cert-chain');
const WATCHED = [
  'x-client-cert',
  'x-client-cert-verify',
  'x-client-cert-chain',
  'client-cert',
  'client-cert-chain',
];

describe('samples/haproxy', () => {
  const main = readSample('haproxy', 'haproxy.cfg');
  const rfc9440 = readSample('haproxy', 'rfc9440.cfg');

  it('deletes every client copy before the conditional set (der-base64)', () => {
    const del = main.indexOf('http-request del-header X-Client-Cert\n');
    const set = main.indexOf('http-request set-header X-Client-Cert %[ssl_c_der,base64] if');
    expect(del).toBeGreaterThan(0);
    expect(set).toBeGreaterThan(del);
  });

  it('deletes every client copy of X-Client-Cert-Chain before setting ssl_c_chain_der', () => {
    const del = main.indexOf('http-request del-header X-Client-Cert-Chain\n');
    const set = main.indexOf(
      'http-request set-header X-Client-Cert-Chain %[ssl_c_chain_der,base64] if { ssl_c_used }',
    );
    expect(del).toBeGreaterThan(0);
    expect(set).toBeGreaterThan(del);
  });

  it('deletes Client-Cert and Client-Cert-Chain before setting an RFC 9440 byte sequence', () => {
    const del = rfc9440.indexOf('http-request del-header Client-Cert\n');
    const delChain = rfc9440.indexOf('http-request del-header Client-Cert-Chain\n');
    const set = rfc9440.indexOf('http-request set-header Client-Cert :%[ssl_c_der,base64]: if');
    expect(del).toBeGreaterThan(0);
    expect(delChain).toBeGreaterThan(0);
    expect(set).toBeGreaterThan(Math.max(del, delChain));
  });
});

if (HAPROXY !== undefined) {
  const binary = HAPROXY;
  describe.each(EXPRESS_VERSIONS)('HAProxy in front of %s', (_label, createApp) => {
    let dir: string | undefined;
    let derApp: RunningApp | undefined;
    let rfcApp: RunningApp | undefined;
    let proxy: ProxyProcess | undefined;
    let der = '';
    let rfc = '';
    const live = (name: string, body: () => Promise<void>): void => {
      it(
        name,
        withProxyLogs(() => [proxy], body),
      );
    };

    beforeAll(async () => {
      dir = makeProxyDir('haproxy');
      const base = { format: 'der-base64', trustProxy: 'loopback' } as const;
      derApp = await startEchoApp(
        createApp,
        {
          '/': [clientCertificate(base)],
          '/chain': [clientCertificate({ ...base, chainHeader: 'x-client-cert-chain' })],
          '/chain-verified': [
            clientCertificate({ ...base, chainHeader: 'x-client-cert-chain' }),
            requireClientCertificate({ trustAnchors: [pemOf('root-ca')] }),
          ],
          '/verified': [
            clientCertificate({
              ...base,
              proxyVerification: { header: 'x-client-cert-verify', value: '0', onFailure: 'error' },
            }),
          ],
        },
        WATCHED,
      );
      rfcApp = await startEchoApp(
        createApp,
        { '/': [clientCertificate({ format: 'rfc9440', trustProxy: 'loopback' })] },
        WATCHED,
      );
      const [derPort, rfcPort] = [await freePort(), await freePort()];
      const tls = { SERVER_CERT_BUNDLE: haproxyCertBundle(dir), CLIENT_CA: PKI_PATHS.clientCa };
      proxy = await launchHaproxy(
        binary,
        dir,
        [
          renderSample('haproxy', 'haproxy.cfg', {
            ...tls,
            LISTEN: `127.0.0.1:${derPort}`,
            APP_UPSTREAM: derApp.upstream,
          }),
          renderSample('haproxy', 'rfc9440.cfg', {
            ...tls,
            LISTEN: `127.0.0.1:${rfcPort}`,
            APP_UPSTREAM: rfcApp.upstream,
          }),
        ],
        [derPort, rfcPort].map((port) => ({ host: '127.0.0.1', port })),
      );
      der = `https://localhost:${derPort}`;
      rfc = `https://localhost:${rfcPort}`;
    }, 60_000);

    afterAll(async () => {
      await proxy?.stop();
      await derApp?.close();
      await rfcApp?.close();
      removeProxyDir(dir);
    }, 30_000);

    describe("X-Client-Cert: %[ssl_c_der,base64] (format 'der-base64')", () => {
      for (const identity of IDENTITIES) {
        live(`req.clientCert is ${identity}'s certificate`, async () => {
          const echo = await fetchEcho({ url: `${der}/`, identity });
          expect(echo.certificate).toEqual(leafOnly(identity));
          expect(echo.peer).toBe('127.0.0.1');
          expect(echo.headers).toEqual({
            'x-client-cert': [CERT[identity]],
            'x-client-cert-verify': [SSL_C_VERIFY[identity]],
            'x-client-cert-chain': [CHAIN[identity]],
          });
        });
      }

      live('req.clientCert is undefined without a client certificate', async () => {
        const echo = await fetchEcho({ url: `${der}/` });
        expect(echo.certificate).toBeNull();
        expect(echo.headers).toEqual({});
      });

      live('forged copies are replaced by the presented certificate', async () => {
        const echo = await fetchEcho({
          url: `${der}/`,
          identity: 'client-a',
          headers: [`X-Client-Cert: ${FORGED.derBase64}`, `x-client-cert: ${FORGED.derBase64}`],
        });
        expect(echo.certificate).toEqual(leafOnly('client-a'));
        expect(echo.headers['x-client-cert']).toEqual([CERT['client-a']]);
      });

      live('forged copies never become a certificate when none was presented', async () => {
        const echo = await fetchEcho({
          url: `${der}/`,
          headers: [`X-Client-Cert: ${FORGED.derBase64}`, 'X-Client-Cert-Verify: 0'],
        });
        expect(echo.certificate).toBeNull();
        expect(echo.headers).toEqual({});
      });
    });

    describe("X-Client-Cert-Chain: %[ssl_c_chain_der,base64] (chainHeader 'x-client-cert-chain')", () => {
      live('req.clientCert.chain is the intermediate client-a sent, and it chains', async () => {
        const echo = await fetchEcho({ url: `${der}/chain`, identity: 'client-a' });
        expect(echo.certificate).toEqual({ ...EXPECTED['client-a'], chainLength: 1 });
        expect(echo.headers['x-client-cert-chain']).toEqual([CHAIN['client-a']]);
        expect(CHAIN['client-a']).toBe(derOf('intermediate-ca').toString('base64'));
        const verified = await fetchEcho({ url: `${der}/chain-verified`, identity: 'client-a' });
        expect(verified.certificate).toEqual({ ...EXPECTED['client-a'], chainLength: 1 });
      });

      for (const identity of ['client-b', 'self-signed'] as const) {
        live(`${identity} sent its leaf alone: an empty chain header, no chain`, async () => {
          const echo = await fetchEcho({ url: `${der}/chain`, identity });
          expect(echo.certificate).toEqual(leafOnly(identity));
          expect(echo.headers['x-client-cert-chain']).toEqual(['']);
          expect(CHAIN[identity]).toBe('');
        });
      }

      live(
        'client-b without its intermediate does not chain to the root: 403 unknown_issuer',
        async () => {
          const { status, error } = await fetchError({
            url: `${der}/chain-verified`,
            identity: 'client-b',
          });
          expect(status).toBe(403);
          expect(error).toEqual({
            code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED',
            reason: 'unknown_issuer',
          });
        },
      );

      live('a forged X-Client-Cert-Chain is removed: client-b still does not chain', async () => {
        const forged = derOf('intermediate-ca').toString('base64');
        const echo = await fetchEcho({
          url: `${der}/chain`,
          identity: 'client-b',
          headers: [`X-Client-Cert-Chain: ${forged}`],
        });
        expect(echo.headers['x-client-cert-chain']).toEqual(['']);
        expect(echo.certificate).toEqual(leafOnly('client-b'));
      });

      live('a forged X-Client-Cert-Chain never arrives without a certificate', async () => {
        const echo = await fetchEcho({
          url: `${der}/chain`,
          headers: [`X-Client-Cert-Chain: ${CHAIN['client-a']}`],
        });
        expect(echo.certificate).toBeNull();
        expect(echo.headers).toEqual({});
      });
    });

    describe("proxyVerification on X-Client-Cert-Verify: %[ssl_c_verify] (value '0')", () => {
      live('a certificate that chained to ca-file is accepted', async () => {
        const echo = await fetchEcho({ url: `${der}/verified`, identity: 'client-a' });
        expect(echo.certificate).toEqual(leafOnly('client-a'));
      });

      for (const identity of ['client-b', 'self-signed'] as const) {
        live(`${identity} (ssl_c_verify ${SSL_C_VERIFY[identity]}) is refused: 403`, async () => {
          const { status, error } = await fetchError({ url: `${der}/verified`, identity });
          expect(status).toBe(403);
          expect(error).toEqual({ code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED', reason: 'rejected' });
        });
      }

      live('a forged X-Client-Cert-Verify: 0 is overwritten: still 403', async () => {
        const { status, error } = await fetchError({
          url: `${der}/verified`,
          identity: 'self-signed',
          headers: ['X-Client-Cert-Verify: 0'],
        });
        expect(status).toBe(403);
        expect(error).toEqual({ code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED', reason: 'rejected' });
      });
    });

    describe("Client-Cert: :%[ssl_c_der,base64]: (format 'rfc9440')", () => {
      for (const identity of IDENTITIES) {
        live(`req.clientCert is ${identity}'s certificate`, async () => {
          const echo = await fetchEcho({ url: `${rfc}/`, identity });
          expect(echo.certificate).toEqual(leafOnly(identity));
          expect(echo.headers).toEqual({ 'client-cert': [RFC9440[identity]] });
        });
      }

      live('req.clientCert is undefined without a client certificate', async () => {
        const echo = await fetchEcho({ url: `${rfc}/` });
        expect(echo.certificate).toBeNull();
        expect(echo.headers).toEqual({});
      });

      live('a forged Client-Cert is replaced and a forged Client-Cert-Chain removed', async () => {
        const echo = await fetchEcho({
          url: `${rfc}/`,
          identity: 'client-a',
          headers: [`Client-Cert: ${FORGED.rfc9440}`, `Client-Cert-Chain: ${FORGED.rfc9440}`],
        });
        expect(echo.certificate).toEqual(leafOnly('client-a'));
        expect(echo.headers).toEqual({ 'client-cert': [RFC9440['client-a']] });
      });

      live('forged fields never become a certificate when none was presented', async () => {
        const echo = await fetchEcho({
          url: `${rfc}/`,
          headers: [`Client-Cert: ${FORGED.rfc9440}`, `Client-Cert-Chain: ${FORGED.rfc9440}`],
        });
        expect(echo.certificate).toBeNull();
        expect(echo.headers).toEqual({});
      });
    });
  });
}
