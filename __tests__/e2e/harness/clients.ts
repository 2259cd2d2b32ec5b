import { der, pem, X5T_S256 } from '../../helpers/fixtures';
import type { ClientIdentity } from './curl';

/** What the app must see for each identity curl presents (literals from openssl). */
export const EXPECTED: Readonly<
  Record<ClientIdentity, { readonly thumbprint: string; readonly subject: string }>
> = {
  'client-a': {
    thumbprint: X5T_S256['client-a'],
    subject: 'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
  },
  'client-b': {
    thumbprint: X5T_S256['client-b'],
    subject: 'CN=client-b,O=express-mtls tests,C=US',
  },
  'self-signed': { thumbprint: X5T_S256['self-signed'], subject: 'CN=self-signed-client' },
};

/** Identities curl presents in the positive cases of every suite. */
export const IDENTITIES: readonly ClientIdentity[] = ['client-a', 'client-b', 'self-signed'];

/**
 * Forged certificate header values, each a correct encoding of a certificate the client does
 * NOT hold (client-b or the self-signed one): if a proxy let one through, the app would report
 * its thumbprint.
 */
export const FORGED = {
  /** nginx `$ssl_client_escaped_cert` style, client-b. */
  nginx: encodeURIComponent(pem('client-b')),
  /** HAProxy / Caddy style base64 DER, client-b. */
  derBase64: der('client-b').toString('base64'),
  /** RFC 9440 byte sequence, client-b. */
  rfc9440: `:${der('client-b').toString('base64')}:`,
  /** Apache style space-folded PEM, the self-signed certificate. */
  apachePem: pem('self-signed').trim().replace(/\n/g, ' '),
} as const;

/** The thumbprints a forged header would produce if it got through. */
export const FORGED_THUMBPRINTS: readonly string[] = [
  X5T_S256['client-b'],
  X5T_S256['self-signed'],
];

/** `EchoResponse.certificate` for a certificate forwarded alone (every proxy sends the leaf only). */
export function leafOnly(identity: ClientIdentity): {
  thumbprint: string;
  subject: string;
  chainLength: number;
} {
  return { ...EXPECTED[identity], chainLength: 0 };
}
