import {
  CASES,
  expectations,
  requestHeaders,
  referenceCase,
  roundOrder,
  type BenchCase,
  type CheckMaterial,
} from '../../bench/cases';

const MATERIAL: CheckMaterial = {
  good: { certificate: 'good-cert', token: 'good-token' },
  mismatched: { certificate: 'other-cert', token: 'good-token' },
  stranger: { certificate: 'stranger-cert', token: 'stranger-token' },
};

describe('benchmark cases', () => {
  it('times bare Express, the peer and ours, warm and cold, each case once', () => {
    expect(CASES.map((c) => c.id)).toEqual([
      'bare',
      'peer',
      'cert',
      'binding',
      'full',
      'full-otel',
      'peer-cold',
      'binding-cold',
      'full-cold',
      'bare-chain',
      'peer-chain',
      'full-chain',
      'peer-chain-cold',
      'full-chain-cold',
      'peer-dpop',
      'dpop',
      'dpop-redis',
    ]);
    expect(CASES.filter((c) => c.cold).map((c) => c.server)).toEqual([
      'peer',
      'binding',
      'full',
      'peer',
      'full',
    ]);
  });

  it('forwards leaf + intermediate for bare Express, the peer and the full stack, warm and cold', () => {
    expect(CASES.filter((c) => c.chain === true).map((c) => [c.server, c.cold])).toEqual([
      ['bare', false],
      ['peer', false],
      ['full', false],
      ['peer', true],
      ['full', true],
    ]);
  });

  it('compares each case with bare Express and the peer of the same header (the peer: same warmth)', () => {
    const byId = (id: string): BenchCase => CASES.find((c) => c.id === id) as BenchCase;
    const reference = (id: string, to: 'bare' | 'peer'): string | undefined =>
      referenceCase(byId(id), to)?.id;
    expect(reference('full', 'bare')).toBe('bare');
    expect(reference('full', 'peer')).toBe('peer');
    expect(reference('full-cold', 'bare')).toBe('bare');
    expect(reference('full-cold', 'peer')).toBe('peer-cold');
    expect(reference('full-chain', 'bare')).toBe('bare-chain');
    expect(reference('full-chain', 'peer')).toBe('peer-chain');
    expect(reference('full-chain-cold', 'bare')).toBe('bare-chain');
    expect(reference('full-chain-cold', 'peer')).toBe('peer-chain-cold');
    expect(referenceCase(byId('full-chain-cold'), 'peer', CASES.slice(0, 9))).toBeUndefined();
  });

  it('alternates the order of rounds (ABC, CBA, ABC)', () => {
    expect(roundOrder(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(['a', 'b', 'c'], 1)).toEqual(['c', 'b', 'a']);
    expect(roundOrder(['a', 'b', 'c'], 2)).toEqual(['a', 'b', 'c']);
  });

  it('sends the certificate in the nginx header and the token as a bearer token', () => {
    expect(requestHeaders(MATERIAL.good)).toEqual({
      'x-ssl-cert': 'good-cert',
      authorization: 'Bearer good-token',
    });
    expect(requestHeaders({ certificate: undefined, token: 't' })).toEqual({
      authorization: 'Bearer t',
    });
  });

  it('expects bare Express to accept the good request only', () => {
    expect(expectations('bare', MATERIAL).map((e) => [e.name, e.status])).toEqual([
      ['good certificate and bound token', 200],
    ]);
  });

  it('expects clientCertificate() alone to refuse a malformed header (400)', () => {
    const list = expectations('cert', MATERIAL);
    expect(list.map((e) => e.status)).toEqual([200, 400]);
    expect(list[1]?.headers['x-ssl-cert']).toBe('not%20a%20certificate');
  });

  it('expects the peer to refuse a mismatched certificate (401)', () => {
    const list = expectations('peer', MATERIAL);
    expect(list.map((e) => e.status)).toEqual([200, 401]);
    expect(list[1]?.headers).toEqual({
      'x-ssl-cert': 'other-cert',
      authorization: 'Bearer good-token',
    });
  });

  it('expects ours to refuse a mismatched certificate and a missing one (401)', () => {
    const list = expectations('binding', MATERIAL);
    expect(list.map((e) => e.status)).toEqual([200, 401, 401]);
    expect(list[2]?.headers).toEqual({ authorization: 'Bearer good-token' });
  });

  it('expects the full stack to refuse a certificate of an unrelated CA as well (403)', () => {
    const list = expectations('full', MATERIAL);
    expect(list.map((e) => e.status)).toEqual([200, 401, 401, 403]);
    expect(list[3]?.headers).toEqual({
      'x-ssl-cert': 'stranger-cert',
      authorization: 'Bearer stranger-token',
    });
  });
});
