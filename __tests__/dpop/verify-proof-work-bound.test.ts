/**
 * Work bound: the worst-shaped proofs an attacker can send at the size cap (a huge JSON string,
 * deep nesting, many members, escapes, long base64, many segments, an enormous RSA modulus) are
 * refused quickly and without blocking the event loop. The padded ones are validly signed, so
 * every check up to the last runs on them (`ath` is missing from their payload). For scale: a
 * 16384-bit RSA verification, the cost the key-size limits keep out, takes ~35 ms on a quiet
 * machine. Bounds are generous for a shared CI machine; on a quiet one the mean is well under a
 * millisecond.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  DPOP_PROOF_MAX_LENGTH,
  dpopProofSettings,
  verifyDpopProof,
} from '../../lib/dpop/verify-proof';
import { b64, HTU, KEYS, NOW, RFC9449_TOKEN, signParts } from './helpers/proof';

const settings = dpopProofSettings();
const PAYLOAD = b64({ jti: 'j', htm: 'GET', htu: HTU, iat: NOW / 1000 });

/** Pads a header object with a filler member so that the whole proof is exactly at the cap. */
function atCap(header: Record<string, unknown>, filler: (room: number) => unknown): string {
  const fixed = signParts(b64(header), PAYLOAD);
  const room = Math.floor(((DPOP_PROOF_MAX_LENGTH - fixed.length) * 3) / 4) - 16;
  let proof = signParts(b64({ ...header, z: filler(room) }), PAYLOAD);
  while (proof.length > DPOP_PROOF_MAX_LENGTH) {
    proof = signParts(
      b64({ ...header, z: filler(room - (proof.length - DPOP_PROOF_MAX_LENGTH)) }),
      PAYLOAD,
    );
  }
  return proof;
}

const nest = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
const HEADER = { typ: 'dpop+jwt', alg: 'ES256', jwk: KEYS.ec.jwk };

const WORST: [string, string, string][] = [
  ['a huge JSON string in the header', atCap(HEADER, (room) => 'x'.repeat(room)), 'ath'],
  ['deep nesting in the header', atCap(HEADER, (room) => nest(Math.floor(room / 2))), 'ath'],
  [
    'many members in the header',
    atCap(HEADER, (room) =>
      Object.fromEntries(Array.from({ length: Math.floor(room / 10) }, (_, i) => [`m${i}`, 0])),
    ),
    'ath',
  ],
  ['escape-heavy JSON', atCap(HEADER, (room) => '\u0000'.repeat(Math.floor(room / 6))), 'ath'],
  [
    'a 34 000-bit RSA modulus',
    atCap({ typ: 'dpop+jwt', alg: 'PS256' }, () => undefined).replace(/^[^.]+/, () =>
      b64({
        typ: 'dpop+jwt',
        alg: 'PS256',
        jwk: { kty: 'RSA', e: 'AQAB', n: b64(Buffer.alloc(4300, 0xc5)) },
      }),
    ),
    'algorithm',
  ],
  ['8 191 dots', '.'.repeat(DPOP_PROOF_MAX_LENGTH - 1), 'malformed'],
  ['one long base64url segment', 'A'.repeat(DPOP_PROOF_MAX_LENGTH), 'malformed'],
  ['a megabyte (over the cap)', `${'A'.repeat(1 << 20)}.x.y`, 'malformed'],
];

describe('verifyDpopProof work bound', () => {
  it.each(WORST)('refuses %s (%#) for its reason', async (_name, proof, reason) => {
    expect(proof.length <= DPOP_PROOF_MAX_LENGTH || proof.length > 1_000_000).toBe(true);
    const result = await verifyDpopProof(
      { proofs: [proof], method: 'GET', htu: HTU, accessToken: RFC9449_TOKEN, now: NOW },
      settings,
    );
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('refuses 50 of each quickly, without blocking the event loop', async () => {
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const started = process.hrtime.bigint();
    let slowest = 0;
    for (let round = 0; round < 50; round++) {
      for (const [, proof] of WORST) {
        const one = process.hrtime.bigint();
        await verifyDpopProof(
          { proofs: [proof], method: 'GET', htu: HTU, accessToken: RFC9449_TOKEN, now: NOW },
          settings,
        );
        slowest = Math.max(slowest, Number(process.hrtime.bigint() - one) / 1e6);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
    histogram.disable();
    const maxDelayMs = histogram.max / 1e6;
    const meanMs = totalMs / (50 * WORST.length);
    // Printed for the report: measured figures on this machine.
    process.stdout.write(
      `work bound: mean ${meanMs.toFixed(3)} ms, slowest ${slowest.toFixed(2)} ms, ` +
        `event-loop delay max ${maxDelayMs.toFixed(2)} ms\n`,
    );
    expect(meanMs).toBeLessThan(10);
    expect(slowest).toBeLessThan(250);
    expect(maxDelayMs).toBeLessThan(250);
  });
});
