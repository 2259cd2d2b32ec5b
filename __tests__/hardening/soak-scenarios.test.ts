/**
 * The soak's request mix (`soak/scenarios.ts`) is what the soak claims: every kind of request is
 * sent in every cycle of the schedule, and the mix holds valid, invalid and forged requests over
 * every route, with expectations pinned to the shared PKI's openssl thumbprints.
 */
import { schedule, scenarios, X5T } from '../../soak/scenarios';
import { X5T_S256 } from '../helpers/fixtures';

describe.each(['client-cert', 'x-ssl-cert'] as const)('soak mix forging %s', (header) => {
  const mix = scenarios(header);

  it('holds every route and every outcome class', () => {
    expect(new Set(mix.map((s) => s.route))).toEqual(
      new Set(['front', 'direct-untrusted', 'direct-proxy']),
    );
    expect(new Set(mix.map((s) => s.expected.status))).toEqual(new Set([200, 400, 401, 403]));
    expect(mix.filter((s) => s.name.startsWith('forged')).length).toBeGreaterThanOrEqual(2);
  });

  it('expects the openssl thumbprints for accepted requests', () => {
    expect(X5T).toEqual({
      'client-a': X5T_S256['client-a'],
      'client-b': X5T_S256['client-b'],
      'self-signed': X5T_S256['self-signed'],
    });
    const accepted = mix.filter((s) => s.expected.status === 200).map((s) => s.expected.body);
    expect(accepted).toEqual([
      { thumbprint: X5T_S256['client-a'], method: 'chain' },
      { thumbprint: X5T_S256['client-b'], method: 'chain' },
    ]);
  });

  it('schedules every scenario, by weight, in each cycle', () => {
    const pick = schedule(mix);
    const cycle = mix.reduce((sum, s) => sum + s.weight, 0);
    for (const start of [0, cycle, 7 * cycle]) {
      const counts = new Map<string, number>();
      for (let i = start; i < start + cycle; i++) {
        const name = pick(i).name;
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      expect(Object.fromEntries(counts)).toEqual(
        Object.fromEntries(mix.map((s) => [s.name, s.weight])),
      );
    }
  });

  it('forges the header of the format the front forwards', () => {
    const forged = mix.find(
      (s) => s.name === 'forged certificate header without a TLS certificate',
    );
    expect(Object.keys(forged?.headers() ?? {})).toContain(header);
  });
});
