import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request } from 'express';
import request from 'supertest';
import {
  ClientCertificate,
  clientCertificate,
  encodeForwardedCertificate,
  type BuiltInFormat,
} from '../../lib';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { pem, X5T_S256 } from '../helpers/fixtures';
import { forwardingFixture, proxyCaptures, RFC9440_X5T } from './support/vectors';
import { FORMAT_NAMES } from '../../lib/forwarding/formats';

/** Every built-in format, from the registry: a new codec is tested here without an edit. */
const FORMATS: readonly BuiltInFormat[] = FORMAT_NAMES;

const CERTIFICATES: readonly (readonly [string, () => ClientCertificate, string, string[]])[] = [
  [
    'client-a with its intermediate',
    () => ClientCertificate.from(pem('client-a-fullchain')),
    X5T_S256['client-a'],
    [X5T_S256['intermediate-ca']],
  ],
  ['client-b alone', () => ClientCertificate.from(pem('client-b')), X5T_S256['client-b'], []],
  [
    'the self-signed RSA client',
    () => ClientCertificate.from(pem('self-signed')),
    X5T_S256['self-signed'],
    [],
  ],
  [
    'a subject with quotes, backslashes, "," and ";" (client-auth/dn-special.pem)',
    () =>
      ClientCertificate.from(
        readFileSync(join(__dirname, '..', 'fixtures', 'client-auth', 'dn-special.pem'), 'utf8'),
      ),
    // openssl x509 -outform DER | openssl dgst -sha256 -binary | base64url
    'hWkmHmggYxr82wt_8jZX4Knshy0xN40LQZBjau1-Dls',
    [],
  ],
  [
    'the RFC 9440 Appendix A chain',
    () => ClientCertificate.from(forwardingFixture('rfc9440/appendix-a-chain.pem')),
    RFC9440_X5T.leaf,
    [RFC9440_X5T.intermediate, RFC9440_X5T.root],
  ],
];

describe('encodeForwardedCertificate()', () => {
  describe.each(EXPRESS_VERSIONS)(
    'round trip through clientCertificate() on %s',
    (_v, createApp) => {
      describe.each(FORMATS)('format %s', (format) => {
        it.each(CERTIFICATES)('%s', async (_what, certificate, leaf, chain) => {
          const app = createApp();
          app.use(clientCertificate({ format, trustProxy: 'loopback' }));
          app.get('/', (req: Request, res) => {
            res.json({
              thumbprint: req.clientCert?.thumbprint,
              chain: req.clientCert?.chain.map((c) => c.thumbprint),
            });
          });
          let call = request(app).get('/');
          for (const [name, value] of Object.entries(
            encodeForwardedCertificate(certificate(), format),
          )) {
            call = call.set(name, value);
          }
          const res = await call;
          expect(res.status).toBe(200);
          expect(res.body).toEqual({ thumbprint: leaf, chain });
        });
      });
    },
  );

  it('writes exactly what the real proxies sent (nginx, Apache, HAProxy)', () => {
    const b = ClientCertificate.from(pem('client-b'));
    const value = (proxy: 'nginx' | 'apache' | 'haproxy', format: string) =>
      proxyCaptures(proxy).find((c) => c.format === format)!.values['client-b'];
    expect(encodeForwardedCertificate(b, 'nginx')).toEqual({
      'x-ssl-cert': value('nginx', 'nginx'),
    });
    expect(encodeForwardedCertificate(b, 'pem')).toEqual({ 'x-ssl-cert': value('apache', 'pem') });
    expect(encodeForwardedCertificate(b, 'der-base64')).toEqual({
      'x-client-cert': value('haproxy', 'der-base64'),
    });
    expect(encodeForwardedCertificate(b, 'rfc9440')).toEqual({
      'client-cert': value('haproxy', 'rfc9440'),
    });
  });

  it('writes the RFC 9440 Appendix A fields exactly', () => {
    const appendix = ClientCertificate.from(forwardingFixture('rfc9440/appendix-a-chain.pem'));
    expect(encodeForwardedCertificate(appendix, 'rfc9440')).toEqual({
      'client-cert': forwardingFixture('rfc9440/client-cert.txt'),
      'client-cert-chain': forwardingFixture('rfc9440/client-cert-chain.txt'),
    });
  });

  it('uses header and chainHeader overrides (lower-cased)', () => {
    const a = ClientCertificate.from(pem('client-a-fullchain'));
    expect(
      Object.keys(
        encodeForwardedCertificate(a, 'rfc9440', {
          header: 'X-Client-Leaf',
          chainHeader: 'X-Client-Chain',
        }),
      ),
    ).toEqual(['x-client-leaf', 'x-client-chain']);
    expect(
      Object.keys(
        encodeForwardedCertificate(a, 'aws-alb', { header: 'X-Amzn-Mtls-Clientcert-Leaf' }),
      ),
    ).toEqual(['x-amzn-mtls-clientcert-leaf']);
  });

  it.each<[string, () => unknown]>([
    [
      'a PEM string instead of a certificate',
      () => encodeForwardedCertificate(pem('client-b') as never, 'nginx'),
    ],
    [
      'an unknown format',
      () =>
        encodeForwardedCertificate(
          ClientCertificate.from(pem('client-b')),
          'envoy' as BuiltInFormat,
        ),
    ],
    [
      'an inherited property as format',
      () =>
        encodeForwardedCertificate(
          ClientCertificate.from(pem('client-b')),
          'toString' as BuiltInFormat,
        ),
    ],
    [
      'a function as format',
      () =>
        encodeForwardedCertificate(ClientCertificate.from(pem('client-b')), (() => []) as never),
    ],
    [
      'an invalid header name',
      () =>
        encodeForwardedCertificate(ClientCertificate.from(pem('client-b')), 'nginx', {
          header: 'x_ssl',
        }),
    ],
    [
      'an invalid chain header name',
      () =>
        encodeForwardedCertificate(ClientCertificate.from(pem('client-b')), 'rfc9440', {
          chainHeader: 'a b',
        }),
    ],
  ])('refuses %s with a TypeError', (_what, call) => {
    expect(call).toThrow(TypeError);
  });
});
