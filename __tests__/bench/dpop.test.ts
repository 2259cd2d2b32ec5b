import { CASES, referenceCase, type BenchCase } from '../../bench/cases';
import {
  createDpopClient,
  dpopCheckMaterial,
  dpopExpectations,
  dpopHeaders,
  freshProof,
  jtiGenerator,
  prepareProofs,
  proofCount,
  type ProofTarget,
} from '../../bench/dpop';
import type { LoadResult } from '../../bench/load';
import { renderMarkdown, replayStoreCost, summarize, targets } from '../../bench/report';
import { dpopProofSettings, verifyDpopProof } from '../../lib/dpop/verify-proof';
import { KEYS } from '../dpop/helpers/proof';

const TOKEN = 'header.payload.signature';
const HTU = 'http://127.0.0.1:4567/';
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const client = createDpopClient(KEYS.ec.privateKey);
const other = createDpopClient(KEYS.ecOther.privateKey);
const settings = dpopProofSettings();

function target(nextJti = jtiGenerator()): ProofTarget {
  return { client, htu: HTU, token: TOKEN, nextJti, now: () => NOW };
}

async function verify(proof: string, now = NOW) {
  return verifyDpopProof(
    {
      proofs: [proof],
      method: 'GET',
      htu: HTU,
      accessToken: TOKEN,
      expectedJkt: client.jkt,
      now,
    },
    settings,
  );
}

function payloadOf(proof: string): Record<string, unknown> {
  return JSON.parse(
    Buffer.from(proof.split('.')[1] as string, 'base64url').toString('utf8'),
  ) as Record<string, unknown>;
}

describe('benchmark DPoP client', () => {
  it('has the RFC 7638 thumbprint jose computes for the fixture key', () => {
    expect(client.jkt).toBe(KEYS.ec.jkt);
    expect(other.jkt).toBe(KEYS.ecOther.jkt);
    expect(client.jwk).toEqual({ kty: 'EC', crv: 'P-256', x: KEYS.ec.jwk.x, y: KEYS.ec.jwk.y });
  });

  it('makes proofs that pass every check of our verifier (typ, alg, signature, htm, htu, iat, ath, jkt)', async () => {
    const proof = freshProof(target());
    const result = await verify(proof);
    expect(result).toMatchObject({ ok: true, value: { jkt: client.jkt, iat: NOW / 1000 } });
    expect(payloadOf(proof)).toMatchObject({ htm: 'GET', htu: HTU, iat: NOW / 1000 });
  });

  it('binds each proof to its token (ath): a proof for another token is refused', async () => {
    const proof = freshProof({ ...target(), token: 'another.token.value' });
    expect(await verify(proof)).toMatchObject({ ok: false, reason: 'ath' });
  });

  it('gives every proof its own jti, also across generators', () => {
    const a = jtiGenerator();
    const b = jtiGenerator();
    const ids = new Set([...Array.from({ length: 500 }, a), ...Array.from({ length: 500 }, b)]);
    expect(ids.size).toBe(1000);
  });
});

describe('proof supply of a timed run', () => {
  it('hands out the prepared proofs once each, in order, then signs new ones (counted), never a repeat', async () => {
    const supply = prepareProofs(target(), 3);
    expect(supply.prepared).toBe(3);
    const sent = Array.from({ length: 5 }, () => supply.next());
    expect(supply.fallbacks()).toBe(2);
    const proofs = sent.map((headers) => headers.dpop as string);
    expect(new Set(proofs).size).toBe(5);
    expect(new Set(proofs.map((p) => payloadOf(p).jti)).size).toBe(5);
    for (const headers of sent) {
      expect(headers.authorization).toBe(`DPoP ${TOKEN}`);
      expect(await verify(headers.dpop as string)).toMatchObject({ ok: true });
    }
  });

  it('sizes the supply from the last rate with a margin, bounded', () => {
    expect(proofCount(1000, 5)).toBe(8500);
    expect(proofCount(Number.NaN, 1)).toBe(16_000);
    expect(proofCount(0, 1)).toBe(16_000);
    expect(proofCount(1e9, 5)).toBe(400_000);
    expect(proofCount(1e9, 5, 10)).toBe(10);
  });

  it('sends the token with the DPoP scheme and the proof in the DPoP header', () => {
    expect(dpopHeaders('t', 'p')).toEqual({ authorization: 'DPoP t', dpop: 'p' });
  });
});

