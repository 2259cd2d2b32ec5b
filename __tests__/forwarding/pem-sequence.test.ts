import { decodePemSequence } from '../../lib/forwarding/forwarded-pem';
import { der, pem } from '../helpers/fixtures';
import { reasonOf } from './support/vectors';

const A = pem('client-a');
const INTERMEDIATE = pem('intermediate-ca');

describe('decodePemSequence', () => {
  it('decodes one block', () => {
    expect(decodePemSequence(A, 4)).toEqual([der('client-a')]);
  });

  it('decodes several blocks in order, leaf first', () => {
    expect(decodePemSequence(A + INTERMEDIATE, 4)).toEqual([
      der('client-a'),
      der('intermediate-ca'),
    ]);
  });

  it('accepts line breaks folded into spaces (Apache) and tabs (legacy nginx)', () => {
    expect(decodePemSequence(A.replace(/\n/g, ' ').trim(), 1)).toEqual([der('client-a')]);
    expect(decodePemSequence(A.replace(/\n(?!$)/g, '\n\t'), 1)).toEqual([der('client-a')]);
    expect(decodePemSequence(`\r\n ${A.replace(/\n/g, '\r\n')}  `, 1)).toEqual([der('client-a')]);
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
    ['missing padding', A.replace(/=+\n-----END/, '\n-----END')],
    ['an empty body', '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'],
  ])('refuses %s with reason pem', (_what, text) => {
    expect(reasonOf(() => decodePemSequence(text, 4))).toBe('pem');
  });

  it('refuses one block more than allowed before decoding it (chain_too_long)', () => {
    expect(reasonOf(() => decodePemSequence(A + INTERMEDIATE + A, 2))).toBe('chain_too_long');
    expect(decodePemSequence(A + INTERMEDIATE, 2)).toHaveLength(2);
  });

  it('scans a long hostile value in linear time (no catastrophic backtracking)', () => {
    const hostile = `-----BEGIN CERTIFICATE-----${'A '.repeat(200_000)}`;
    expect(reasonOf(() => decodePemSequence(hostile, 8))).toBe('pem');
  });
});
