/**
 * Hostile inputs for the property tests: arbitrary text and bytes, and mutations of valid values
 * (truncated, bit-flipped, doubled, huge length fields, deep ASN.1 nesting, invalid UTF-8,
 * control characters, megabyte values). Every generator is a fast-check arbitrary, so a failure
 * shrinks to a small counterexample and replays from the fixed seed.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';

/** The fixed seed of every property in the hardening suites (reproducible runs). */
export const SEED = 20261125;

/** One megabyte: the size of the largest generated values. */
export const MEGABYTE = 1024 * 1024;

/** Characters that break naive parsers: controls, separators, line breaks, BOM, surrogates. */
export const CONTROL_CHARS = [
  '\0',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\x0b',
  '\x0c',
  '\x1b',
  '\x7f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ud800',
  '\udfff',
  '\uffff',
] as const;

/** Separators and quoting characters of the header grammars (XFCC, RFC 8941, PEM, URI). */
export const SEPARATORS = [
  ',',
  ';',
  ':',
  '=',
  '"',
  '\\',
  ' ',
  '%',
  '+',
  '/',
  '-',
  '#',
  '{',
  '}',
  '(',
  ')',
  '?',
  '*',
  '@',
] as const;

/** Percent-escapes that are invalid UTF-8 or invalid escapes. */
export const BAD_ESCAPES = [
  '%C3%28',
  '%FF',
  '%ED%A0%80',
  '%F8%88%80%80%80',
  '%C0%AF',
  '%E2%82',
  '%80',
  '%',
  '%G0',
  '%0',
  '%00',
  '%0D%0A',
] as const;

/** Fragments of the grammars themselves, to confuse tokenisers. */
export const GRAMMAR_FRAGMENTS = [
  '-----BEGIN CERTIFICATE-----',
  '-----END CERTIFICATE-----',
  '-----BEGIN PRIVATE KEY-----',
  '%0A',
  '%20',
  'Cert="',
  'Hash=',
  'Chain=',
  'By=',
  ';Cert=',
  ',Cert="x"',
  '::',
  ':;a=1',
  '(null)',
  '{http.request.tls.client.certificate_der_base64}',
  '==',
  'MII',
] as const;

/** One character or short piece that hostile input is made of. */
export const hostilePiece: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...CONTROL_CHARS),
  fc.constantFrom(...SEPARATORS),
  fc.constantFrom(...BAD_ESCAPES),
  fc.constantFrom(...GRAMMAR_FRAGMENTS),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
);

/** Arbitrary text: any code points, with hostile pieces over-represented. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.array(hostilePiece, { maxLength: 40 }).map((pieces) => pieces.join('')),
  fc.string({ unit: fc.constantFrom(...SEPARATORS, 'a', 'A', '0', '='), maxLength: 200 }),
);

/** A text mutation, applied to a valid value. */
type TextEdit =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly piece: string }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'replace'; readonly at: number; readonly piece: string }
  | { readonly kind: 'double'; readonly separator: string }
  | { readonly kind: 'flipCase'; readonly at: number; readonly length: number }
  | { readonly kind: 'repeatSlice'; readonly at: number; readonly length: number };

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), piece: hostilePiece }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 80 }),
  }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), piece: hostilePiece }),
  fc.record({
    kind: fc.constant('double' as const),
    separator: fc.constantFrom('', ',', ', ', ';', ' ', '\t'),
  }),
  fc.record({
    kind: fc.constant('flipCase' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 200 }),
  }),
  fc.record({
    kind: fc.constant('repeatSlice' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 40 }),
  }),
);

function flipCase(text: string): string {
  return text.replace(/[A-Za-z]/g, (c) =>
    c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase(),
  );
}

/** Applies one edit to `text`. Positions wrap around the length, so every edit applies. */
export function applyTextEdit(text: string, edit: TextEdit): string {
  const n = text.length;
  const at = n === 0 ? 0 : edit.kind === 'double' ? 0 : edit.at % (n + 1);
  switch (edit.kind) {
    case 'truncate':
      return text.slice(0, at);
    case 'insert':
      return text.slice(0, at) + edit.piece + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + edit.length);
    case 'replace':
      return text.slice(0, at) + edit.piece + text.slice(at + edit.piece.length);
    case 'double':
      return text + edit.separator + text;
    case 'flipCase':
      return (
        text.slice(0, at) +
        flipCase(text.slice(at, at + edit.length)) +
        text.slice(at + edit.length)
      );
    case 'repeatSlice': {
      const slice = text.slice(at, at + edit.length);
      return text.slice(0, at) + slice.repeat(50) + text.slice(at);
    }
  }
}

/** `seeds` mutated by one to four edits. */
export function mutatedText(seeds: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(textEdit, { minLength: 1, maxLength: 4 }))
    .map(([seed, edits]) => edits.reduce(applyTextEdit, seed));
}

/** A value of about one megabyte: a seed repeated or padded with one hostile piece. */
export function megabyteText(seeds: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...seeds), hostilePiece, fc.boolean())
    .map(([seed, piece, repeatSeed]) => {
      const unit = repeatSeed ? seed + piece : piece.length === 0 ? 'A' : piece;
      return unit.repeat(Math.ceil(MEGABYTE / unit.length)).slice(0, MEGABYTE);
    });
}

