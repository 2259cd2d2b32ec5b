import { constants, createPrivateKey, sign } from 'node:crypto';
import { dpopNonces } from '../../lib/dpop/nonce';
import {
  DPOP_PROOF_MAX_LENGTH,
  dpopProofSettings,
  verifyDpopProof,
  type DpopProofInput,
  type DpopProofOptions,
  type DpopProofResult,
  type DpopProofSettings,
} from '../../lib/dpop/verify-proof';
import {
  b64,
  HTU,
  KEYS,
  makeProof,
  NOW,
  NOW_S,
  RFC9449_ATH,
  RFC9449_TOKEN,
  signParts,
  signature,
} from './helpers/proof';

const DEFAULTS = dpopProofSettings();
const SECRET = 'a-nonce-secret-of-at-least-32-bytes!';

function verify(
  proofs: readonly string[],
  input: Partial<DpopProofInput> = {},
  settings: DpopProofSettings = DEFAULTS,
): Promise<DpopProofResult> {
  return verifyDpopProof(
    { proofs, method: 'GET', htu: HTU, accessToken: RFC9449_TOKEN, now: NOW, ...input },
    settings,
  );
}

async function reasonOf(
  proofs: readonly string[],
  input: Partial<DpopProofInput> = {},
  settings?: DpopProofSettings,
): Promise<string> {
  const result = await verify(proofs, input, settings);
  return result.ok ? 'accepted' : result.reason;
}

describe('dpopProofSettings()', () => {
  it('defaults: ES256 PS256 EdDSA, 300 s, 5 s tolerance, no nonce, no profile', () => {
    expect(DEFAULTS).toMatchObject({
      algorithms: ['ES256', 'PS256', 'EdDSA'],
      maxAgeSeconds: 300,
      clockToleranceSeconds: 5,
      nonce: undefined,
      profile: undefined,
    });
    expect(dpopProofSettings({ algorithms: undefined, nonce: undefined })).toMatchObject({
      algorithms: ['ES256', 'PS256', 'EdDSA'],
    });
  });

  it('keeps the configured list (deduplicated) for the challenge algs', () => {
    expect(dpopProofSettings({ algorithms: ['PS256', 'ES256', 'PS256'] }).algorithms).toEqual([
      'PS256',
      'ES256',
    ]);
  });

  it('profile fapi2 accepts PS256, ES256, EdDSA and Ed25519', () => {
    const settings = dpopProofSettings({
      profile: 'fapi2',
      algorithms: ['PS256', 'ES256', 'EdDSA', 'Ed25519'],
    });
    expect(settings.profile).toBe('fapi2');
    expect(dpopProofSettings({ profile: 'fapi2' }).algorithms).toEqual(['ES256', 'PS256', 'EdDSA']);
  });

  it.each<[string, unknown, RegExp]>([
    [
      'a misspelt option',
      { maxAgeSecond: 300 },
      /unknown option "maxAgeSecond"\. Did you mean "maxAgeSeconds"/,
    ],
    ['options that are not an object', 'ES256', /options must be an object/],
    ['an empty algorithm list', { algorithms: [] }, /non-empty array/],
    ['an algorithm string instead of a list', { algorithms: 'ES256' }, /non-empty array/],
    ['none', { algorithms: ['none'] }, /"none".*asymmetric key \(RFC 9449 §4.2\)/],
    ['an HMAC algorithm', { algorithms: ['ES256', 'HS256'] }, /"HS256".*asymmetric key/],
    ['a misspelt algorithm', { algorithms: ['ES265'] }, /"ES265".*Did you mean "ES256"/],
    ['an algorithm that is not a string', { algorithms: [256] }, /"\[number\]" is not accepted/],
    ['RS256 under fapi2', { profile: 'fapi2', algorithms: ['RS256'] }, /FAPI 2.0 allows only/],
    ['ES384 under fapi2', { profile: 'fapi2', algorithms: ['ES384'] }, /FAPI 2.0 allows only/],
    ['an unknown profile', { profile: 'fapi1' }, /"profile" must be one of "fapi2"/],
    ['a zero maxAgeSeconds', { maxAgeSeconds: 0 }, /"maxAgeSeconds" must be an integer ≥ 1/],
    ['a fractional maxAgeSeconds', { maxAgeSeconds: 1.5 }, /"maxAgeSeconds"/],
    ['a negative tolerance', { clockToleranceSeconds: -1 }, /"clockToleranceSeconds"/],
    ['a short nonce secret', { nonce: { secret: 'short' } }, /at least 32 bytes/],
  ])('throws a TypeError for %s', (_name, options, message) => {
    expect(() => dpopProofSettings(options as DpopProofOptions)).toThrow(TypeError);
    expect(() => dpopProofSettings(options as DpopProofOptions)).toThrow(message);
  });
});

