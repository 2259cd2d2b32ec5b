/**
 * Which forwarding format a header value is written in, judged from its shape: shared by the
 * CLI (`inspect`, `verify`) and by `clientCertificate()`'s misconfiguration hints. Pure; knows no
 * HTTP and loads no X.509 library. Each codec says what its values look like
 * (`FormatCodec.detect`); this module only asks them in order.
 *
 * @packageDocumentation
 */
import { ForwardedCertificateError } from './decode-error';
import { DETECTION_ORDER, FORMATS, type BuiltInFormat } from './formats';
import { decodeWholeValue, type DecodeContext } from './formats/codec';

/**
 * The format a header value is written in, judged from its shape, or `undefined`. With the
 * built-in codecs: a `-----BEGIN CERTIFICATE-----` line → `pem`; an XFCC key (`Hash=`, `Cert=`,
 * `By=`, …) → `xfcc`; a URL-escaped BEGIN line → `aws-alb` when `+`, `/` or `=` appear
 * literally, else `nginx`; `:…:` → `rfc9440`; base64 members joined by `,` (or one
 * percent-escaped member) → `traefik`; plain base64 → `der-base64`.
 */
export function detectFormat(text: string): BuiltInFormat | undefined {
  return DETECTION_ORDER.find((codec) => codec.detect.test(text))?.name as
    BuiltInFormat | undefined;
}

/**
 * The format a value that failed to decode as `configured` is really in: the detected format,
 * when it differs and the value decodes in it; otherwise `undefined`. Bounded like a decode.
 */
export function otherFormatOf(
  value: string,
  configured: BuiltInFormat,
  limits: DecodeContext,
): BuiltInFormat | undefined {
  const detected = detectFormat(value);
  if (detected === undefined || detected === configured) return undefined;
  try {
    return decodeWholeValue(FORMATS[detected], value, limits) === undefined ? undefined : detected;
  } catch (error) {
    if (error instanceof ForwardedCertificateError) return undefined;
    throw error;
  }
}
