/**
 * What Envoy writes in `x-forwarded-client-cert`, built the way its source builds it: Envoy is
 * not packaged on Debian, so this mirrors `ConnectionManagerUtility::mutateXfccRequestHeader()`
 * (source/common/http/conn_manager_utility.cc) and the helpers it calls — read, not copied:
 *
 * - pairs in this order: one `By=` per URI SAN of Envoy's own certificate, `Hash=` (lower-case
 *   hex SHA-256 of the peer's DER), then the `set_current_client_cert_details` in the order the
 *   HTTP connection manager's config lists them: `Cert`, `Chain`, `Subject`, `URI`, `DNS`;
 * - `Cert="…"` and `Chain="…"` are the PEM with `\n`, space, `+`, `/` and `=` percent-encoded;
 * - `Subject="…"` is quoted (the RFC 2253 name, written as OpenSSL escapes it: here the caller's
 *   text, by default our RFC 4514 subject, which is the same for the names used);
 * - `URI=` and `DNS=` are the SAN bytes **as they are, unquoted** (the source's TODO: "Handle
 *   the special characters in By and URI fields"); `URI=` is written once, empty, when the peer
 *   has no URI SAN; `DNS` is left out when it has none;
 * - pairs are joined with `;`; `SANITIZE_SET` replaces the header with the element,
 *   `APPEND_FORWARD` appends it to the incoming value with `,`.
 */
import { createHash } from 'node:crypto';
import { ClientCertificate } from '../../../lib';

/** `set_current_client_cert_details` of the HTTP connection manager. */
export interface EnvoyDetails {
  readonly cert?: boolean;
  readonly chain?: boolean;
  readonly subject?: boolean;
  readonly uri?: boolean;
  readonly dns?: boolean;
}

/** The sample's configuration (samples/envoy/envoy.yaml before the fix): every detail. */
export const ALL_DETAILS: EnvoyDetails = {
  cert: true,
  chain: true,
  subject: true,
  uri: true,
  dns: true,
};

/** One hop: Envoy's own URI SANs (`By`), the peer's certificate and chain, the details. */
export interface EnvoyHop {
  readonly by?: readonly string[];
  readonly peer: Buffer;
  readonly peerChain?: readonly Buffer[];
  readonly details?: EnvoyDetails;
  /** The subject as Envoy prints it. Default: the certificate's RFC 4514 subject. */
  readonly subject?: string;
}

function pem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Envoy's percent-encoding of PEM text (newline, space, `+`, `/`, `=`). */
function urlEncodedPem(text: string): string {
  const codes: Record<string, string> = {
    '\n': '%0A',
    ' ': '%20',
    '+': '%2B',
    '/': '%2F',
    '=': '%3D',
  };
  return text.replace(/[\n +/=]/g, (c) => codes[c] as string);
}

/** The element one Envoy hop writes about its downstream peer. */
export function envoyElement(hop: EnvoyHop): string {
  const details = hop.details ?? ALL_DETAILS;
  const peer = new ClientCertificate(hop.peer);
  const pairs: string[] = [];
  for (const uri of hop.by ?? []) pairs.push(`By=${uri}`);
  pairs.push(`Hash=${createHash('sha256').update(hop.peer).digest('hex')}`);
  if (details.cert === true) pairs.push(`Cert="${urlEncodedPem(pem(hop.peer))}"`);
  if (details.chain === true) {
    const chain = [hop.peer, ...(hop.peerChain ?? [])].map(pem).join('');
    pairs.push(`Chain="${urlEncodedPem(chain)}"`);
  }
  if (details.subject === true) pairs.push(`Subject="${hop.subject ?? peer.subject}"`);
  if (details.uri === true) {
    const { uri } = peer.subjectAltNames;
    if (uri.length === 0) pairs.push('URI=');
    for (const name of uri) pairs.push(`URI=${name}`);
  }
  if (details.dns === true) {
    for (const name of peer.subjectAltNames.dns) pairs.push(`DNS=${name}`);
  }
  return pairs.join(';');
}

/** `forward_client_cert_details: SANITIZE_SET`: the incoming header is replaced. */
export function sanitizeSet(hop: EnvoyHop): string {
  return envoyElement(hop);
}

/** `forward_client_cert_details: APPEND_FORWARD`: the element is appended with `,`. */
export function appendForward(incoming: string | undefined, hop: EnvoyHop): string {
  const element = envoyElement(hop);
  return incoming === undefined || incoming === '' ? element : `${incoming},${element}`;
}

/** Envoy's percent-encoded PEM of a certificate, as it appears inside `Cert="…"`. */
export function envoyEscapedPem(der: Buffer): string {
  return urlEncodedPem(pem(der));
}