describe('verifyDpopProof: accepted proofs', () => {
  it.each<[string, Parameters<typeof makeProof>[0], DpopProofOptions, string]>([
    ['ES256 (P-256)', {}, {}, KEYS.ec.jkt],
    ['PS256 (RSA 2048, salt 32)', { key: 'rsa', alg: 'PS256' }, {}, KEYS.rsa.jkt],
    ['EdDSA (Ed25519)', { key: 'ed', alg: 'EdDSA' }, {}, KEYS.ed.jkt],
    ['Ed25519 as an alias of EdDSA', { key: 'ed', alg: 'Ed25519' }, {}, KEYS.ed.jkt],
    [
      'EdDSA when only Ed25519 is configured',
      { key: 'ed', alg: 'EdDSA' },
      { algorithms: ['Ed25519'] },
      KEYS.ed.jkt,
    ],
    [
      'RS256 when configured',
      { key: 'rsa', alg: 'RS256' },
      { algorithms: ['RS256'] },
      KEYS.rsa.jkt,
    ],
    [
      'ES384 when configured',
      { key: 'ec384', alg: 'ES384' },
      { algorithms: ['ES384'] },
      KEYS.ec384.jkt,
    ],
  ])('%s, with the RFC 7638 thumbprint jose computes', async (_name, proof, options, jkt) => {
    const result = await verify([makeProof(proof)], {}, dpopProofSettings(options));
    expect(result).toEqual({
      ok: true,
      value: {
        jkt,
        jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) as unknown,
        iat: NOW_S,
        replayKey: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
        ttlMs: 315_000,
      },
    });
  });

  it('is the same key for a returning client (key cache) and refuses a forger under that key', async () => {
    const settings = dpopProofSettings();
    expect((await verify([makeProof()], {}, settings)).ok).toBe(true);
    expect((await verify([makeProof()], {}, settings)).ok).toBe(true);
    const forged = makeProof().split('.');
    forged[2] = signature(`${forged[0]}.${forged[1]}`, KEYS.ecOther.privateKey, 'ES256');
    expect(await reasonOf([forged.join('.')], {}, settings)).toBe('signature');
  });

  it('derives the replay key from jkt and jti: per proof, per key, never the jti itself', async () => {
    const one = await verify([makeProof({ payload: { jti: 'same' } })]);
    const again = await verify([makeProof({ payload: { jti: 'same' } })]);
    const other = await verify([makeProof({ payload: { jti: 'other' } })]);
    const otherKey = await verify([makeProof({ key: 'ecOther', payload: { jti: 'same' } })]);
    if (!one.ok || !again.ok || !other.ok || !otherKey.ok) throw new Error('expected accepted');
    expect(again.value.replayKey).toBe(one.value.replayKey);
    expect(other.value.replayKey).not.toBe(one.value.replayKey);
    expect(otherKey.value.replayKey).not.toBe(one.value.replayKey);
    expect(one.value.replayKey).not.toContain('same');
  });

  it('sets ttlMs to outlive the iat window: its end, plus the tolerance and a 5 s margin', async () => {
    const settings = dpopProofSettings({ maxAgeSeconds: 60, clockToleranceSeconds: 0 });
    const result = await verify([makeProof()], {}, settings);
    expect(result.ok && result.value.ttlMs).toBe(65_000);
    const tolerant = dpopProofSettings({ maxAgeSeconds: 60, clockToleranceSeconds: 5 });
    const old = await verify([makeProof({ payload: { iat: NOW_S - 50 } })], {}, tolerant);
    expect(old.ok && old.value.ttlMs).toBe(15_000 + 5_000 + 5_000);
    const early = await verify([makeProof({ payload: { iat: NOW_S + 5 } })], {}, tolerant);
    expect(early.ok && early.value.ttlMs).toBe(70_000 + 5_000 + 5_000);
  });

  it('does not require ath without an access token (and then ignores it)', async () => {
    expect(
      await reasonOf([makeProof({ payload: { ath: undefined } })], { accessToken: undefined }),
    ).toBe('accepted');
    expect(await reasonOf([makeProof({ payload: { ath: 'x' } })], { accessToken: undefined })).toBe(
      'accepted',
    );
  });

  it('ignores a nonce in the proof when nonces are off', async () => {
    expect(await reasonOf([makeProof({ payload: { nonce: 'anything' } })])).toBe('accepted');
  });

  it('accepts the token cnf.jkt of the proof key', async () => {
    expect(await reasonOf([makeProof()], { expectedJkt: KEYS.ec.jkt })).toBe('accepted');
  });

  it('accepts an htu spelt differently but equal after RFC 3986 normalisation', async () => {
    const htu = 'HTTPS://API.Example.COM:443/./resource';
    expect(await reasonOf([makeProof({ payload: { htu } })])).toBe('accepted');
  });

  it('accepts iat at both edges of the window and refuses it one second outside', async () => {
    const at = (iat: number) => reasonOf([makeProof({ payload: { iat } })]);
    expect(await at(NOW_S - 305)).toBe('accepted');
    expect(await at(NOW_S + 5)).toBe('accepted');
    expect(await at(NOW_S - 306)).toBe('iat');
    expect(await at(NOW_S + 6)).toBe('iat');
    expect(await at(NOW_S - 0.5)).toBe('accepted');
  });

  it('accepts a jti of 1 and of 256 characters', async () => {
    expect(await reasonOf([makeProof({ payload: { jti: 'j' } })])).toBe('accepted');
    expect(await reasonOf([makeProof({ payload: { jti: 'j'.repeat(256) } })])).toBe('accepted');
  });
});

