/**
 * Turns what the user gave (a certificate file, or a header value copied from a proxy, a log or
 * a capture) into DER certificates with the library's own decoders, detecting the encoding when
 * it is not named.
 *
 * @packageDocumentation
 */
import {
  decodeCertificatePem,
  decodeWholeValue,
  detectFormat,
  FORMAT_NAMES,
  FORMATS,
  ForwardedCertificateError,
  PemError,
  splitDerSequence,
} from '../cli-internal';
import type { BuiltInFormat } from '../index';
import { CliError } from './cli-error';
import type { Input } from './input';

/** The encodings the tool reads: every forwarding format, and binary DER files. */
export type InputFormat = BuiltInFormat | 'der';

/** Every {@link InputFormat}, in help order. */
export const INPUT_FORMATS: readonly InputFormat[] = Object.freeze(['der', ...FORMAT_NAMES]);

/** A one-line description of each format, for humans. */
export const FORMAT_LABELS: Readonly<Record<InputFormat, string>> = Object.freeze({
  der: 'DER (binary), one or more certificates',
  nginx: 'URL-escaped PEM (nginx $ssl_client_escaped_cert, Envoy Cert/Chain)',
  pem: 'PEM, raw or space-folded (Apache SSL_CLIENT_CERT, files)',
  'der-base64': 'base64 DER (HAProxy, Caddy, Azure App Service, Cloudflare)',
  rfc9440: 'RFC 9440 Byte Sequence (Client-Cert, Client-Cert-Chain)',
  xfcc: 'Envoy / Istio x-forwarded-client-cert element',
  'aws-alb': 'AWS ALB URL-encoded PEM (+ = / kept literal)',
  traefik: 'Traefik comma-separated base64 DER',
});

/** Options of {@link decodeInput}. */
export interface DecodeInputOptions {
  /** The encoding to use; detected when `undefined`. */
  readonly format?: InputFormat | undefined;
  /** XFCC: which element to read, counted from the right. */
  readonly xfccHops: number;
  /** The most certificates accepted. */
  readonly maxCertificates: number;
}

/** What {@link decodeInput} found. */
export interface DecodedInput {
  readonly format: InputFormat;
  /** Whether the format was detected (rather than given with `--format`). */
  readonly detected: boolean;
  /** The header name, when the input was a `Name: value` line. */
  readonly header: string | undefined;
  /** DER certificates, in the order they appear (leaf first). */
  readonly ders: readonly Buffer[];
  /** Something the user should know about the input (e.g. ignored text). */
  readonly note: string | undefined;
}

const HEADER_PREFIX = /^([A-Za-z0-9-]+):[ \t]*(?=\S)/;
const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]{1,40})-----/g;

export { detectFormat };

function tryDer(bytes: Buffer, maxCertificates: number): Buffer[] | undefined {
  try {
    return splitDerSequence(bytes, maxCertificates);
  } catch {
    return undefined;
  }
}

function decodeText(
  format: BuiltInFormat,
  text: string,
  input: Input,
  options: DecodeInputOptions,
): { ders: Buffer[]; note: string | undefined } {
  const limits = { maxCertificates: options.maxCertificates, xfccHops: options.xfccHops };
  try {
    const ders = decodeWholeValue(FORMATS[format], text, limits);
    if (ders === undefined) {
      throw new CliError(
        `the ${format} value holds fewer than ${options.xfccHops} element(s): no client certificate`,
      );
    }
    return { ders, note: undefined };
  } catch (error) {
    if (!(error instanceof ForwardedCertificateError)) throw error;
    if (format === 'pem' && error.reason === 'pem' && input.origin !== 'argument') {
      return { ders: lenientPem(text), note: 'text outside the PEM blocks was ignored' };
    }
    throw new CliError(`not a valid ${format} value: ${error.message} (${error.reason})`);
  }
}

function lenientPem(text: string): Buffer[] {
  let ders: Buffer[];
  try {
    ders = decodeCertificatePem(text);
  } catch (error) {
    throw new CliError(`not a valid pem value: ${(error as PemError).message}`);
  }
  if (ders.length === 0) throw new CliError('not a valid pem value: no CERTIFICATE block');
  return ders;
}

/**
 * Decodes `input` into DER certificates. A file or standard input may hold binary DER (one or
 * more certificates); any input may be text in one of the forwarding formats, optionally as a
 * `Header-Name: value` line. Files may hold text around PEM blocks (noted); a header value may
 * not.
 *
 * @throws {CliError} when the input is empty, means "no certificate", is in no known format, or
 *   does not decode in the given one.
 */
export function decodeInput(input: Input, options: DecodeInputOptions): DecodedInput {
  const { bytes } = input;
  if (options.format === 'der' || (input.origin !== 'argument' && bytes[0] === 0x30)) {
    const ders = tryDer(bytes, options.maxCertificates);
    if (ders !== undefined) {
      return {
        format: 'der',
        detected: options.format === undefined,
        header: undefined,
        ders,
        note: undefined,
      };
    }
    if (options.format === 'der') throw new CliError('not a valid der value: not DER certificates');
  }
  let text = bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trim();
  let header: string | undefined;
  const prefix = HEADER_PREFIX.exec(text);
  if (prefix !== null) {
    header = (prefix[1] as string).toLowerCase();
    text = text.slice(prefix[0].length);
  }
  if (text === '' || text === '(null)') {
    throw new CliError(
      text === ''
        ? 'the input is empty'
        : 'the value "(null)" means that no certificate was presented',
    );
  }
  const format = options.format ?? detectFormat(text);
  if (format === undefined) {
    const labels = [...text.matchAll(PEM_LABEL)].map((match) => match[1] as string);
    if (labels.length > 0) {
      throw new CliError(
        `no CERTIFICATE in the PEM input (it holds: ${[...new Set(labels)].join(', ')})`,
      );
    }
    throw new CliError(
      'cannot tell the format of the input',
      `Name it with --format (${INPUT_FORMATS.join(', ')}).`,
    );
  }
  const { ders, note } = decodeText(format, text, input, options);
  return { format, detected: options.format === undefined, header, ders, note };
}
