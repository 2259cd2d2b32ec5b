import {
  CASES,
  expectations,
  requestHeaders,
  roundOrder,
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
    ]);
    expect(CASES.filter((c) => c.cold).map((c) => c.server)).toEqual(['peer', 'binding', 'full']);
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
