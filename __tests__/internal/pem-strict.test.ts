/**
 * The strict mode of the one PEM reader (forwarded headers): CERTIFICATE blocks and whitespace
 * only. Lenient mode is in pem.test.ts; the forwarding corpus and property tests cover both.
 */
import fc from 'fast-check';
import { decodeCertificatePem, decodeStrictCertificatePem, PemError } from '../../lib/internal/pem';
import { der, pem } from '../helpers/fixtures';
import { mutate, textMutations } from '../helpers/mutation';

const A = pem('client-a');
const INTERMEDIATE = pem('intermediate-ca');

function failure(text: string, max = 4): { reason: string; message: string } {
  try {
    decodeStrictCertificatePem(text, max);
  } catch (error) {
    expect(error).toBeInstanceOf(PemError);
    return { reason: (error as PemError).reason, message: (error as PemError).message };
  }
  throw new Error('accepted');
}

describe('decodeStrictCertificatePem', () => {
  it('decodes blocks separated and surrounded by whitespace only', () => {
    expect(decodeStrictCertificatePem(` \r\n${A}\t${INTERMEDIATE} `, 2)).toEqual([
      der('client-a'),
      der('intermediate-ca'),
    ]);
    expect(decodeStrictCertificatePem(A.replace(/\n/g, ' ').trim(), 1)).toEqual([der('client-a')]);
  });

  it.each([
    ['an empty value', '', 'no PEM certificate block where one was expected'],
    ['text before the block', `junk${A}`, 'no PEM certificate block where one was expected'],
    ['text after the block', `${A}junk`, 'unexpected text around the PEM certificate blocks'],
    [
      'another label',
      A.replace(/CERTIFICATE/g, 'PUBLIC KEY'),
      'no PEM certificate block where one was expected',
    ],
    [
      'a stray character',
      A.replace('MII', 'MI*I'),
      'no PEM certificate block where one was expected',
    ],
    [
      'missing padding',
      A.replace(/=+\n-----END/, '\n-----END'),
      'a PEM certificate block is not valid base64',
    ],
    [
      'padding only',
      '-----BEGIN CERTIFICATE-----\n==\n-----END CERTIFICATE-----',
      'a PEM certificate block is not valid base64',
    ],
  ])('refuses %s (pem), without quoting the text', (_what, text, message) => {
    expect(failure(text)).toEqual({ reason: 'pem', message });
  });

  it('refuses one block more than allowed before decoding it (too_many_blocks)', () => {
    const broken = '-----BEGIN CERTIFICATE-----\n==\n-----END CERTIFICATE-----';
    expect(failure(`${A}${broken}`, 1)).toEqual({
      reason: 'too_many_blocks',
      message: 'more than 1 PEM certificate blocks',
    });
    expect(failure(`${A}${A.replace('MII', 'MI*I')}`, 1).reason).toBe('pem');
  });

  it('accepts only what lenient mode reads the same way, for mutated text', () => {
    const alphabet = [
      ...Array.from('A/+=- \n\txé'),
      '-----END CERTIFICATE-----',
      '-----BEGIN CERTIFICATE-----',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(A, A + INTERMEDIATE, A.replace(/\n/g, ' ')),
        textMutations(alphabet),
        (base, mutations) => {
          const text = mutate(base, mutations);
          let strict: Buffer[];
          try {
            strict = decodeStrictCertificatePem(text, 4);
          } catch (error) {
            expect(error).toBeInstanceOf(PemError);
            return;
          }
          expect(decodeCertificatePem(text)).toEqual(strict);
        },
      ),
      { seed: 12, numRuns: 2000 },
    );
  });
});
