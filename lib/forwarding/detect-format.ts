/**
 * Which forwarding format a header value is written in, judged from its shape: shared by the
 * CLI (`inspect`, `verify`) and by `clientCertificate()`'s misconfiguration hints. Pure; knows no
 * HTTP and loads no X.509 library.
 *
 * @packageDocumentation
 */
import { ForwardedCertificateError } from './decode-error';
import { FORMATS, type BuiltInFormat } from './formats';
import type { DecodeLimits } from './formats/codec';

const XFCC_KEY = /(?:^|[;,])[ \t]*(?:by|hash|cert|chain|subject|uri|dns)=/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ESCAPED_BASE64 = /%(?:2B|2F|3D)/i;
const ESCAPED_PEM = /-----BEGIN%20CERTIFICATE-----/i;
const ALB_LITERALS = /[+/=]/;
const PEM_BEGIN = '-----BEGIN CERTIFICATE-----';

/**
 * The format a header value is written in, judged from its shape, or `undefined`:
 *
 * - a `-----BEGIN CERTIFICATE-----` line → `pem`;
 * - an XFCC key (`Hash=`, `Cert=`, `By=`, …) → `xfcc`;
 * - a URL-escaped BEGIN line → `aws-alb` when `+`, `/` or `=` appear literally, else `nginx`;
 * - `:…:` → `rfc9440`;
 * - base64 members joined by `,` (or one percent-escaped member) → `traefik`;
 * - plain base64 → `der-base64`.
 */
export function detectFormat(text: string): BuiltInFormat | undefined {
  if (text.includes(PEM_BEGIN)) return 'pem';
  if (XFCC_KEY.test(text)) return 'xfcc';
  if (ESCAPED_PEM.test(text)) return ALB_LITERALS.test(text) ? 'aws-alb' : 'nginx';
  if (text.startsWith(':')) return 'rfc9440';
  if (text.includes(',') || ESCAPED_BASE64.test(text)) return 'traefik';
  if (BASE64.test(text)) return 'der-base64';
  return undefined;
}

/**
 * The format a value that failed to decode as `configured` is really in: the detected format,
 * when it differs and the value decodes in it; otherwise `undefined`. Bounded like a decode.
 */
export function otherFormatOf(
  value: string,
  configured: BuiltInFormat,
  limits: DecodeLimits,
): BuiltInFormat | undefined {
  const detected = detectFormat(value);
  if (detected === undefined || detected === configured) return undefined;
  try {
    const codec = FORMATS[detected];
    const ders =
      detected === 'rfc9440'
        ? (codec.decodeChain as NonNullable<typeof codec.decodeChain>)(value, limits)
        : codec.decode(value, limits);
    return ders === undefined ? undefined : detected;
  } catch (error) {
    if (error instanceof ForwardedCertificateError) return undefined;
    throw error;
  }
}