describe('verifyDpopProof: the OpenID FAPI 2.0 conformance negative cases', () => {
  it.each<[string, () => string[], string, Partial<DpopProofInput>?]>([
    ['missing htu', () => [makeProof({ payload: { htu: undefined } })], 'htu'],
    ['missing iat', () => [makeProof({ payload: { iat: undefined } })], 'iat'],
    ['missing ath', () => [makeProof({ payload: { ath: undefined } })], 'ath'],
    ['bad typ', () => [makeProof({ header: { typ: 'JWT' } })], 'type'],
    [
      'bad signature',
      () => {
        const [h, p, s] = makeProof().split('.') as [string, string, string];
        const bytes = Buffer.from(s, 'base64url');
        bytes[10] = (bytes[10] as number) ^ 1;
        return [`${h}.${p}.${bytes.toString('base64url')}`];
      },
      'signature',
    ],
    [
      'private key in jwk',
      () => [makeProof({ header: { jwk: KEYS.ec.privateKey.export({ format: 'jwk' }) } })],
      'private_key',
    ],
    ['wrong htm', () => [makeProof({ payload: { htm: 'POST' } })], 'htm'],
    ['wrong htu', () => [makeProof({ payload: { htu: 'https://api.example.com/other' } })], 'htu'],
    ['iat an hour in the past', () => [makeProof({ payload: { iat: NOW_S - 3600 } })], 'iat'],
    ['iat an hour in the future', () => [makeProof({ payload: { iat: NOW_S + 3600 } })], 'iat'],
    ['wrong ath', () => [makeProof({ payload: { ath: RFC9449_ATH.replace('f', 'g') } })], 'ath'],
    ['two DPoP headers', () => [makeProof(), makeProof()], 'multiple'],
    ['two DPoP headers joined by Node', () => [`${makeProof()}, ${makeProof()}`], 'multiple'],
  ])('refuses %s', async (_name, proofs, reason, ...input) => {
    const result = await verify(proofs(), input[0]);
    expect(result).toEqual({
      ok: false,
      reason,
      detail: expect.stringMatching(/^DPoP proof /) as unknown,
    });
  });

  it('accepts a proof whose htu carries a query and a fragment', async () => {
    const htu = `${HTU}?page=2&sort=asc#section`;
    expect(await reasonOf([makeProof({ payload: { htu } })])).toBe('accepted');
  });
});

