/**
 * The certificate model: {@link ClientCertificate}, {@link thumbprint} and
 * {@link confirmationClaim}. Pure code with no Express in it.
 *
 * @packageDocumentation
 */
import { hash, X509Certificate, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import type * as PeculiarX509 from '@peculiar/x509';
import type { MtlsErrorCode } from './error-codes';
import { decodeName, formatName, type RelativeDistinguishedName } from './distinguished-name';
import {
  certificateLayout,
  decodeValidity,
  DerError,
  readChildren,
  readTlv,
  type CertificateLayout,
} from './internal/der';
import { isVerifiableKey } from './internal/key-strength';
import { decodeOid } from './internal/oid';
import { formatIp } from './internal/ip';
import { decodeCertificatePem, encodePem, pemTextOf, PemError } from './internal/pem';
import { serialNumberText } from './internal/serial';
import { peculiarX509 } from './internal/peculiar';
import { parseSpiffeId } from './spiffe-id';

/** Where a certificate came from, as recorded by `clientCertificate()`. */
export interface CertificateSource {
  /** `'header'`: forwarded by a trusted proxy; `'tls'`: read from Node's own TLS socket. */
  readonly type: 'header' | 'tls';
  /** The forwarding format (header source only). */
  readonly format?: string;
  /** The header the certificate was read from (header source only). */
  readonly header?: string;
  /** Whether Node's TLS layer verified the chain against its `ca` (TLS source only). */
  readonly authorized?: boolean;
  /** Node's verification error code when not authorized (TLS source only). */
  readonly authorizationError?: string;
}

/**
 * Subject alternative names, by type, in certificate order.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.6 | RFC 5280 §4.2.1.6}
 */
export interface SubjectAltNames {
  /** `dNSName` entries, as written in the certificate (wildcards are not expanded). */
  readonly dns: readonly string[];
  /** `uniformResourceIdentifier` entries, as written in the certificate. */
  readonly uri: readonly string[];
  /**
   * `iPAddress` entries in canonical text: dotted decimal, RFC 5952 for IPv6, IPv4-mapped
   * addresses as `::ffff:192.0.2.1`.
   */
  readonly ip: readonly string[];
  /** `rfc822Name` entries, as written in the certificate. */
  readonly email: readonly string[];
}

/** One X.509 extension, undecoded. */
export interface CertificateExtension {
  /** Whether the extension is marked critical (absent means `false`). */
  readonly critical: boolean;
  /** The content of `extnValue` (the DER of the extension's own structure). */
  readonly value: Buffer;
}

/**
 * Anything that names one certificate: PEM text, DER bytes, PEM bytes (a file read without an
 * encoding), or a parsed certificate.
 */
export type CertificateInput = string | Uint8Array | ClientCertificate | X509Certificate;

/** Options of {@link ClientCertificate.from} and the constructor. */
export interface ClientCertificateInit {
  /**
   * Certificates presented after the leaf, in order (untrusted; used only to build a path). A PEM
   * string contributes every CERTIFICATE block it holds. Default: none (for
   * {@link ClientCertificate.from} with PEM text: the blocks after the first).
   */
  readonly chain?: readonly CertificateInput[] | undefined;
  /** Where the certificate came from. */
  readonly source?: CertificateSource | undefined;
}

/**
 * Thrown when bytes are not exactly one well-formed X.509 certificate (a `TypeError`, so that
 * configuration mistakes surface as such). Request adapters turn it into a typed `MtlsError`.
 */
export class CertificateParseError extends TypeError {
  /** Always `'CertificateParseError'`. */
  override readonly name = 'CertificateParseError';
  /** Always `'ERR_MTLS_CERTIFICATE_PARSE'`. */
  readonly code: Extract<MtlsErrorCode, 'ERR_MTLS_CERTIFICATE_PARSE'> =
    'ERR_MTLS_CERTIFICATE_PARSE';
}

const EMPTY_CHAIN: readonly ClientCertificate[] = Object.freeze([]);

let layoutReader: (certificate: ClientCertificate) => CertificateLayout;

/**
 * Where the fields of `certificate` sit in its DER, as its constructor located them (for the
 * decoders of `lib/x509/`, which would otherwise walk the structure again).
 */
export function certificateLayoutOf(certificate: ClientCertificate): CertificateLayout {
  return layoutReader(certificate);
}

/**
 * An immutable view of one X.509 certificate.
 *
 * The `x5t#S256` {@link ClientCertificate.thumbprint} is computed when the object is created (a
 * structural DER check and one SHA-256, a few microseconds); everything else is decoded on first
 * access and kept. Fields that need OpenSSL (`publicKey`, `isSelfSigned`) use node:crypto;
 * `x509` gives the `@peculiar/x509` object as an escape hatch.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.1 | RFC 5280 §4.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.1 | RFC 8705 §3.1} (x5t#S256)
 */
export class ClientCertificate {
  static {
    layoutReader = (certificate) => certificate.#layout;
  }

  /** The certificate's DER encoding, exactly as received (never re-encoded). Do not mutate. */
  readonly der: Buffer;
  /** `x5t#S256`: base64url, without padding, of SHA-256 over the DER (43 characters). */
  readonly thumbprint: string;
  /** What the peer or proxy presented after the leaf, in order. Untrusted; never the leaf. */
  readonly chain: readonly ClientCertificate[];
  /** Where the certificate came from, when read by `clientCertificate()`. */
  readonly source: CertificateSource | undefined;

  readonly #layout: CertificateLayout;
  #native: X509Certificate | undefined;
  #peculiar: PeculiarX509.X509Certificate | undefined;
  #validity: { notBefore: Date; notAfter: Date } | undefined;
  #subjectRdns: RelativeDistinguishedName[] | undefined;
  #issuerRdns: RelativeDistinguishedName[] | undefined;
  #extensions: ReadonlyMap<string, CertificateExtension> | undefined;
  #altNames: SubjectAltNames | undefined;
  #selfSigned: boolean | undefined;

  /**
   * Wraps DER bytes. Checks the structure (one certificate, no trailing bytes) and computes the
   * thumbprint; the full parse happens lazily. Prefer {@link ClientCertificate.from}.
   *
   * @throws {CertificateParseError} when the bytes are not one certificate.
   */
  constructor(der: Uint8Array, init: ClientCertificateInit = {}) {
    if (!(der instanceof Uint8Array)) {
      throw new CertificateParseError(
        'expected a certificate as PEM text, DER bytes, an X509Certificate or a ClientCertificate',
      );
    }
    const bytes = Buffer.isBuffer(der) ? der : Buffer.from(der);
    try {
      this.#layout = certificateLayout(bytes);
    } catch (error) {
      throw new CertificateParseError(`not an X.509 certificate: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.der = bytes;
    this.thumbprint = hash('sha256', bytes, 'base64url');
    this.chain =
      init.chain === undefined || init.chain.length === 0
        ? EMPTY_CHAIN
        : Object.freeze(toChain(init.chain));
    this.source = init.source === undefined ? undefined : Object.freeze({ ...init.source });
  }

  /**
   * Creates a certificate from PEM text or PEM bytes (a file read without an encoding; the first
   * CERTIFICATE block is the leaf, later blocks become its `chain` unless `init.chain` is given),
   * DER bytes, a node:crypto `X509Certificate`
   * or another `ClientCertificate`. Unlike the constructor, it parses eagerly, so that a broken
   * certificate in configuration fails at startup.
   *
   * @throws {CertificateParseError} when the input is not a certificate.
   */
  static from(input: CertificateInput, init: ClientCertificateInit = {}): ClientCertificate {
    if (input instanceof ClientCertificate && init.chain === undefined && !init.source) {
      return input;
    }
    const named = normalizeCertificateInput(input);
    let der: Uint8Array;
    let chain = init.chain;
    if (named instanceof ClientCertificate) {
      der = named.der;
      chain ??= named.chain;
    } else {
      der = (named?.[0] ?? input) as Uint8Array;
      chain ??= named?.slice(1);
    }
    const certificate = new ClientCertificate(der, { chain, source: init.source });
    for (const member of [certificate, ...certificate.chain]) {
      if (!member.native.raw.equals(member.der)) {
        throw new CertificateParseError('not an X.509 certificate: OpenSSL read other bytes');
      }
    }
    return certificate;
  }

  /** The node:crypto view (parsed by OpenSSL on first access). */
  get native(): X509Certificate {
    if (this.#native === undefined) {
      try {
        this.#native = new X509Certificate(this.der);
      } catch (error) {
        throw new CertificateParseError('not an X.509 certificate: OpenSSL could not parse it', {
          cause: error,
        });
      }
    }
    return this.#native;
  }

  /** The `@peculiar/x509` view, as an escape hatch (loaded and parsed on first access). */
  get x509(): PeculiarX509.X509Certificate {
    this.#peculiar ??= this.#decode(() => new (peculiarX509().X509Certificate)(this.der));
    return this.#peculiar;
  }

  /** The certificate in PEM form. */
  get pem(): string {
    return encodePem(this.der);
  }

  /** The subject distinguished name in RFC 4514 string form (e.g. `CN=client,O=Example`). */
  get subject(): string {
    return formatName(this.subjectRdns);
  }

  /** The issuer distinguished name in RFC 4514 string form. */
  get issuer(): string {
    return formatName(this.issuerRdns);
  }

  /** The subject's RDNs in certificate (ASN.1) order, for structural comparison. */
  get subjectRdns(): readonly RelativeDistinguishedName[] {
    this.#subjectRdns ??= this.#decode(() => decodeName(this.#slice(this.#layout.subject)));
    return this.#subjectRdns;
  }

  /** The issuer's RDNs in certificate (ASN.1) order. */
  get issuerRdns(): readonly RelativeDistinguishedName[] {
    this.#issuerRdns ??= this.#decode(() => decodeName(this.#slice(this.#layout.issuer)));
    return this.#issuerRdns;
  }

  /** The DER bytes of the subject `Name`. */
  get subjectDer(): Buffer {
    return this.#slice(this.#layout.subject);
  }

  /** The DER bytes of the issuer `Name`. */
  get issuerDer(): Buffer {
    return this.#slice(this.#layout.issuer);
  }

  /** The DER bytes of the SubjectPublicKeyInfo. */
  get subjectPublicKeyInfo(): Buffer {
    return this.#slice(this.#layout.subjectPublicKeyInfo);
  }

  /** The DER bytes of the signed part (TBSCertificate). */
  get tbsDer(): Buffer {
    return this.#slice(this.#layout.tbs);
  }

  /**
   * The serial number as upper-case hexadecimal without separators, as `openssl x509 -serial`
   * prints it: whole octets, no leading zero octet (zero is `00`), and a `-` before the
   * magnitude of a negative serial (which RFC 5280 forbids but asks users to handle gracefully),
   * e.g. `-0123` for −0x123. Two serials are equal exactly when these strings are: the CRL and
   * OCSP checks compare serials in this form.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.2 | RFC 5280 §4.1.2.2}
   */
  get serialNumber(): string {
    return serialNumberText(
      this.der.subarray(this.#layout.serial.valueStart, this.#layout.serial.end),
    );
  }

  /** Start of the validity period. */
  get notBefore(): Date {
    return new Date(this.#validityDates().notBefore);
  }

  /** End of the validity period. */
  get notAfter(): Date {
    return new Date(this.#validityDates().notAfter);
  }

  /**
   * The certificate's public key.
   *
   * @throws {CertificateParseError} when OpenSSL cannot decode the key.
   */
  get publicKey(): KeyObject {
    const native = this.native;
    return this.#decode(() => native.publicKey);
  }

  /**
   * Whether the certificate is self-signed: its issuer and subject names are identical and its
   * signature verifies with its own public key. A key that is too costly to verify with (RSA
   * over 8192 bits or with a public exponent over 33 bits, EC off P-256/P-384/P-521) or that is
   * not a signing key verifies nothing: the certificate is then not self-signed, and no
   * signature is checked. Computed once per instance.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-3.2 | RFC 5280 §3.2}
   */
  get isSelfSigned(): boolean {
    if (this.#selfSigned === undefined) {
      const sameName = this.subjectDer.equals(this.issuerDer);
      this.#selfSigned = sameName && this.#verifiesItself();
    }
    return this.#selfSigned;
  }

  /** The certificate's extensions by OID (a duplicated extension is a parse error). */
  get extensions(): ReadonlyMap<string, CertificateExtension> {
    this.#extensions ??= this.#decode(() => this.#readExtensions());
    return this.#extensions;
  }

  /**
   * The SPIFFE ID of an X509-SVID: the certificate's only URI SAN when it is a valid SPIFFE ID
   * (`spiffe://trust-domain/path`), else `undefined` (no URI SAN, several, or another scheme).
   * This reads the name only: `requireClientCertificate({ spiffe })` applies the X509-SVID rules.
   *
   * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md | X509-SVID §2}
   */
  get spiffeId(): string | undefined {
    const uris = this.subjectAltNames.uri;
    if (uris.length !== 1) return undefined;
    const parsed = parseSpiffeId(uris[0] as string);
    return parsed.ok ? parsed.value.id : undefined;
  }

  /** Subject alternative names by type (`dns`, `uri`, `ip`, `email`); empty when absent. */
  get subjectAltNames(): SubjectAltNames {
    this.#altNames ??= this.#decode(() => this.#readAltNames());
    return this.#altNames;
  }

  /** A log-friendly summary: thumbprint, names, serial and validity. Never the whole DER. */
  toJSON(): Record<string, unknown> {
    return {
      thumbprint: this.thumbprint,
      subject: this.#safe(() => this.subject),
      issuer: this.#safe(() => this.issuer),
      serialNumber: this.serialNumber,
      notBefore: this.#safe(() => this.notBefore.toISOString()),
      notAfter: this.#safe(() => this.notAfter.toISOString()),
      chainLength: this.chain.length,
    };
  }

  /** @internal */
  [inspect.custom](): string {
    return `ClientCertificate ${inspect(this.toJSON())}`;
  }

  #slice(tlv: { start: number; end: number }): Buffer {
    return this.der.subarray(tlv.start, tlv.end);
  }

  #validityDates(): { notBefore: Date; notAfter: Date } {
    this.#validity ??= this.#decode(() => decodeValidity(this.der, this.#layout.validity));
    return this.#validity;
  }

  #decode<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof CertificateParseError) throw error;
      throw new CertificateParseError(`malformed certificate: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  #verifiesItself(): boolean {
    const native = this.native;
    if (!isVerifiableKey(this.subjectPublicKeyInfo)) return false;
    try {
      return native.verify(native.publicKey);
    } catch {
      return false;
    }
  }

  #safe(fn: () => string): string | undefined {
    try {
      return fn();
    } catch {
      return undefined;
    }
  }

  #readExtensions(): ReadonlyMap<string, CertificateExtension> {
    const map = new Map<string, CertificateExtension>();
    const list = this.#layout.extensions;
    if (!list) return map;
    for (const extension of readChildren(this.der, list)) {
      const parts = readChildren(this.der, extension);
      const [oid, second, third] = parts;
      const hasCritical = second?.tag === 0x01;
      const value = hasCritical ? third : second;
      if (oid?.tag !== 0x06 || value?.tag !== 0x04 || parts.length !== (hasCritical ? 3 : 2)) {
        throw new DerError('malformed extension');
      }
      const id = decodeOid(this.der, oid.valueStart, oid.end);
      if (map.has(id)) throw new DerError(`extension ${id} appears twice`);
      if (hasCritical && second.end - second.valueStart !== 1) {
        throw new DerError('malformed extension');
      }
      const critical = hasCritical && this.der[second.valueStart] !== 0;
      map.set(id, {
        critical,
        value: Buffer.from(this.der.subarray(value.valueStart, value.end)),
      });
    }
    return map;
  }

  #readAltNames(): SubjectAltNames {
    const names = {
      dns: [] as string[],
      uri: [] as string[],
      ip: [] as string[],
      email: [] as string[],
    };
    const extension = this.extensions.get('2.5.29.17');
    if (extension) {
      const buf = extension.value;
      const seq = readTlv(buf, 0, buf.length);
      if (seq.tag !== 0x30 || seq.end !== buf.length) throw new DerError('malformed SAN');
      for (const name of readChildren(buf, seq)) {
        const content = buf.subarray(name.valueStart, name.end);
        if (name.tag === 0x81) names.email.push(content.toString('latin1'));
        else if (name.tag === 0x82) names.dns.push(content.toString('latin1'));
        else if (name.tag === 0x86) names.uri.push(content.toString('latin1'));
        else if (name.tag === 0x87) {
          const ip = formatIp(content);
          if (ip === undefined) throw new DerError('malformed iPAddress SAN');
          names.ip.push(ip);
        }
      }
    }
    return Object.freeze({
      dns: Object.freeze(names.dns),
      uri: Object.freeze(names.uri),
      ip: Object.freeze(names.ip),
      email: Object.freeze(names.email),
    });
  }
}

function decodePemOrThrow(text: string): Buffer[] {
  let blocks: Buffer[];
  try {
    blocks = decodeCertificatePem(text);
  } catch (error) {
    throw new CertificateParseError((error as PemError).message, { cause: error });
  }
  if (blocks.length === 0) throw new CertificateParseError('no PEM CERTIFICATE block found');
  return blocks;
}

/**
 * The one certificate-input normaliser: what an input names — the certificate object it already
 * is, or DER: every CERTIFICATE block, in order, of PEM text or PEM bytes (a file read without an
 * encoding), or the one certificate of DER bytes or an `X509Certificate` — or `undefined` for
 * anything else (each caller refuses that in its own words).
 *
 * @throws {CertificateParseError} for PEM without a CERTIFICATE block, or a broken block.
 */
function normalizeCertificateInput(
  input: unknown,
): ClientCertificate | readonly Uint8Array[] | undefined {
  if (input instanceof ClientCertificate) return input;
  if (input instanceof X509Certificate) return [input.raw];
  if (typeof input === 'string') return decodePemOrThrow(input);
  if (!(input instanceof Uint8Array)) return undefined;
  const text = pemTextOf(input);
  return text === undefined ? [input] : decodePemOrThrow(text);
}

/** The leaf an input names, without a chain (the constructor refuses what is not one). */
function toCertificate(input: CertificateInput): ClientCertificate {
  const named = normalizeCertificateInput(input);
  if (named instanceof ClientCertificate) {
    return named.chain.length === 0 ? named : new ClientCertificate(named.der);
  }
  return new ClientCertificate((named?.[0] ?? input) as Uint8Array);
}

/** Chain members: PEM (text or bytes) contributes every CERTIFICATE block it holds, in order. */
function toChain(inputs: readonly CertificateInput[]): ClientCertificate[] {
  return inputs.flatMap((input) => {
    const named = normalizeCertificateInput(input);
    return named === undefined || named instanceof ClientCertificate
      ? [toCertificate(input)]
      : named.map((der) => new ClientCertificate(der));
  });
}

/**
 * Every certificate a configuration entry names, each on its own (no chain) and parsed eagerly:
 * PEM text or PEM bytes (each CERTIFICATE block: a bundle file works), DER bytes (one
 * certificate), a node:crypto `X509Certificate` or a {@link ClientCertificate}. The one
 * normaliser behind `trustAnchors`, `intermediates` and {@link ClientCertificate.from}.
 *
 * @throws {CertificateParseError} when the input is not a certificate.
 */
export function certificatesFrom(input: unknown): ClientCertificate[] {
  const named = normalizeCertificateInput(input);
  if (named === undefined) {
    throw new CertificateParseError('expected PEM text, DER bytes or a certificate object');
  }
  return named instanceof ClientCertificate
    ? [ClientCertificate.from(named, { chain: [] })]
    : named.map((der) => ClientCertificate.from(der));
}

/**
 * The `x5t#S256` thumbprint of a certificate: base64url (no padding) of SHA-256 over its DER.
 * Accepts PEM text (first block), DER bytes, a node:crypto `X509Certificate` or a
 * {@link ClientCertificate}.
 *
 * @throws {CertificateParseError} when the input is not a certificate.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.1 | RFC 8705 §3.1}
 */
export function thumbprint(certificate: CertificateInput): string {
  return certificate instanceof ClientCertificate
    ? certificate.thumbprint
    : toCertificate(certificate).thumbprint;
}

/**
 * The `cnf` claim an authorization server puts in an access token bound to `certificate`.
 *
 * @example
 * ```ts
 * jwt.sign({ sub, cnf: confirmationClaim(req.clientCert) }, key, { algorithm: 'RS256' });
 * ```
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.1 | RFC 8705 §3.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7800#section-3.1 | RFC 7800 §3.1}
 */
export function confirmationClaim(certificate: CertificateInput): {
  /** The certificate's SHA-256 thumbprint (see {@link thumbprint}). */
  'x5t#S256': string;
} {
  return { 'x5t#S256': thumbprint(certificate) };
}
