import { createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';

/** Directory of the binding fixtures (see __tests__/fixtures/binding/README.md). */
export const BINDING_DIR = join(__dirname, '..', '..', 'fixtures', 'binding');

/** Names of the committed signing keys. */
export type KeyName = 'rsa' | 'rsa-other' | 'rsa-1024' | 'ec-p256' | 'ec-p384' | 'ed25519';

/** The PEM text of a private signing key. */
export function privatePem(name: KeyName): string {
  return readFileSync(join(BINDING_DIR, `${name}.key`), 'utf8');
}

/** The PEM text of a public key. */
export function publicPem(name: KeyName): string {
  return readFileSync(join(BINDING_DIR, `${name}.pub.pem`), 'utf8');
}

/** A private KeyObject. */
export function privateKey(name: KeyName): KeyObject {
  return createPrivateKey(privatePem(name));
}

/** A public KeyObject. */
export function publicKey(name: KeyName): KeyObject {
  return createPublicKey(publicPem(name));
}

/** The RFC 8705 Appendix A certificate (PEM). */
export const RFC8705_CERT = readFileSync(join(BINDING_DIR, 'rfc8705-appendix-a.pem'), 'utf8');
/** Its x5t#S256, as printed in RFC 8705 Appendix A (Figure 5) and confirmed by openssl. */
export const RFC8705_X5T = 'A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0';

export const ISSUER = 'https://as.example.test';
export const AUDIENCE = 'https://rs.example.test/';

/** Seconds since the epoch. */
export function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** Standard claims of a valid access token, overridable. */
export function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const t = now();
  return { iss: ISSUER, aud: AUDIENCE, sub: 'client-a', iat: t, exp: t + 300, ...extra };
}

/** Signs with jsonwebtoken (RS/PS/ES/HS and none). */
export function signJwt(
  payload: Record<string, unknown>,
  key: KeyObject | string | Buffer,
  algorithm: jwt.Algorithm,
  header: Record<string, unknown> = {},
): string {
  const defined = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
  return jwt.sign(defined, key as jwt.Secret, {
    algorithm,
    header: { alg: algorithm, ...header },
    // keep iat exactly as given (absent when absent)
    noTimestamp: defined.iat === undefined,
    allowInsecureKeySizes: true,
    allowInvalidAsymmetricKeyTypes: true,
  });
}

function strip(payload: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
}

function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

/** Builds a JWS by hand: header and payload as given, signed with node:crypto (EdDSA etc.). */
export function signRaw(
  header: Record<string, unknown> | string,
  payload: Record<string, unknown> | string,
  signer: ((input: Buffer) => Buffer) | undefined,
): string {
  const input = `${b64url(header)}.${b64url(typeof payload === 'string' ? payload : strip(payload))}`;
  const signature = signer === undefined ? '' : signer(Buffer.from(input)).toString('base64url');
  return `${input}.${signature}`;
}

/** An EdDSA (Ed25519) JWS over the given claims. */
export function signEdDsa(
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  const key = privateKey('ed25519');
  return signRaw({ alg: 'EdDSA', typ: 'JWT', ...header }, payload, (input) =>
    cryptoSign(null, input, key),
  );
}

/** Flips one character of the signature segment. */
export function tamper(token: string): string {
  const last = token.length - 5;
  const c = token[last] === 'A' ? 'B' : 'A';
  return token.slice(0, last) + c + token.slice(last + 1);
}
