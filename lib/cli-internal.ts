/**
 * The one internal entry of the command-line tool. `lib/cli/` imports the public surface
 * (`lib/index.ts`) and this file, and nothing else outside itself; nothing in the library
 * imports this file, so a middleware user never loads it (`__tests__/layering.test.ts` enforces
 * both).
 *
 * What it exposes: the building blocks the tool reuses so that it decodes, parses and explains
 * exactly as the middlewares do — the header codecs and their detection, the PEM reader, the
 * parsed certificate model and CRL parser, address parsing, the option spell-checker, and the
 * lazy `@peculiar/x509` loader for `express-mtls pki`.
 *
 * Why they are not public: their shapes follow the implementation (codec tables, decoder
 * limits, the certificate model the chain validator reads) and would freeze it under semver.
 * Applications get the same behaviour through the middlewares, `ClientCertificate` and
 * `encodeForwardedCertificate()`. The package's `exports` map does not reach this file.
 *
 * @internal
 * @packageDocumentation
 */

/** The forwarding formats: the codec of each, detection of an unnamed one, their failures. */
export { FORMATS, FORMAT_NAMES } from './forwarding/formats';
export { decodeWholeValue } from './forwarding/formats/codec';
export { detectFormat } from './forwarding/detect-format';
export { splitDerSequence } from './forwarding/der-sequence';
export { ForwardedCertificateError } from './forwarding/decode-error';

/** The `trust proxy` compiler, so that `doctor` answers with the middleware's own rule. */
export { compileTrustProxy, normalizePeerAddress } from './forwarding/trust-proxy';

/** The one PEM reader and writer. */
export {
  decodeCertificatePem,
  decodePem,
  encodePem,
  PemError,
  type PemBlock,
} from './internal/pem';

/** The parsed certificate the chain validator reads, and the CRL parser of revocation. */
export { certificateInfo } from './x509/certificate-info';
export { EXTENSION } from './x509/extensions';
export { parseCrl } from './auth/revocation/crl';

/** IP address text ⇄ octets, as subjectAltName iPAddress entries hold them. */
export { formatIp, parseIp } from './internal/ip';

/** The "did you mean" hint of the option checks. */
export { didYouMean } from './internal/options';

/** `@peculiar/x509` (after `reflect-metadata`), loaded on first use. */
export { peculiarX509 } from './internal/peculiar';
