import type { ClientCertificate } from '../../certificate';
import { encodePem } from '../../internal/pem';

/** Bounds passed to every decoder. */
export interface DecodeLimits {
  /** The most certificates one value may hold (checked before each is decoded). */
  readonly maxCertificates: number;
}

/**
 * What a decoder receives: the bounds, and the format's own compiled options (XFCC's
 * `xfccHops`); other formats ignore keys they do not know.
 */
export type DecodeContext<O extends object = Readonly<Record<string, unknown>>> = DecodeLimits &
  Readonly<O>;

/** What a format's encoder produces: the leaf header's value, and the chain header's if any. */
export interface EncodedCertificate {
  readonly value: string;
  readonly chain?: string | undefined;
}

/**
 * Where a format carries the certificates after the leaf:
 *
 * - `'in-value'`: inside the leaf header's own value only (XFCC `Chain=`, Traefik's comma list);
 *   a separate chain header is refused;
 * - `'same-encoding'`: the leaf header may hold the chain too (several PEM blocks, concatenated
 *   DER), and a separate chain header, when configured, is one more field line in the same
 *   encoding;
 * - `'list'`: a separate header holding a list (RFC 9440 `Client-Cert-Chain`) that may be split
 *   over several field lines; a whole value of the format is read as that list.
 */
export type ChainRule = 'in-value' | 'same-encoding' | 'list';

/** A format's options beyond the generic ones: their names, and their validation. */
export interface CodecOptions<O extends object> {
  /** The option names, as given to `clientCertificate()`. */
  readonly names: readonly string[];
  /**
   * Validates the given values (each possibly `undefined`) once, at creation.
   *
   * @throws {TypeError} naming the option and the fix.
   */
  compile(factory: string, given: Readonly<Record<string, unknown>>): O;
}

/**
 * One forwarding format, self-describing: its name, conventional header names, where its chain
 * travels, how to recognise its values and what proxies use it, its own options, a decoder from
 * header text to DER certificates (leaf first) and an encoder that writes exactly what the proxy
 * would send. Adding a format means writing one of these and listing it in the registry.
 */
export interface FormatCodec<O extends object = Readonly<Record<string, unknown>>> {
  /** The `format` option's value. */
  readonly name: string;
  /** The conventional (lower-case) header carrying the certificate. */
  readonly header: string;
  /** The conventional chain header, when the format has a separate one. */
  readonly chainHeader?: string | undefined;
  /** Where the chain travels (see {@link ChainRule}). */
  readonly chain: ChainRule;
  /** Proxy names (lower case) whose users should pick this format, for option hints. */
  readonly hints: readonly string[];
  /**
   * Recognises a value written in this format. Formats are asked in ascending `rank`, and the
   * first that says yes is the detected format, so a shape that another one's includes needs a
   * lower rank.
   */
  readonly detect: { readonly rank: number; test(text: string): boolean };
  /** Values that mean "no certificate" besides the empty value (Apache's `(null)`). */
  readonly absentValues?: readonly string[] | undefined;
  /** The format's own options, when it has any. */
  readonly options?: CodecOptions<O> | undefined;
  /**
   * Decodes a non-empty leaf-header value into DER certificates, leaf first, or `undefined`
   * when the value says that the client presented none.
   */
  decode(value: string, limits: DecodeContext<O>): Buffer[] | undefined;
  /** Decodes a chain-header value (every `chain` rule but `'in-value'`). */
  readonly decodeChain?: ((value: string, limits: DecodeLimits) => Buffer[]) | undefined;
  /** Encodes a certificate and its `chain` as the proxy would. */
  encode(certificate: ClientCertificate): EncodedCertificate;
}

/** The DER of a certificate followed by its chain. */
export function certificateDers(certificate: ClientCertificate): Buffer[] {
  return [certificate.der, ...certificate.chain.map((member) => member.der)];
}

/** The PEM text of a certificate and its chain: one block each, leaf first. */
export function certificatePemText(certificate: ClientCertificate): string {
  return certificateDers(certificate)
    .map((der) => encodePem(der))
    .join('');
}

/**
 * Decodes a whole value of the format, wherever it came from (the CLI, a misconfiguration hint):
 * as its chain list for the `'list'` rule, else as a leaf-header value.
 */
export function decodeWholeValue(
  codec: FormatCodec,
  value: string,
  limits: DecodeContext,
): Buffer[] | undefined {
  return codec.chain === 'list'
    ? (codec.decodeChain as NonNullable<FormatCodec['decodeChain']>)(value, limits)
    : codec.decode(value, limits);
}