describe('DPoP pre-check', () => {
  const material = dpopCheckMaterial(client, other, TOKEN, HTU, jtiGenerator());

  it('replays the good request exactly, signs the wrong-key proof with the other key, sends the token as Bearer', async () => {
    expect(material.replayed).toEqual(material.good);
    expect(await verify(material.good.dpop as string, Date.now())).toMatchObject({ ok: true });
    expect(await verify(material.otherKey.dpop as string, Date.now())).toMatchObject({
      ok: false,
      reason: 'key_mismatch',
    });
    expect(material.otherKey.authorization).toBe(`DPoP ${TOKEN}`);
    expect(material.asBearer.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('expects ours to refuse the replay, the other key and Bearer (401)', () => {
    for (const kind of ['dpop', 'dpop-redis'] as const) {
      const list = dpopExpectations(kind, material);
      expect(list.map((e) => e.status)).toEqual([200, 401, 401, 401]);
      expect(list.map((e) => e.headers)).toEqual([
        material.good,
        material.replayed,
        material.otherKey,
        material.asBearer,
      ]);
    }
  });

  it('records that the peer accepts the replay (no jti check) and answers Bearer with 400', () => {
    const list = dpopExpectations('peer-dpop', material);
    expect(list.map((e) => e.status)).toEqual([200, 200, 401, 400]);
    expect(list[1]?.name).toContain('no jti check');
  });
});

describe('DPoP cases and report', () => {
  const byId = (id: string): BenchCase => CASES.find((c) => c.id === id) as BenchCase;
  function result(rps: number, cpu: number, p99: number): LoadResult {
    return { rps, p50: 1, p99, requests: rps, cpuPerRequest: cpu, generatorCpuPerRequest: 40 };
  }

  it('compares the DPoP rows with the peer in DPoP mode and with bare Express', () => {
    expect(CASES.filter((c) => c.dpop === true).map((c) => c.server)).toEqual([
      'peer-dpop',
      'dpop',
      'dpop-redis',
    ]);
    expect(referenceCase(byId('dpop'), 'peer')?.id).toBe('peer-dpop');
    expect(referenceCase(byId('dpop-redis'), 'peer')?.id).toBe('peer-dpop');
    expect(referenceCase(byId('dpop'), 'bare')?.id).toBe('bare');
    expect(referenceCase(byId('full'), 'peer')?.id).toBe('peer');
  });

  const rows = summarize(
    CASES,
    new Map([
      ['bare', [result(9000, 100, 3)]],
      ['peer-dpop', [result(2000, 900, 12)]],
      ['dpop', [result(2800, 600, 9)]],
      ['dpop-redis', [result(2100, 750, 14)]],
    ]),
  );

  it('sets the DPoP target at 1.3× the peer and reports the Redis cost separately', () => {
    expect(targets(rows)).toEqual([
      {
        name: 'warm DPoP (memoryReplayStore) vs peer DPoP',
        ratio: 1.4,
        goal: 1.3,
        required: true,
        met: true,
      },
    ]);
    expect(replayStoreCost(rows)).toEqual({
      throughput: 0.75,
      cpuUs: 150,
      p99MemoryMs: 9,
      p99RedisMs: 14,
    });
    expect(replayStoreCost(rows.filter((r) => r.case.id !== 'dpop-redis'))).toBeUndefined();
  });

  it('renders the Redis cost and every note', () => {
    const markdown = renderMarkdown({
      machine: {
        cpu: 'Test CPU',
        cores: 2,
        node: 'v20',
        os: 'linux',
        loadStart: [0, 0, 0],
        loadEnd: [0, 0, 0],
        date: '2026-01-01T00:00:00.000Z',
      },
      settings: { rounds: 1, seconds: 1, warmupSeconds: 1, connections: [16], poolSize: 10 },
      http: [{ connections: 16, rows, targets: targets(rows) }],
      micro: [],
      notes: ['no redis-server here'],
    });
    expect(markdown).toContain('- **Note:** no redis-server here');
    expect(markdown).toContain('### DPoP replay store: Redis vs memory, 16 connections');
    expect(markdown).toContain('| req/s, redisReplayStore / memoryReplayStore | 0.75× |');
    expect(markdown).toContain('| p99 ms, memory → Redis | 9.0 → 14.0 |');
    expect(markdown).toContain(
      '| warm DPoP (memoryReplayStore) vs peer DPoP | 1.40× | ≥ 1.30× | yes |',
    );
  });
});