describe('verifyDpopProof: one proof, bounded, well-formed (missing, multiple, malformed)', () => {
  const header = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: KEYS.ec.jwk });
  const payload = b64({ jti: 'j', htm: 'GET', htu: HTU, iat: NOW_S, ath: RFC9449_ATH });

  it.each<[string, string[], string]>([
    ['no DPoP header', [], 'missing'],
    ['an empty DPoP header', [''], 'missing'],
    ['two headers, one empty', ['', makeProof()], 'multiple'],
    ['one character over the size cap', ['a'.repeat(DPOP_PROOF_MAX_LENGTH + 1)], 'malformed'],
    ['two parts', [`${header}.${payload}`], 'malformed'],
    ['four parts', [`${signParts(header, payload)}.x`], 'malformed'],
    ['standard base64 (+ and /)', [signParts(`${header}+/`, payload)], 'malformed'],
    ['padding', [signParts(`${b64('{"typ":"dpop+jwt"}')}=`, payload)], 'malformed'],
    [
      'a non-canonical base64url tail',
      [signParts(`${header.slice(0, -1)}_`, payload)],
      'malformed',
    ],
    ['a header that is not JSON', [signParts(b64('not json'), payload)], 'malformed'],
    ['a header that is a JSON array', [signParts(b64('[1]'), payload)], 'malformed'],
    ['a payload that is JSON null', [signParts(header, b64('null'))], 'malformed'],
    [
      'a payload that is not UTF-8',
      [signParts(header, b64(Buffer.from([0x7b, 0xff, 0x7d])))],
      'malformed',
    ],
    ['a signature part that is not base64url', [`${header}.${payload}.a=b`], 'malformed'],
    ['a crit header', [makeProof({ header: { crit: ['b64'], b64: false } })], 'malformed'],
    ['no jwk', [makeProof({ header: { jwk: undefined } })], 'malformed'],
    ['a jwk that is an array', [makeProof({ header: { jwk: [KEYS.ec.jwk] } })], 'malformed'],
    ['a jwk that is a string', [makeProof({ header: { jwk: 'key' } })], 'malformed'],
    [
      'a jwk with a short x',
      [makeProof({ header: { jwk: { ...KEYS.ec.jwk, x: 'AAAA' } } })],
      'malformed',
    ],
    ['an oct jwk', [makeProof({ header: { jwk: { kty: 'oct' } } })], 'malformed'],
    [
      'an RSA jwk without e',
      [makeProof({ key: 'rsa', alg: 'PS256', header: { jwk: { kty: 'RSA', n: KEYS.rsa.jwk.n } } })],
      'malformed',
    ],
    [
      'an EC point off the curve',
      [
        makeProof({
          header: {
            jwk: {
              kty: 'EC',
              crv: 'P-256',
              x: b64(Buffer.alloc(32, 1)),
              y: b64(Buffer.alloc(32, 2)),
            },
          },
        }),
      ],
      'malformed',
    ],
    ['no jti', [makeProof({ payload: { jti: undefined } })], 'malformed'],
    ['an empty jti', [makeProof({ payload: { jti: '' } })], 'malformed'],
    ['a jti of 257 characters', [makeProof({ payload: { jti: 'j'.repeat(257) } })], 'malformed'],
    ['a numeric jti', [makeProof({ payload: { jti: 7 } })], 'malformed'],
  ])('refuses %s', async (_name, proofs, reason) => {
    expect(await reasonOf(proofs)).toBe(reason);
  });

  it('an empty signature → signature', async () => {
    expect(await reasonOf([`${header}.${payload}.`])).toBe('signature');
  });
});

