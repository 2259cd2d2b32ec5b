import { ClientCertificate } from '../../../lib';
import { rfc9440Format } from '../../../lib/forwarding/formats/rfc9440';
import { der, pem } from '../../helpers/fixtures';
import { forwardingFixture, proxyCaptures, reasonOf, RFC9440_X5T, x5t } from '../support/vectors';

const LIMITS = { maxCertificates: 10, xfccHops: 1 };
const CLIENT_CERT = forwardingFixture('rfc9440/client-cert.txt');
const CLIENT_CERT_CHAIN = forwardingFixture('rfc9440/client-cert-chain.txt');
const haproxy = proxyCaptures('haproxy').find((c) => c.format === 'rfc9440')!;

describe('rfc9440 format (Client-Cert / Client-Cert-Chain)', () => {
  it('has the registered header names (RFC 9440 §5)', () => {
    expect(rfc9440Format.header).toBe('client-cert');
    expect(rfc9440Format.chainHeader).toBe('client-cert-chain');
  });

  it('decodes the Appendix A Client-Cert (Figure 2) to the leaf CN=BC', () => {
    expect(rfc9440Format.decode(CLIENT_CERT, LIMITS)?.map(x5t)).toEqual([RFC9440_X5T.leaf]);
  });

  it('decodes the Appendix A Client-Cert-Chain (Figure 3) to intermediate and root', () => {
    expect(rfc9440Format.decodeChain?.(CLIENT_CERT_CHAIN, LIMITS).map(x5t)).toEqual([
      RFC9440_X5T.intermediate,
      RFC9440_X5T.root,
    ]);
  });

  it('decodes what the real HAProxy 2.6 sent (":%[ssl_c_der,base64]:")', () => {
    expect(rfc9440Format.decode(haproxy.values['client-b']!, LIMITS)).toEqual([der('client-b')]);
  });

  it('encodes Client-Cert exactly as Figure 2, and as HAProxy does', () => {
    const appendix = ClientCertificate.from(forwardingFixture('rfc9440/appendix-a-chain.pem'));
    expect(rfc9440Format.encode(appendix)).toEqual({
      value: CLIENT_CERT,
      chain: CLIENT_CERT_CHAIN,
    });
    expect(rfc9440Format.encode(ClientCertificate.from(pem('client-b')))).toEqual({
      value: haproxy.values['client-b'],
      chain: undefined,
    });
  });

  it.each([
    ['a list (Client-Cert is a singleton)', `${CLIENT_CERT}, ${CLIENT_CERT}`, 'structured_field'],
    ['no colons', CLIENT_CERT.slice(1, -1), 'structured_field'],
    ['base64url', CLIENT_CERT.replace(/\//g, '_'), 'base64'],
    ['missing padding', CLIENT_CERT.replace('=:', ':'), 'base64'],
  ])('refuses %s', (_what, value, reason) => {
    expect(reasonOf(() => rfc9440Format.decode(value, LIMITS))).toBe(reason);
  });
});