/** A byte mutation, applied to a valid DER value. */
type ByteEdit =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'double' }
  | { readonly kind: 'hugeLength'; readonly at: number; readonly octets: number }
  | { readonly kind: 'indefiniteLength'; readonly at: number }
  | { readonly kind: 'nest'; readonly depth: number; readonly tag: number };

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 64 }),
  }),
  fc.constant({ kind: 'double' as const }),
  fc.record({
    kind: fc.constant('hugeLength' as const),
    at: fc.nat(),
    octets: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ kind: fc.constant('indefiniteLength' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('nest' as const),
    depth: fc.integer({ min: 1, max: 2000 }),
    tag: fc.constantFrom(0x30, 0x31, 0xa0, 0xa3, 0x04),
  }),
);

/** Wraps `der` in `depth` constructed elements (definite lengths, as DER requires), in O(size). */
export function nest(der: Uint8Array, depth: number, tag = 0x30): Buffer {
  const headers: number[][] = [];
  let size = der.length;
  for (let i = 0; i < depth; i++) {
    const length =
      size < 0x80
        ? [size]
        : size < 0x100
          ? [0x81, size]
          : size < 0x10000
            ? [0x82, size >> 8, size & 0xff]
            : size < 0x1000000
              ? [0x83, size >> 16, (size >> 8) & 0xff, size & 0xff]
              : [0x84, (size >>> 24) & 0xff, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff];
    headers.push([tag, ...length]);
    size += 1 + length.length;
  }
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (let i = headers.length - 1; i >= 0; i--) {
    for (const byte of headers[i] as number[]) out[offset++] = byte;
  }
  out.set(der, offset);
  return out;
}

/** Applies one edit to `der`. Positions wrap around the length. */
export function applyByteEdit(der: Buffer, edit: ByteEdit): Buffer {
  const n = der.length;
  const at = n === 0 || !('at' in edit) ? 0 : edit.at % n;
  switch (edit.kind) {
    case 'truncate':
      return der.subarray(0, at);
    case 'flip': {
      const out = Buffer.from(der);
      if (n > 0) out[at] = (out[at] as number) ^ (1 << edit.bit);
      return out;
    }
    case 'set': {
      const out = Buffer.from(der);
      if (n > 0) out[at] = edit.value;
      return out;
    }
    case 'insert':
      return Buffer.concat([der.subarray(0, at), edit.bytes, der.subarray(at)]);
    case 'delete':
      return Buffer.concat([der.subarray(0, at), der.subarray(at + edit.length)]);
    case 'double':
      return Buffer.concat([der, der]);
    case 'hugeLength':
      // the length octets of the element at `at` (a tag byte, or not) claim 2^(8·octets) − 1 bytes
      return Buffer.concat([
        der.subarray(0, at + 1),
        Buffer.from([0x80 | edit.octets, ...Array<number>(edit.octets).fill(0xff)]),
        der.subarray(at + 2),
      ]);
    case 'indefiniteLength':
      return Buffer.concat([der.subarray(0, at + 1), Buffer.from([0x80]), der.subarray(at + 2)]);
    case 'nest':
      return nest(der, edit.depth, edit.tag);
  }
}

/** `seeds` (DER) mutated by one to four edits. */
export function mutatedDer(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(byteEdit, { minLength: 1, maxLength: 4 }))
    .map(([seed, edits]) => edits.reduce(applyByteEdit, seed));
}

/** Arbitrary bytes, or a mutated seed. */
export function hostileBytes(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
    mutatedDer(seeds),
  );
}

/**
 * Test-side encoders of DER certificates in each forwarding format, independent of the
 * library's encoder: what each proxy documents (see the README's format table).
 */
export const TEST_ENCODERS: Readonly<Record<string, (ders: readonly Buffer[]) => string>> = {
  nginx: (ders) => encodeURIComponent(ders.map(pemBlock).join('')),
  pem: (ders) => ders.map(pemBlock).join('').replace(/\n/g, ' ').trim(),
  'der-base64': (ders) => Buffer.concat(ders).toString('base64'),
  rfc9440: (ders) => `:${(ders[0] ?? Buffer.alloc(0)).toString('base64')}:`,
  xfcc: (ders) =>
    `Hash=${createHash('sha256')
      .update(ders[0] ?? Buffer.alloc(0))
      .digest('hex')};Cert="${encodeURIComponent(pemBlock(ders[0] ?? Buffer.alloc(0)))}"` +
    (ders.length > 1 ? `;Chain="${encodeURIComponent(ders.map(pemBlock).join(''))}"` : ''),
  'aws-alb': (ders) =>
    encodeURIComponent(ders.map(pemBlock).join('')).replace(/%2B|%2F|%3D/g, (e) =>
      decodeURIComponent(e),
    ),
  traefik: (ders) => ders.map((der) => der.toString('base64')).join(','),
};

/** A PEM CERTIFICATE block with 64-character lines, as OpenSSL writes it. */
export function pemBlock(der: Buffer): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}