describe('verifyDpopProof: typ and alg (type, algorithm)', () => {
  it.each<[string, Parameters<typeof makeProof>[0], string, DpopProofOptions?]>([
    ['no typ', { header: { typ: undefined } }, 'type'],
    ['typ in upper case', { header: { typ: 'DPOP+JWT' } }, 'type'],
    ['typ application/dpop+jwt', { header: { typ: 'application/dpop+jwt' } }, 'type'],
    ['no alg', { header: { alg: undefined } }, 'algorithm'],
    ['alg none', { header: { alg: 'none' } }, 'algorithm'],
    ['alg HS256', { header: { alg: 'HS256' } }, 'algorithm'],
    ['alg __proto__', { header: { alg: '__proto__' } }, 'algorithm'],
    ['alg as a number', { header: { alg: 256 } }, 'algorithm'],
    ['RS256 when not configured', { key: 'rsa', alg: 'RS256' }, 'algorithm'],
    ['ES384 when not configured', { key: 'ec384', alg: 'ES384' }, 'algorithm'],
    ['RS256 under fapi2', { key: 'rsa', alg: 'RS256' }, 'algorithm', { profile: 'fapi2' }],
    ['ES256 with a P-384 key', { header: { jwk: KEYS.ec384.jwk } }, 'algorithm'],
    ['ES384 with a P-256 key', { key: 'ec', alg: 'ES384' }, 'algorithm', { algorithms: ['ES384'] }],
    ['ES256 with an Ed25519 key', { header: { jwk: KEYS.ed.jwk } }, 'algorithm'],
    ['EdDSA with a P-256 key', { key: 'ec', header: { alg: 'EdDSA' } }, 'algorithm'],
    ['PS256 with an EC key', { header: { alg: 'PS256' } }, 'algorithm'],
    ['PS256 with RSA 1024', { key: 'rsa1024', alg: 'PS256' }, 'algorithm'],
    [
      'PS256 with an 8200-bit modulus (verification cost)',
      {
        key: 'rsa',
        alg: 'PS256',
        header: { jwk: { kty: 'RSA', e: 'AQAB', n: b64(Buffer.alloc(1025, 0xff)) } },
      },
      'algorithm',
    ],
    [
      'PS256 with a 40-bit public exponent (verification cost)',
      {
        key: 'rsa',
        alg: 'PS256',
        header: { jwk: { ...KEYS.rsa.jwk, e: b64(Buffer.from('ff00000001', 'hex')) } },
      },
      'algorithm',
    ],
  ])('refuses %s', async (_name, proof, reason, ...options) => {
    const settings = options[0] ? dpopProofSettings(options[0]) : DEFAULTS;
    expect(await reasonOf([makeProof(proof)], {}, settings)).toBe(reason);
  });

  it('names the configured algorithms, not the proof alg, in the detail', async () => {
    const result = await verify([makeProof({ header: { alg: 'XX999' } })]);
    expect(result).toMatchObject({
      ok: false,
      detail: 'DPoP proof alg is not one of ES256, PS256, EdDSA',
    });
  });
});

describe('verifyDpopProof: jwk holds a public key only (private_key)', () => {
  it.each(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'])(
    'refuses a jwk with "%s"',
    async (member) => {
      const jwk = { ...KEYS.ec.jwk, [member]: 'AAAA' };
      expect(await reasonOf([makeProof({ header: { jwk } })])).toBe('private_key');
    },
  );

  it('refuses an RSA and an Ed25519 private JWK', async () => {
    const rsa = KEYS.rsa.privateKey.export({ format: 'jwk' });
    const ed = KEYS.ed.privateKey.export({ format: 'jwk' });
    expect(await reasonOf([makeProof({ key: 'rsa', alg: 'PS256', header: { jwk: rsa } })])).toBe(
      'private_key',
    );
    expect(await reasonOf([makeProof({ key: 'ed', alg: 'EdDSA', header: { jwk: ed } })])).toBe(
      'private_key',
    );
  });

  it('checks for private members before the public ones (a bare { d } is private_key)', async () => {
    expect(await reasonOf([makeProof({ header: { jwk: { d: 'AAAA' } } })])).toBe('private_key');
  });
});

