import type { ClientCertificate } from '../../certificate';

/** Bounds passed to every decoder. */
export interface DecodeLimits {
  /** The most certificates one value may hold (checked before each is decoded). */
  readonly maxCertificates: number;
  /** XFCC only: which element to believe, counted from the right (1 = the last one). */
  readonly xfccHops: number;
}

/** What a format's encoder produces: the leaf header's value, and the chain header's if any. */
export interface EncodedCertificate {
  readonly value: string;
  readonly chain?: string | undefined;
}

/**
 * One forwarding format: its conventional header names, a decoder from header text to DER
 * certificates (leaf first) and an encoder that writes exactly what the proxy would send.
 */
export interface FormatCodec {
  /** The conventional (lower-case) header carrying the certificate. */
  readonly header: string;
  /** The conventional chain header, when the format has a separate one. */
  readonly chainHeader?: string | undefined;
  /** Values that mean "no certificate" besides the empty value (Apache's `(null)`). */
  readonly absentValues?: readonly string[] | undefined;
  /**
   * Decodes a non-empty leaf-header value into DER certificates, leaf first, or `undefined`
   * when the value says that the client presented none.
   */
  decode(value: string, limits: DecodeLimits): Buffer[] | undefined;
  /** Decodes a chain-header value (formats that accept `chainHeader` only). */
  readonly decodeChain?: ((value: string, limits: DecodeLimits) => Buffer[]) | undefined;
  /** Encodes a certificate and its `chain` as the proxy would. */
  encode(certificate: ClientCertificate): EncodedCertificate;
}

/** The DER of a certificate followed by its chain. */
export function certificateDers(certificate: ClientCertificate): Buffer[] {
  return [certificate.der, ...certificate.chain.map((member) => member.der)];
}
