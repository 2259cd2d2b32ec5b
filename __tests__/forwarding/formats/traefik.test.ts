import { ClientCertificate } from '../../../lib';
import { traefikFormat } from '../../../lib/forwarding/formats/traefik';
import { der, pem } from '../../helpers/fixtures';
import { DERIVED, reasonOf } from '../support/vectors';

const LIMITS = { maxCertificates: 10, xfccHops: 1 };
const NEW = DERIVED['traefik-v3-client-a-fullchain']!;
const OLD = DERIVED['traefik-pre-2.9.4-client-a-fullchain']!;

describe('traefik format (X-Forwarded-Tls-Client-Cert)', () => {
  it('has the conventional header', () => {
    expect(traefikFormat.header).toBe('x-forwarded-tls-client-cert');
    expect(traefikFormat.decodeChain).toBeUndefined();
  });

  it('decodes Traefik >= 2.9.4 / v3 values (comma-joined base64 DER, leaf first)', () => {
    expect(traefikFormat.decode(NEW.value, LIMITS)).toEqual([
      der('client-a'),
      der('intermediate-ca'),
    ]);
  });

  it('decodes Traefik < 2.9.4 values (each member also URL-escaped)', () => {
    expect(OLD.value).toMatch(/%2B|%2F|%3D/);
    expect(traefikFormat.decode(OLD.value, LIMITS)).toEqual([
      der('client-a'),
      der('intermediate-ca'),
    ]);
  });

  it('encodes the current Traefik form', () => {
    expect(traefikFormat.encode(ClientCertificate.from(pem('client-a-fullchain')))).toEqual({
      value: NEW.value,
    });
  });

  it.each([
    ['an empty member', `${NEW.value},`],
    ['a member with whitespace', NEW.value.replace(',', ', ')],
    ['base64url', NEW.value.replace(/\+/g, '-')],
    ['missing padding', NEW.value.replace(/=+(?=,|$)/g, '')],
  ])('refuses %s (base64)', (_what, value) => {
    expect(reasonOf(() => traefikFormat.decode(value, LIMITS))).toBe('base64');
  });

  it('refuses a broken escape (percent_encoding)', () => {
    expect(reasonOf(() => traefikFormat.decode('MII%2', LIMITS))).toBe('percent_encoding');
  });

  it('refuses more members than allowed before decoding any (chain_too_long)', () => {
    expect(reasonOf(() => traefikFormat.decode('a,b,c', { maxCertificates: 2, xfccHops: 1 }))).toBe(
      'chain_too_long',
    );
  });
});