describe('verifyDpopProof: signature', () => {
  it('refuses a payload changed after signing', async () => {
    const [h, , s] = makeProof().split('.') as [string, string, string];
    const payload = b64({ jti: 'j', htm: 'GET', htu: HTU, iat: NOW_S, ath: RFC9449_ATH });
    expect(await reasonOf([`${h}.${payload}.${s}`])).toBe('signature');
  });

  it('refuses a proof signed by another key than its jwk', async () => {
    const [h, p] = makeProof().split('.') as [string, string];
    const forged = `${h}.${p}.${signature(`${h}.${p}`, KEYS.ecOther.privateKey, 'ES256')}`;
    expect(await reasonOf([forged])).toBe('signature');
  });

  it('refuses an ECDSA signature in DER form (not IEEE P1363)', async () => {
    const [h, p] = makeProof().split('.') as [string, string];
    const der = sign('sha256', Buffer.from(`${h}.${p}`), KEYS.ec.privateKey).toString('base64url');
    expect(await reasonOf([`${h}.${p}.${der}`])).toBe('signature');
  });

  it('refuses PS256 with a salt other than 32 bytes, and an RS256 signature labelled PS256', async () => {
    const [h, p] = makeProof({ key: 'rsa', alg: 'PS256' }).split('.') as [string, string];
    const data = Buffer.from(`${h}.${p}`);
    const salt0 = sign('sha256', data, {
      key: KEYS.rsa.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 0,
    }).toString('base64url');
    const pkcs1 = sign('sha256', data, KEYS.rsa.privateKey).toString('base64url');
    expect(await reasonOf([`${h}.${p}.${salt0}`])).toBe('signature');
    expect(await reasonOf([`${h}.${p}.${pkcs1}`])).toBe('signature');
  });

  it('refuses an RSA signature one byte short of the modulus', async () => {
    const [h, p, s] = makeProof({ key: 'rsa', alg: 'PS256' }).split('.') as [
      string,
      string,
      string,
    ];
    const short = Buffer.from(s, 'base64url').subarray(1).toString('base64url');
    expect(await reasonOf([`${h}.${p}.${short}`])).toBe('signature');
  });

  it('refuses an Ed25519 proof signed by a different Ed25519 key', async () => {
    const other = createPrivateKey({
      key: Buffer.concat([
        Buffer.from('302e020100300506032b657004220420', 'hex'),
        Buffer.alloc(32, 7),
      ]),
      format: 'der',
      type: 'pkcs8',
    });
    const [h, p] = makeProof({ key: 'ed', alg: 'EdDSA' }).split('.') as [string, string];
    expect(await reasonOf([`${h}.${p}.${signature(`${h}.${p}`, other, 'EdDSA')}`])).toBe(
      'signature',
    );
  });
});

describe('verifyDpopProof: htm, htu, iat, ath (a missing claim is a wrong one)', () => {
  it.each<[string, Parameters<typeof makeProof>[0], string, Partial<DpopProofInput>?]>([
    ['no htm', { payload: { htm: undefined } }, 'htm'],
    ['htm in lower case', { payload: { htm: 'get' } }, 'htm'],
    ['htm for another method', { payload: { htm: 'GET' } }, 'htm', { method: 'DELETE' }],
    ['an htu for http:', { payload: { htu: 'http://api.example.com/resource' } }, 'htu'],
    ['an htu for another host', { payload: { htu: 'https://evil.example/resource' } }, 'htu'],
    ['an htu that is a relative path', { payload: { htu: '/resource' } }, 'htu'],
    ['a numeric htu', { payload: { htu: 1 } }, 'htu'],
    ['any htu when the request URL is unknown', {}, 'htu', { htu: undefined }],
    ['iat as a string', { payload: { iat: String(NOW_S) } }, 'iat'],
    ['iat 1e400 (Infinity)', { payload: { iat: '@INF' } }, 'iat'],
    ['ath of another token', { payload: { ath: 'x'.repeat(43) } }, 'ath'],
    ['a numeric ath', { payload: { ath: 1 } }, 'ath'],
    ['an ath in standard base64', { payload: { ath: `${RFC9449_ATH}=` } }, 'ath'],
  ])('refuses %s', async (_name, proof, reason, ...input) => {
    let text = makeProof(proof);
    if (proof?.payload?.iat === '@INF') {
      const [h, p] = text.split('.') as [string, string];
      const json = Buffer.from(p, 'base64url').toString().replace('"@INF"', '1e400');
      text = signParts(h, b64(json));
    }
    expect(await reasonOf([text], input[0])).toBe(reason);
  });

  it('checks in the documented order: typ before alg before signature before claims', async () => {
    const badEverything = makeProof({
      header: { typ: 'JWT', alg: 'none' },
      payload: { htm: undefined, htu: undefined, iat: undefined, jti: undefined, ath: undefined },
    });
    expect(await reasonOf([badEverything])).toBe('type');
    const [h, p] = makeProof({ payload: { htm: 'PUT', htu: 'x', iat: 0 } }).split('.') as [
      string,
      string,
    ];
    expect(await reasonOf([`${h}.${p}.${'A'.repeat(86)}`])).toBe('signature');
    expect(await reasonOf([makeProof({ payload: { htm: 'PUT', htu: 'x', iat: 0 } })])).toBe('htm');
    expect(await reasonOf([makeProof({ payload: { htu: 'x', iat: 0, jti: '' } })])).toBe('htu');
    expect(await reasonOf([makeProof({ payload: { iat: 0, jti: '', ath: 'x' } })])).toBe('iat');
    expect(await reasonOf([makeProof({ payload: { jti: '', ath: 'x' } })])).toBe('malformed');
    expect(
      await reasonOf([makeProof({ payload: { ath: 'x' } })], { expectedJkt: KEYS.ecOther.jkt }),
    ).toBe('ath');
  });
});

