/**
 * Proofs made by a third-party DPoP client (oauth4webapi, through its public
 * protectedResourceRequest API, in a child process because it is ESM-only) are accepted, and
 * refused with another key, method, URL, token, or without the nonce when nonces are on.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { dpopNonces } from '../../lib/dpop/nonce';
import {
  dpopProofSettings,
  verifyDpopProof,
  type DpopProofInput,
} from '../../lib/dpop/verify-proof';
import { KEYS } from './helpers/proof';

interface ClientRequest {
  key: string;
  alg: 'ES256' | 'PS256' | 'Ed25519' | 'EdDSA';
  method: string;
  url: string;
  accessToken: string;
  serverNonce?: string;
  htuWithQuery?: boolean;
}

const TOKEN = 'an.access.token';
const URL_ = 'https://api.example.com/accounts';
const SECRET = 'interop-nonce-secret-of-32-bytes-or-more';
/** When the test started: the client's nonce is issued then, and its proofs made just after. */
const NOW = Date.now();
const nonces = dpopNonces({ secret: SECRET });

const REQUESTS: Record<string, ClientRequest> = {
  es256: { key: 'ec-p256.key', alg: 'ES256', method: 'GET', url: URL_, accessToken: TOKEN },
  ps256: { key: 'rsa-2048.key', alg: 'PS256', method: 'POST', url: URL_, accessToken: TOKEN },
  ed25519: { key: 'ed25519.key', alg: 'Ed25519', method: 'GET', url: URL_, accessToken: TOKEN },
  eddsa: { key: 'ed25519.key', alg: 'EdDSA', method: 'GET', url: URL_, accessToken: TOKEN },
  query: {
    key: 'ec-p256.key',
    alg: 'ES256',
    method: 'GET',
    url: `${URL_}?page=2#top`,
    accessToken: TOKEN,
    htuWithQuery: true,
  },
  nonce: {
    key: 'ec-p256.key',
    alg: 'ES256',
    method: 'GET',
    url: URL_,
    accessToken: TOKEN,
    serverNonce: nonces.issue(NOW),
  },
};

let proofs: Record<string, { dpop: string; authorization: string }>;

beforeAll(() => {
  const script = join(__dirname, 'helpers/oauth4webapi-proofs.mjs');
  const output = execFileSync(process.execPath, [script], {
    input: JSON.stringify(Object.values(REQUESTS)),
    encoding: 'utf8',
    timeout: 60_000,
  });
  const list = JSON.parse(output) as { dpop: string; authorization: string }[];
  proofs = Object.fromEntries(Object.keys(REQUESTS).map((name, i) => [name, list[i]!]));
});

const settings = dpopProofSettings({ algorithms: ['ES256', 'PS256', 'EdDSA'] });

function check(name: string, input: Partial<DpopProofInput> = {}, using = settings) {
  return verifyDpopProof(
    {
      proofs: [proofs[name]!.dpop],
      method: REQUESTS[name]!.method,
      htu: URL_,
      accessToken: TOKEN,
      now: Date.now(),
      ...input,
    },
    using,
  );
}

describe('DPoP proofs made by oauth4webapi', () => {
  it('sends the token with the DPoP scheme', () => {
    expect(proofs.es256!.authorization).toBe(`DPoP ${TOKEN}`);
  });

  it.each<[string, string]>([
    ['es256', KEYS.ec.jkt],
    ['ps256', KEYS.rsa.jkt],
    ['ed25519', KEYS.ed.jkt],
    ['eddsa', KEYS.ed.jkt],
  ])('accepts its %s proof, bound to the key jose fingerprints', async (name, jkt) => {
    const result = await check(name, { expectedJkt: jkt });
    expect(result).toMatchObject({ ok: true, value: { jkt } });
  });

  it('accepts its proof whose htu carries the query and fragment (FAPI 2.0 positive case)', async () => {
    expect(await check('query')).toMatchObject({ ok: true });
  });

  it('accepts under profile fapi2', async () => {
    expect(await check('es256', {}, dpopProofSettings({ profile: 'fapi2' }))).toMatchObject({
      ok: true,
    });
  });

  it('gives the same replay key when the same proof comes again (the store refuses it)', async () => {
    const first = await check('es256');
    const second = await check('es256');
    expect(first.ok && second.ok && first.value.replayKey === second.value.replayKey).toBe(true);
  });

  it.each<[string, Partial<DpopProofInput>, string]>([
    [
      'with another key than the token is bound to',
      { expectedJkt: KEYS.ecOther.jkt },
      'key_mismatch',
    ],
    ['for another method', { method: 'DELETE' }, 'htm'],
    ['at another URL', { htu: 'https://api.example.com/admin' }, 'htu'],
    ['with another access token', { accessToken: 'another.access.token' }, 'ath'],
    ['ten minutes later', { now: NOW + 660_000 }, 'iat'],
    ['twice in one request', {}, 'multiple'],
  ])('refuses its proof %s', async (name, input, reason) => {
    const extra =
      name === 'twice in one request' ? { proofs: [proofs.es256!.dpop, proofs.es256!.dpop] } : {};
    expect(await check('es256', { ...input, ...extra })).toMatchObject({ ok: false, reason });
  });

  describe('with nonces on', () => {
    const withNonce = dpopProofSettings({ nonce: { secret: SECRET } });

    it('answers use_dpop_nonce to a proof without a nonce, with the nonce the client then uses', async () => {
      const result = await check('es256', {}, withNonce);
      expect(result).toMatchObject({ ok: false, reason: 'use_dpop_nonce' });
      if (result.ok || result.reason !== 'use_dpop_nonce') return;
      expect(nonces.check(result.nonce, Date.now())).toBe(true);
    });

    it('accepts the retried proof carrying the server nonce', async () => {
      expect(await check('nonce', {}, withNonce)).toMatchObject({
        ok: true,
        value: { jkt: KEYS.ec.jkt },
      });
    });
  });
});
