import { createPublicKey, createSecretKey, X509Certificate } from 'node:crypto';
import { compileJwks, matchRegisteredKeys, publicKeyThumbprint } from '../../lib/auth/client-jwks';
import { ClientRegistrationError } from '../../lib/auth/client-metadata';
import { ClientCertificate } from '../../lib';
import { der, pem } from '../helpers/fixtures';
import {
  CLIENT_AUTH_X5T,
  clientAuthPem,
  rfc8705AppendixAJwk,
  type ClientAuthName,
} from './client-auth-fixtures';

type Jwk = Record<string, unknown>;

/** The public JWK of a certificate's key (node:crypto export), with `x5c` unless told not to. */
function jwkOf(certificatePem: string, withX5c = true): Jwk {
  const x509 = new X509Certificate(certificatePem);
  const jwk = x509.publicKey.export({ format: 'jwk' }) as Jwk;
  return withX5c ? { ...jwk, kid: 'k1', use: 'sig', x5c: [x509.raw.toString('base64')] } : jwk;
}

const fixture = (name: ClientAuthName): ClientCertificate =>
  ClientCertificate.from(clientAuthPem(name));
const rsaSelfSigned = ClientCertificate.from(pem('self-signed'));

describe('publicKeyThumbprint (RFC 7638)', () => {
  it('gives the RFC 7638 §3.1 thumbprint of the RFC example key', () => {
    const key = createPublicKey({
      format: 'jwk',
      key: {
        kty: 'RSA',
        n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
        e: 'AQAB',
      },
    });
    expect(publicKeyThumbprint(key).toString('base64url')).toBe(
      'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    );
  });

  it('refuses key types without a JWK form', () => {
    expect(() => publicKeyThumbprint(fixture('self-signed-rsa-pss').publicKey)).toThrow();
    expect(() => publicKeyThumbprint(createSecretKey(Buffer.from('secret')))).toThrow(
      new TypeError('unsupported key type oct'),
    );
  });
});

describe('compileJwks (RFC 8705 §2.2.2)', () => {
  it.each([[null], [undefined], ['keys'], [{}], [{ keys: {} }]])(
    'refuses %j: invalid_registration',
    (jwks) => {
      let error: unknown;
      try {
        compileJwks(jwks);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ClientRegistrationError);
      expect(error).toMatchObject({
        reason: 'invalid_registration',
        message: 'the JWK Set has no "keys" array',
      });
    },
  );

  it('registers x5c[0] certificates and bare public keys, and lists what it skipped', () => {
    const ec = jwkOf(clientAuthPem('self-signed-ec'));
    const otherKey = jwkOf(clientAuthPem('self-signed-other'), false);
    const compiled = compileJwks({
      keys: [
        jwkOf(pem('self-signed')),
        'not a key',
        { ...ec, x5c: 'MIIB' },
        { ...ec, x5c: [] },
        { ...ec, x5c: ['MIIB-_'] },
        { ...ec, x5c: [Buffer.from('not a certificate').toString('base64')] },
        { ...jwkOf(pem('self-signed')), n: otherKey.n },
        { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' },
        { kty: 'oct', k: 'c2VjcmV0' },
        otherKey,
        { kty: 'EC', x5c: [der('client-a').toString('base64')] },
      ],
    });
    expect(compiled.certificates.map((c) => c.toString('base64url'))).toEqual([
      'yENRGKvLK20U0GjeK4z5rHCaj2HZxmhhJ0__-84WeJA',
      'g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw',
    ]);
    expect(compiled.publicKeys).toHaveLength(1);
    expect(compiled.problems).toEqual([
      'keys[1]: not a JSON object',
      'keys[2]: x5c must be an array of base64 (not base64url) DER certificates',
      'keys[3]: x5c must be an array of base64 (not base64url) DER certificates',
      'keys[4]: x5c must be an array of base64 (not base64url) DER certificates',
      'keys[5]: x5c[0] is not an X.509 certificate',
      "keys[6]: the key in x5c[0] is not the JWK's public key (RFC 7517 §4.7)",
      'keys[7]: not a usable public key',
      'keys[8]: not a usable public key',
    ]);
  });

  it('skips a JWK whose members cannot form a key next to a valid x5c', () => {
    const compiled = compileJwks({ keys: [{ ...jwkOf(pem('self-signed')), n: 42 }] });
    expect(compiled.certificates).toEqual([]);
    expect(compiled.problems).toEqual([
      "keys[0]: the key in x5c[0] is not the JWK's public key (RFC 7517 §4.7)",
    ]);
  });
});

describe('matchRegisteredKeys (RFC 8705 §2.2)', () => {
  const registered = compileJwks({
    keys: [jwkOf(pem('self-signed')), jwkOf(clientAuthPem('self-signed-ec'))],
  });

  it('matches the registered certificates, RSA and EC', () => {
    expect(matchRegisteredKeys(registered, rsaSelfSigned, false)).toBe('certificate');
    expect(matchRegisteredKeys(registered, fixture('self-signed-ec'), false)).toBe('certificate');
  });

  it('does not match another certificate, even with the same subject or the same key', () => {
    expect(matchRegisteredKeys(registered, fixture('self-signed-other'), false)).toBeUndefined();
    expect(matchRegisteredKeys(registered, fixture('self-signed-same-key'), true)).toBeUndefined();
    expect(
      matchRegisteredKeys(registered, ClientCertificate.from(pem('client-a')), true),
    ).toBeUndefined();
  });

  it('matches the RFC 8705 Appendix A certificate with its JWK (Figure 7)', () => {
    const certificate = fixture('rfc8705-appendix-a');
    expect(certificate.thumbprint).toBe(CLIENT_AUTH_X5T['rfc8705-appendix-a']);
    expect(certificate.thumbprint).toBe('A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0');
    const keys = compileJwks({ keys: [rfc8705AppendixAJwk()] });
    expect(keys.problems).toEqual([]);
    expect(matchRegisteredKeys(keys, certificate, false)).toBe('certificate');
    expect(matchRegisteredKeys(keys, fixture('self-signed-ec'), false)).toBeUndefined();
  });

  it('accepts a JWK carrying only kty and x5c', () => {
    const ec = jwkOf(clientAuthPem('self-signed-ec'));
    const keys = compileJwks({ keys: [{ kty: ec.kty, x5c: ec.x5c }] });
    expect(matchRegisteredKeys(keys, fixture('self-signed-ec'), false)).toBe('certificate');
  });

  it('matches a public key without x5c only when allowed', () => {
    const keys = compileJwks({
      keys: [jwkOf(pem('self-signed'), false), jwkOf(clientAuthPem('self-signed-ed25519'), false)],
    });
    expect(matchRegisteredKeys(keys, fixture('self-signed-same-key'), false)).toBeUndefined();
    expect(matchRegisteredKeys(keys, fixture('self-signed-same-key'), true)).toBe('public_key');
    expect(matchRegisteredKeys(keys, rsaSelfSigned, true)).toBe('public_key');
    expect(matchRegisteredKeys(keys, fixture('self-signed-ed25519'), true)).toBe('public_key');
    expect(matchRegisteredKeys(keys, fixture('self-signed-ec'), true)).toBeUndefined();
    expect(matchRegisteredKeys(keys, fixture('self-signed-rsa-pss'), true)).toBeUndefined();
  });

  it('does not look at public keys when none is registered without x5c', () => {
    expect(matchRegisteredKeys(registered, fixture('self-signed-rsa-pss'), true)).toBeUndefined();
  });
});