describe('verifyDpopProof: nonce (use_dpop_nonce)', () => {
  const settings = dpopProofSettings({ nonce: { secret: SECRET } });
  const nonces = dpopNonces({ secret: SECRET });

  it('accepts a current nonce, and one issued by another instance with the same secret', async () => {
    expect(
      await reasonOf([makeProof({ payload: { nonce: nonces.issue(NOW) } })], {}, settings),
    ).toBe('accepted');
  });

  it.each<[string, unknown]>([
    ['no nonce', undefined],
    ['a stale nonce (10 minutes old)', nonces.issue(NOW - 600_000)],
    ['a nonce under another secret', dpopNonces({ secret: 'x'.repeat(32) }).issue(NOW)],
    ['a numeric nonce', 12],
  ])('answers use_dpop_nonce with a fresh nonce for %s', async (_name, nonce) => {
    const result = await verify([makeProof({ payload: { nonce } })], {}, settings);
    expect(result).toEqual({
      ok: false,
      reason: 'use_dpop_nonce',
      nonce: nonces.issue(NOW),
      detail: 'DPoP proof has no nonce or a stale one',
    });
    if (result.ok || result.reason !== 'use_dpop_nonce') throw new Error('expected a nonce');
    expect(nonces.check(result.nonce, NOW)).toBe(true);
  });

  it('refuses a bad proof for its own reason before asking for a nonce', async () => {
    expect(await reasonOf([makeProof({ payload: { htm: 'POST' } })], {}, settings)).toBe('htm');
  });
});

describe('verifyDpopProof: the token binding (key_mismatch)', () => {
  it.each<[string, string]>([
    ['the thumbprint of another key', KEYS.ecOther.jkt],
    ['an empty cnf.jkt', ''],
    ['a cnf.jkt one character short', KEYS.ec.jkt.slice(1)],
    ['a cnf.jkt that differs in case', KEYS.ec.jkt.toLowerCase()],
  ])('refuses %s', async (_name, expectedJkt) => {
    expect(await reasonOf([makeProof()], { expectedJkt })).toBe('key_mismatch');
  });
});

describe('verifyDpopProof: no client text in details', () => {
  const MARK = 'INJECTED\u202e\nline';
  it.each<[string, Parameters<typeof makeProof>[0]]>([
    ['typ', { header: { typ: MARK } }],
    ['alg', { header: { alg: MARK } }],
    ['jwk kty', { header: { jwk: { kty: MARK } } }],
    ['htm', { payload: { htm: MARK } }],
    ['htu', { payload: { htu: MARK } }],
    ['iat', { payload: { iat: MARK } }],
    ['jti', { payload: { jti: MARK.repeat(40) } }],
    ['ath', { payload: { ath: MARK } }],
  ])('the %s value never reaches detail', async (_name, proof) => {
    const result = await verify([makeProof(proof)]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.detail).not.toContain('INJECTED');
    expect(result.detail).toMatch(/^[\x20-\x7e]+$/);
  });
});
