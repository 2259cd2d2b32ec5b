import fc from 'fast-check';
import { scanCredentials, type CredentialScheme } from '../../lib/binding/credentials';

/** The regular expressions of RFC 6750 §2.1 the one-pass scanner replaces, as the reference. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const REFERENCE = {
  bearer: { name: 'Bearer', scheme: /^bearer(?: |$)/i, credentials: /^bearer +(\S+)$/i },
  dpop: { name: 'DPoP', scheme: /^dpop(?: |$)/i, credentials: /^dpop +(\S+)$/i },
} as const;

function reference(header: string, schemes: readonly CredentialScheme[]): unknown {
  let found: unknown;
  for (const scheme of ['bearer', 'dpop'] as const) {
    const syntax = REFERENCE[scheme];
    if (!schemes.includes(scheme) || !syntax.scheme.test(header)) continue;
    const token = syntax.credentials.exec(header)?.[1];
    if (token === undefined || !B64TOKEN.test(token)) {
      return { description: `malformed ${syntax.name} credentials`, scheme };
    }
    found = { scheme, token, location: 'header', dpopProofs: [] };
  }
  return found;
}

const ALPHABET = [
  ...Array.from('BbEeAaRrDdPpOo'),
  ...Array.from('xyz019-._~+/='),
  ' ',
  ' ',
  '\t',
  '\n',
  '\u00a0',
  'ſ',
  'K',
  ',',
  '"',
  '%',
];
const piece = fc.constantFrom(
  'Bearer',
  'bearer',
  'BEARER',
  'DPoP',
  'dpop',
  'Basic',
  ' ',
  '  ',
  'abc',
  '==',
  'eyJ0.eyJ1.c2ln',
);
const header = fc
  .array(fc.oneof(piece, fc.constantFrom(...ALPHABET)), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('scanCredentials: one pass, the same answers as the RFC 6750 §2.1 expressions', () => {
  it.each([
    ['Bearer abc'],
    ['bearer   abc=='],
    ['BEARER a.b.c'],
    ['Bearer'],
    ['Bearer '],
    ['Bearer abc '],
    ['Bearer a\tb'],
    ['Bearer\tabc'],
    ['Bearerabc'],
    ['Bearer =abc'],
    ['Bearer abc=d'],
    ['Bearer ab\u00a0c'],
    ['Bearer abcſ'],
    ['DPoP abc'],
    ['dpop'],
    ['Basic abc'],
    [''],
  ])('%j', (value) => {
    for (const schemes of [['bearer'], ['dpop'], ['bearer', 'dpop']] as const) {
      expect(scanCredentials({ authorization: [value] }, schemes)).toEqual(
        reference(value, schemes),
      );
    }
  });

  it('agrees on generated Authorization values', () => {
    fc.assert(
      fc.property(
        header,
        fc.constantFrom<readonly CredentialScheme[]>(['bearer'], ['dpop'], ['bearer', 'dpop']),
        (value, schemes) => {
          expect(scanCredentials({ authorization: [value] }, schemes)).toEqual(
            reference(value, schemes),
          );
        },
      ),
      { numRuns: 3_000, seed: 15 },
    );
  });

  it('agrees on body and query values', () => {
    fc.assert(
      fc.property(header, (value) => {
        const scanned = scanCredentials({ authorization: [], query: value }, ['bearer']);
        expect(scanned !== undefined && 'token' in scanned).toBe(B64TOKEN.test(value));
      }),
      { numRuns: 2_000, seed: 15 },
    );
  });
});
