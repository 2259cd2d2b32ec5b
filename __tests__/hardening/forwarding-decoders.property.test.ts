/**
 * Hostile input through the pure forwarding layer: every built-in format's decoder (leaf and
 * chain values), then `buildCertificate()`, then every lazy getter of the certificate.
 *
 * Invariant: a certificate, "none", or a `ForwardedCertificateError` with a documented reason —
 * never another exception — within {@link DEADLINE_MS} per input, with no amplification (the
 * decoded bytes never outnumber the characters of the input) and no CR/LF in a message.
 * Certificate getters throw only `CertificateParseError`.
 */
import fc from 'fast-check';
import { CertificateParseError, type ClientCertificate } from '../../lib/certificate';
import { buildCertificate } from '../../lib/forwarding/build-certificate';
import {
  ForwardedCertificateError,
  type DecodeFailureReason,
} from '../../lib/forwarding/decode-error';
import { FORMAT_NAMES, FORMATS, type BuiltInFormat } from '../../lib/forwarding/formats';
import { der } from '../helpers/fixtures';
import { chainPem } from '../auth/chain/chain-fixtures';
import { bounded, DEADLINE_MS } from './helpers/bounds';
import {
  hostileText,
  megabyteText,
  mutatedDer,
  mutatedText,
  SEED,
  TEST_ENCODERS,
} from './helpers/hostile';

/** Inputs per property and format (kept small enough for a few seconds per property). */
export const RUNS = { arbitrary: 300, mutatedText: 400, mutatedDer: 400, chain: 200, megabyte: 6 };

const LIMITS = { maxCertificates: 9, xfccHops: 1 } as const;
const MAX_CHAIN = 8;
const SOURCE = { type: 'header', format: 'test', header: 'x-test' } as const;

const REASONS: readonly DecodeFailureReason[] = [
  'percent_encoding',
  'pem',
  'base64',
  'structured_field',
  'xfcc_syntax',
  'xfcc_duplicate_key',
  'xfcc_missing_cert',
  'xfcc_hash_mismatch',
  'xfcc_ambiguous',
  'chain_without_leaf',
  'trailing_bytes',
  'not_a_certificate',
  'custom_format',
  'chain_too_long',
];

function pemDer(name: string): Buffer {
  return Buffer.from(chainPem(name).replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

/** Valid certificates of several shapes: EC and RSA, CA and leaf, with and without SANs. */
const SEED_DERS: readonly Buffer[] = [
  der('client-a'),
  der('intermediate-ca'),
  der('self-signed'),
  pemDer('rsa-leaf'),
  pemDer('leaf-critical'),
];
const SEED_CHAINS: readonly (readonly Buffer[])[] = [
  [der('client-a')],
  [der('client-a'), der('intermediate-ca')],
  [der('self-signed')],
  [pemDer('rsa-leaf'), pemDer('rsa-int')],
];

function seedsFor(format: BuiltInFormat): string[] {
  const encode = TEST_ENCODERS[format] as (ders: readonly Buffer[]) => string;
  return SEED_CHAINS.map((ders) => encode(ders));
}

/** Every lazy view of a certificate, as an application or a later middleware would read it. */
function touch(certificate: ClientCertificate): void {
  for (const member of [certificate, ...certificate.chain]) {
    const read: (() => unknown)[] = [
      () => member.subject,
      () => member.issuer,
      () => member.serialNumber,
      () => member.notBefore,
      () => member.notAfter,
      () => member.extensions,
      () => member.subjectAltNames,
      () => member.pem,
      () => member.toJSON(),
      () => member.native,
      () => member.publicKey,
      () => member.isSelfSigned,
    ];
    for (const getter of read) {
      const result = bounded(getter);
      expect(result.elapsed).toBeLessThan(DEADLINE_MS);
      if (!result.ok) expect(result.error).toBeInstanceOf(CertificateParseError);
    }
  }
}

/** Decodes like `clientCertificate()` does: leaf value, optional chain value, then the build. */
function decodeForwarded(
  format: BuiltInFormat,
  value: string,
  chainValue: string,
): ClientCertificate | undefined {
  const codec = FORMATS[format];
  const ders = codec.decode(value, LIMITS);
  if (ders === undefined) return undefined;
  if (chainValue !== '' && codec.decodeChain !== undefined) {
    ders.push(...codec.decodeChain(chainValue, LIMITS));
  }
  const inputLength = value.length + chainValue.length;
  const decodedLength = ders.reduce((sum, d) => sum + d.length, 0);
  expect(decodedLength).toBeLessThanOrEqual(inputLength);
  return buildCertificate(ders, SOURCE, MAX_CHAIN);
}

/** The invariant, for one input. */
function holds(format: BuiltInFormat, value: string, chainValue = ''): void {
  const result = bounded(() => decodeForwarded(format, value, chainValue));
  expect(result.elapsed).toBeLessThan(DEADLINE_MS);
  if (!result.ok) {
    expect(result.error).toBeInstanceOf(ForwardedCertificateError);
    const error = result.error as ForwardedCertificateError;
    expect(REASONS).toContain(error.reason);
    expect(error.message).not.toMatch(/[\r\n]/);
    return;
  }
  if (result.value !== undefined) {
    expect(result.value.chain.length).toBeLessThanOrEqual(MAX_CHAIN);
    touch(result.value);
  }
}

const options = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });

describe.each(FORMAT_NAMES.map((f) => [f] as const))('format %s: pure decoder', (format) => {
  const seeds = seedsFor(format);

  it('decodes its own valid values (the seeds are meaningful)', () => {
    for (const seed of seeds) {
      const certificate = decodeForwarded(format, seed, '');
      expect(certificate?.der.equals(SEED_CHAINS[seeds.indexOf(seed)]?.[0] as Buffer)).toBe(true);
    }
  });

  it('arbitrary text: a certificate, none, or ForwardedCertificateError', () => {
    fc.assert(
      fc.property(hostileText, (value) => {
        holds(format, value);
      }),
      options(RUNS.arbitrary),
    );
  });

  it('mutated valid values (truncated, doubled, case-flipped, hostile pieces inserted)', () => {
    fc.assert(
      fc.property(mutatedText(seeds), (value) => {
        holds(format, value);
      }),
      options(RUNS.mutatedText),
    );
  });

  it('valid encodings of mutated DER (bit flips, huge lengths, deep nesting, truncation)', () => {
    const encode = TEST_ENCODERS[format] as (ders: readonly Buffer[]) => string;
    fc.assert(
      fc.property(mutatedDer(SEED_DERS), fc.boolean(), (bytes, withChain) => {
        holds(format, encode(withChain ? [bytes, der('intermediate-ca')] : [bytes]));
      }),
      options(RUNS.mutatedDer),
    );
  });

  it('one-megabyte values', () => {
    fc.assert(
      fc.property(megabyteText(seeds), (value) => {
        holds(format, value);
      }),
      options(RUNS.megabyte),
    );
  });

  if (FORMATS[format].decodeChain !== undefined) {
    it('a hostile chain value next to a valid leaf', () => {
      const chainSeeds = seedsFor(format === 'rfc9440' ? 'rfc9440' : format);
      fc.assert(
        fc.property(fc.oneof(hostileText, mutatedText(chainSeeds)), (chainValue) => {
          holds(format, seeds[0] as string, chainValue);
        }),
        options(RUNS.chain),
      );
    });
  }
});
