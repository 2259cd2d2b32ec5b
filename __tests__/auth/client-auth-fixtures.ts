import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Directory of the client-authentication fixtures (see its README.md and make.sh). */
export const CLIENT_AUTH_DIR = join(__dirname, '..', 'fixtures', 'client-auth');

/** Names of the client-authentication fixture certificates. */
export type ClientAuthName =
  | 'dn-multivalued'
  | 'dn-special'
  | 'dn-utf8'
  | 'dn-dotless-i'
  | 'dn-printable'
  | 'dn-utf8string'
  | 'dn-oid'
  | 'san-client'
  | 'san-malformed'
  | 'forged-client-a'
  | 'self-signed-ec'
  | 'self-signed-other'
  | 'self-signed-same-key'
  | 'self-signed-ed25519'
  | 'self-signed-rsa-pss'
  | 'rfc8705-appendix-a';

/** The PEM text of a client-authentication fixture certificate. */
export function clientAuthPem(name: ClientAuthName): string {
  return readFileSync(join(CLIENT_AUTH_DIR, `${name}.pem`), 'utf8');
}

/** The RFC 8705 Appendix A JWK (Figure 7), as committed. */
export function rfc8705AppendixAJwk(): Record<string, unknown> {
  return JSON.parse(
    readFileSync(join(CLIENT_AUTH_DIR, 'rfc8705-appendix-a.jwk.json'), 'utf8'),
  ) as Record<string, unknown>;
}

/** Subjects as printed by `openssl x509 -noout -subject -nameopt RFC2253` (subjects.txt). */
export const OPENSSL_SUBJECTS = {
  'dn-multivalued': 'CN=Jane Doe,UID=jdoe+OU=Engineering,O=Example\\, Inc.,DC=Example,DC=com',
  'dn-special': 'CN=\\#1 a\\,b\\+c\\;d\\<e\\>f\\\\g =h\\ ,O=R&D \\"Labs\\"',
  'dn-utf8': 'CN=J\\C3\\BCrgen Wei\\C3\\9F,O=M\\C3\\BCller & S\\C3\\B6hne GmbH,C=DE',
  'dn-utf8:utf8': 'CN=Jürgen Weiß,O=Müller & Söhne GmbH,C=DE',
  'dn-dotless-i': 'CN=adm\\C4\\B1n,O=express-mtls tests',
  'dn-printable': 'CN=Same Name,O=Example Corp,C=US',
  'dn-utf8string': 'CN=Same Name,O=Example Corp,C=US',
  'dn-oid':
    'CN=\\  Jane   Q.  Public \\ ,emailAddress=Ops@Example.COM,1.3.6.1.4.1.55555.1=#0C0C637573746F6D2076616C7565',
  'san-client': 'CN=san-client,O=express-mtls tests',
  'forged-client-a': 'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
} as const;

/** x5t#S256 values computed by openssl (thumbprints.txt). */
export const CLIENT_AUTH_X5T: Readonly<Record<ClientAuthName, string>> = {
  'dn-multivalued': 'l4Wy4odqodWuRMJoTNY8oxFuqwJB5O6vBd9tZ1_-gvU',
  'dn-special': 'hWkmHmggYxr82wt_8jZX4Knshy0xN40LQZBjau1-Dls',
  'dn-utf8': '1RgALpaHAwTVNx1W8zsAsC9Ru5qifl4vM-BzsNwApfw',
  'dn-dotless-i': 'bZ4dnlI32UZnYG4G3SFmnaDZtfkr-bj-7UJTqJOTnhk',
  'dn-printable': 'JEWsixXrN6bkP4msB91fcER9YJhcWz2GhXmStyvdoDg',
  'dn-utf8string': 'hA4-Gh6exwckoPH-vNLkHU-CuKB3-S0k2fMrS8nATqs',
  'dn-oid': 'twQcb5YQcTX6N3H3keTwGxlG0n-kd0Ijx1EwJtpWM8M',
  'san-client': 'ajeTOF23UefUmiHJc29GGOSB70aTaR0yojYFXQDGOH0',
  'san-malformed': 'o0lqE_dc6xhuWJJLf6nCj8NB8NG6GVCbqPsxKo7Cneo',
  'forged-client-a': 'iQDTmaRSt2HhBwD6et9hdw6jP5uhEqbW4ggqVy8YF-I',
  'self-signed-ec': 'HpQ7qXf4beGOJv0mXQV4AwarPk-5PaC3019sXEVI_9s',
  'self-signed-other': 'HrJD2AAd6-eZ58YPuSIXhe7uvmUm0wQqb44QNwzOGKI',
  'self-signed-same-key': 'rjttfKQWwst3DawfGg9aT-2vQjqJQU6ry2hsV7TTFQk',
  'self-signed-ed25519': 'jH9aju9olKNiE_fSAS19mBO5GhBErpARFlh0vrwDors',
  'self-signed-rsa-pss': 'E2iJnEYmrkPoPJricwJgRBAs8H3IHYnERXPKpi-xpPs',
  'rfc8705-appendix-a': 'A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0',
};
