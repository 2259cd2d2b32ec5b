import fc from 'fast-check';
import { decodeEscapedPemSequence } from '../../lib/forwarding/forwarded-pem';
import { decodePemSequence } from '../../lib/forwarding/forwarded-pem';
import { percentDecode } from '../../lib/forwarding/percent-decode';
import { der, pem } from '../helpers/fixtures';
import { mutate, textMutations } from '../helpers/mutation';
import { reasonOf } from './support/vectors';

const A = pem('client-a');
const INTERMEDIATE = pem('intermediate-ca');
/** nginx `$ssl_client_escaped_cert`: the PEM as a URI component. */
const ESCAPED_A = encodeURIComponent(A);
const ESCAPED_CHAIN = encodeURIComponent(A + INTERMEDIATE);

/** The reference: percent-decoding, then the regular-expression PEM reader. */
function reference(text: string, max: number, escaped: boolean): Buffer[] {
  return decodePemSequence(escaped ? percentDecode(text) : text, max);
}

/** What a decoder did: the DER blocks in hex, or the error's reason. */
function outcome(fn: () => Buffer[]): string[] | { reason: string | undefined } {
  try {
    return fn().map((block) => block.toString('hex'));
  } catch {
    return { reason: reasonOf(fn) };
  }
}

describe('decodeEscapedPemSequence', () => {
  it('decodes nginx $ssl_client_escaped_cert (one block, then a chain)', () => {
    expect(ESCAPED_A).toContain('%0A');
    expect(decodeEscapedPemSequence(ESCAPED_A, 4, true)).toEqual([der('client-a')]);
    expect(decodeEscapedPemSequence(ESCAPED_CHAIN, 4, true)).toEqual([
      der('client-a'),
      der('intermediate-ca'),
    ]);
  });

  it('decodes lower-case escapes, and AWS ALB values with + = / left literal', () => {
    const lower = ESCAPED_A.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
    expect(decodeEscapedPemSequence(lower, 1, true)).toEqual([der('client-a')]);
    const alb = ESCAPED_A.replace(/%(2B|2F|3D)/g, (escape) => decodeURIComponent(escape));
    expect(alb).toMatch(/[+/=]/);
    expect(decodeEscapedPemSequence(alb, 1, true)).toEqual([der('client-a')]);
  });

  it('decodes raw PEM, folded into spaces (Apache), with tabs, CR LF and surrounding blanks', () => {
    expect(decodeEscapedPemSequence(A, 1, false)).toEqual([der('client-a')]);
    expect(decodeEscapedPemSequence(A.replace(/\n/g, ' ').trim(), 1, false)).toEqual([
      der('client-a'),
    ]);
    expect(decodeEscapedPemSequence(A.replace(/\n(?!$)/g, '\n\t'), 1, false)).toEqual([
      der('client-a'),
    ]);
    expect(decodeEscapedPemSequence(`\r\n ${A.replace(/\n/g, '\r\n')}  `, 1, false)).toEqual([
      der('client-a'),
    ]);
  });

  it('decodes every padding length (RFC 4648 §4) and tolerates non-zero pad bits', () => {
    const block = (body: string): string =>
      `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
    expect(decodeEscapedPemSequence(block('QUJD'), 1, false)).toEqual([Buffer.from('ABC')]);
    expect(decodeEscapedPemSequence(block('QUI='), 1, false)).toEqual([Buffer.from('AB')]);
    expect(decodeEscapedPemSequence(block('QQ=='), 1, false)).toEqual([Buffer.from('A')]);
    expect(decodeEscapedPemSequence(block('QR=='), 1, false)).toEqual([Buffer.from('A')]);
    expect(decodeEscapedPemSequence(block('QUJ\nD QQ = ='), 1, false)).toEqual([
      Buffer.from('ABCA'),
    ]);
  });

  it.each([
    ['an empty value', ''],
    ['whitespace only', ' \n'],
    ['text before the block', `junk${A}`],
    ['text after the block', `${A}junk`],
    ['text between blocks', `${A}x${INTERMEDIATE}`],
    ['another label', A.replace(/CERTIFICATE/g, 'PUBLIC KEY')],
    ['a mismatched END label', A.replace('END CERTIFICATE', 'END X509 CRL')],
    ['a missing END line', A.replace('-----END CERTIFICATE-----', '')],
    ['base64url characters', A.replace(/\+/g, '-').replace(/\//g, '_')],
    ['a stray character in the body', A.replace('MII', 'MI*I')],
    ['a digit after the padding', A.replace(/=+\n-----END/, '==A\n-----END')],
    ['three padding characters', A.replace(/=*\n-----END/, '===\n-----END')],
    [
      'a lone digit before the padding',
      '-----BEGIN CERTIFICATE-----\nQUJDQ===\n-----END CERTIFICATE-----\n',
    ],
    ['missing padding', A.replace(/=+\n-----END/, '\n-----END')],
    ['an empty body', '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'],
    ['padding only', '-----BEGIN CERTIFICATE-----\n==\n-----END CERTIFICATE-----\n'],
    ['a non-ASCII character', A.replace('MII', 'MIé')],
    ['a percent sign in raw PEM', A.replace('MII', 'MI%41I')],
  ])('refuses %s with reason pem, as the reference does', (_what, text) => {
    expect(reasonOf(() => decodeEscapedPemSequence(text, 4, false))).toBe('pem');
    expect(reasonOf(() => decodeEscapedPemSequence(encodeURIComponent(text), 4, true))).toBe('pem');
    expect(reasonOf(() => reference(text, 4, false))).toBe('pem');
  });

  it.each([
    ['a truncated escape', ESCAPED_A.slice(0, -2)],
    ['an escape without hex digits', ESCAPED_A.replace('%0A', '%0G')],
    ['an escape of invalid UTF-8', ESCAPED_A.replace('%0A', '%C3')],
  ])('refuses %s with reason percent_encoding', (_what, text) => {
    expect(reasonOf(() => decodeEscapedPemSequence(text, 4, true))).toBe('percent_encoding');
  });

  it('refuses an escaped non-ASCII character (valid UTF-8) with reason pem', () => {
    const text = ESCAPED_A.replace('MII', 'MI%C3%A9I');
    expect(reasonOf(() => decodeEscapedPemSequence(text, 4, true))).toBe('pem');
  });

  it('refuses one block more than allowed before decoding it (chain_too_long)', () => {
    expect(reasonOf(() => decodeEscapedPemSequence(ESCAPED_CHAIN + ESCAPED_A, 2, true))).toBe(
      'chain_too_long',
    );
    expect(decodeEscapedPemSequence(ESCAPED_CHAIN, 2, true)).toHaveLength(2);
    expect(reasonOf(() => decodeEscapedPemSequence(`${A}-----BEGIN junk`, 1, false))).toBe('pem');
  });

  it('gives the same blocks or the same error as the reference, for mutated PEM text', () => {
    const alphabet = [
      'A',
      '/',
      '+',
      '=',
      '-',
      ' ',
      '\n',
      '\t',
      '%',
      '%2',
      '%0A',
      '%2D',
      '%3D',
      'é',
      '%C3%A9',
      'G',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(A, A + INTERMEDIATE, A.replace(/\n/g, ' ')),
        textMutations(alphabet),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        (base, mutations, escaped, max) => {
          const text = mutate(escaped ? encodeURIComponent(base) : base, mutations);
          expect(outcome(() => decodeEscapedPemSequence(text, max, escaped))).toEqual(
            outcome(() => reference(text, max, escaped)),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('scans a long hostile value in linear time (no catastrophic backtracking)', () => {
    const hostile = `-----BEGIN CERTIFICATE-----${'A '.repeat(200_000)}`;
    expect(reasonOf(() => decodeEscapedPemSequence(hostile, 8, false))).toBe('pem');
    expect(reasonOf(() => decodeEscapedPemSequence(`${hostile}-`, 8, false))).toBe('pem');
  });
});
