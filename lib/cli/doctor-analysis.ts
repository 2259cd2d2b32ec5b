/**
 * The decisions of `express-mtls doctor`, on plain values: which headers of a captured request
 * hold a client certificate, which proxy and format wrote them, and what given
 * `clientCertificate()` options would make of them. No I/O.
 *
 * @packageDocumentation
 */
import { FORMATS } from '../cli-internal';
import type { BuiltInFormat } from '../index';
import { CliError } from './cli-error';
import { decodeInput, type DecodedInput } from './decode-input';

/** Headers of a captured request, by lower-case name, in order. */
export type CapturedHeaders = ReadonlyMap<string, readonly string[]>;

/** Most header lines read from one capture. */
export const MAX_CAPTURE_LINES = 1000;

const REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/\d(?:\.\d)?$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*)$/;

/**
 * Reads the request headers of a capture: a raw HTTP request (headers end at the first empty
 * line), `curl -v` output (request lines start with `> `; `< ` response and `* ` info lines are
 * skipped), or `Name: value` lines from a proxy's debug log. Other lines are ignored.
 *
 * @throws {CliError} when no header line is found.
 */
export function parseCapture(text: string): CapturedHeaders {
  const headers = new Map<string, string[]>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/, MAX_CAPTURE_LINES);
  const curl = lines.some((line) => line.startsWith('> '));
  let seenHeader = false;
  for (const raw of lines) {
    if (curl && !raw.startsWith('>')) continue;
    const line = (curl ? raw.slice(1) : raw).trim();
    if (line === '') {
      if (seenHeader && !curl) break;
      continue;
    }
    if (REQUEST_LINE.test(line)) continue;
    const match = HEADER_LINE.exec(line);
    if (match === null) continue;
    seenHeader = true;
    const name = (match[1] as string).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), (match[2] as string).trim()]);
  }
  if (headers.size === 0) {
    throw new CliError(
      'no request header found in the capture',
      'Give a raw HTTP request, "curl -v" output (lines starting with "> ") or "Name: value" lines.',
    );
  }
  return headers;
}

/** Which proxy or platform conventionally writes a certificate header, by header and format. */
const SOURCES: readonly {
  readonly header: string;
  readonly format: BuiltInFormat;
  readonly proxy: string;
}[] = [
  { header: 'x-ssl-cert', format: 'nginx', proxy: 'nginx ($ssl_client_escaped_cert)' },
  { header: 'x-ssl-cert', format: 'pem', proxy: 'Apache httpd (SSL_CLIENT_CERT)' },
  { header: 'x-client-cert', format: 'der-base64', proxy: 'HAProxy (ssl_c_der,base64) or Caddy' },
  {
    header: 'x-client-cert-chain',
    format: 'der-base64',
    proxy: 'HAProxy (ssl_c_chain_der,base64)',
  },
  { header: 'client-cert', format: 'rfc9440', proxy: 'an RFC 9440 proxy (HAProxy, Cloudflare, …)' },
  { header: 'x-forwarded-client-cert', format: 'xfcc', proxy: 'Envoy / Istio' },
  { header: 'x-amzn-mtls-clientcert-leaf', format: 'aws-alb', proxy: 'AWS ALB (verify mode)' },
  { header: 'x-amzn-mtls-clientcert', format: 'aws-alb', proxy: 'AWS ALB (passthrough mode)' },
  { header: 'x-forwarded-tls-client-cert', format: 'traefik', proxy: 'Traefik' },
  { header: 'x-arr-clientcert', format: 'der-base64', proxy: 'Azure App Service' },
  { header: 'cf-client-cert-der-base64', format: 'der-base64', proxy: 'Cloudflare Access' },
];

/** A header of the capture that holds certificates. */
export interface FoundCertificateHeader {
  readonly header: string;
  readonly format: BuiltInFormat;
  /** The proxy that writes this header in this format, when it is a known convention. */
  readonly proxy: string | undefined;
  readonly decoded: DecodedInput;
}

/**
 * Every header of the capture that decodes as certificates in a detected format, known
 * certificate headers first. A header whose value is not a certificate encoding is skipped.
 */
export function findCertificateHeaders(headers: CapturedHeaders): FoundCertificateHeader[] {
  const found: FoundCertificateHeader[] = [];
  for (const [header, values] of headers) {
    const value = values[0] as string;
    let decoded: DecodedInput;
    try {
      decoded = decodeInput(
        { bytes: Buffer.from(value, 'utf8'), origin: 'argument', name: header },
        { xfccHops: 1, maxCertificates: 32 },
      );
    } catch {
      continue;
    }
    const format = decoded.format as BuiltInFormat;
    const source = SOURCES.find((entry) => entry.header === header && entry.format === format);
    found.push({ header, format, proxy: source?.proxy, decoded });
  }
  return found.sort((a, b) => Number(b.proxy !== undefined) - Number(a.proxy !== undefined));
}

/** The app options `doctor` checks against. */
export interface DoctorOptions {
  readonly format: BuiltInFormat | undefined;
  readonly header: string | undefined;
  /** Whether `trustProxy` would trust the peer: `undefined` when not both given. */
  readonly peerTrusted: boolean | undefined;
  readonly trustProxyGiven: boolean;
}

/** One finding: `ok` or a problem with its exact fix. */
export interface DoctorFinding {
  readonly ok: boolean;
  readonly message: string;
  readonly fix?: string | undefined;
}

/**
 * Whether `clientCertificate(options)` would read `found`, finding by finding, with the option
 * to change for each mismatch.
 */
export function checkOptions(
  found: FoundCertificateHeader,
  options: DoctorOptions,
): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  const format = options.format ?? found.format;
  if (options.format !== undefined && options.format !== found.format) {
    findings.push({
      ok: false,
      message: `format '${options.format}' cannot read this ${found.format} value`,
      fix: `clientCertificate({ format: '${found.format}' })`,
    });
  } else {
    findings.push({ ok: true, message: `format '${format}' reads this value` });
  }
  const header = options.header ?? FORMATS[format].header;
  if (header.toLowerCase() !== found.header) {
    findings.push({
      ok: false,
      message: `${options.header === undefined ? `the default header of '${format}'` : 'header'} is ${header}, but the certificate is in ${found.header}`,
      fix: `clientCertificate({ header: '${found.header}' })`,
    });
  } else {
    findings.push({ ok: true, message: `header ${found.header} is the one read` });
  }
  if (!options.trustProxyGiven) {
    findings.push({
      ok: false,
      message: 'no trustProxy given: the header is never believed without it',
      fix: "clientCertificate({ trustProxy: '<the address the proxy connects from>' }) (and --trust-proxy/--peer here to check it)",
    });
  } else if (options.peerTrusted === false) {
    findings.push({
      ok: false,
      message: 'trustProxy does not trust the peer: the header would be ignored',
      fix: 'add the proxy address (--peer) to trustProxy',
    });
  } else if (options.peerTrusted === true) {
    findings.push({ ok: true, message: 'trustProxy trusts the peer' });
  }
  return findings;
}
