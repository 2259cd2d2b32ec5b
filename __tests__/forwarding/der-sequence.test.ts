import { splitDerSequence } from '../../lib/forwarding/der-sequence';
import { der } from '../helpers/fixtures';
import { reasonOf } from './support/vectors';

describe('splitDerSequence', () => {
  const a = der('client-a');
  const intermediate = der('intermediate-ca');

  it('returns one certificate as is', () => {
    expect(splitDerSequence(a, 4)).toEqual([a]);
  });

  it('splits concatenated certificates (HAProxy ssl_c_der + ssl_c_chain_der)', () => {
    expect(splitDerSequence(Buffer.concat([a, intermediate]), 4)).toEqual([a, intermediate]);
  });

  it.each([
    ['no bytes', Buffer.alloc(0)],
    ['a non-SEQUENCE', Buffer.from([0x04, 0x01, 0x00])],
    ['a truncated certificate', a.subarray(0, a.length - 1)],
    ['an indefinite length', Buffer.from([0x30, 0x80, 0x00, 0x00])],
  ])('refuses %s as not_a_certificate', (_what, bytes) => {
    expect(reasonOf(() => splitDerSequence(bytes, 4))).toBe('not_a_certificate');
  });

  it.each([
    ['a stray byte', Buffer.concat([a, Buffer.from([0x00])])],
    ['a non-SEQUENCE element', Buffer.concat([a, Buffer.from([0x02, 0x01, 0x05])])],
    ['a truncated second certificate', Buffer.concat([a, intermediate.subarray(0, 10)])],
  ])('refuses %s after a certificate as trailing_bytes', (_what, bytes) => {
    expect(reasonOf(() => splitDerSequence(bytes, 4))).toBe('trailing_bytes');
  });

  it('refuses more certificates than allowed (chain_too_long)', () => {
    expect(reasonOf(() => splitDerSequence(Buffer.concat([a, a, a]), 2))).toBe('chain_too_long');
  });
});
