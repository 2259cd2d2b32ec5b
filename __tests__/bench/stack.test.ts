import { encodeForwardedCertificate } from '../../lib/forwarding/encode-forwarded-certificate';
import { expectations, type CheckMaterial, type ServerKind } from '../../bench/cases';
import { startJwksServer, type JwksServer } from '../../bench/jwks-server';
import { createBenchPki, type BenchPki } from '../../bench/pki';
import { createStack } from '../../bench/stack';
import { AUDIENCE, createTokenIssuer, ISSUER, type TokenIssuer } from '../../bench/tokens';
import type { ClientCertificate } from '../../lib/certificate';

let pki: BenchPki;
let issuer: TokenIssuer;
let jwks: JwksServer;
let material: CheckMaterial;

const nginx = (certificate: ClientCertificate): string =>
  encodeForwardedCertificate(certificate, 'nginx')['x-ssl-cert'] as string;

beforeAll(async () => {
  pki = await createBenchPki();
  issuer = createTokenIssuer();
  jwks = await startJwksServer(issuer.jwks);
  material = {
    good: { certificate: nginx(pki.clientA), token: issuer.mint(pki.clientA, 'client-a') },
    mismatched: { certificate: nginx(pki.clientB), token: issuer.mint(pki.clientA, 'client-a') },
    stranger: { certificate: nginx(pki.stranger), token: issuer.mint(pki.stranger, 'stranger') },
  };
}, 30_000);

afterAll(async () => {
  await jwks.close();
});

describe('the in-process stacks answer as their HTTP servers must', () => {
  it.each(['bare', 'peer', 'cert', 'binding', 'full'] as ServerKind[])('%s', async (kind) => {
    const call = createStack({
      kind,
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: jwks.uri,
      trustAnchor: pki.root.certificate.pem,
      intermediate: pki.intermediate.certificate.pem,
    });
    for (const expectation of expectations(kind, material)) {
      expect([expectation.name, await call(expectation.headers)]).toEqual([
        expectation.name,
        expectation.status,
      ]);
    }
  });

  it('cold: every pool leaf with its own token is accepted by the full stack and the peer', async () => {
    const config = {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: jwks.uri,
      trustAnchor: pki.root.certificate.pem,
      intermediate: pki.intermediate.certificate.pem,
    };
    const full = createStack({ ...config, kind: 'full' });
    const peer = createStack({ ...config, kind: 'peer' });
    for (const leaf of pki.pool(3, 500)) {
      const headers = {
        'x-ssl-cert': nginx(leaf),
        authorization: `Bearer ${issuer.mint(leaf, 'pooled')}`,
      };
      expect(await full(headers)).toBe(200);
      expect(await peer(headers)).toBe(200);
    }
  });

  it('answers 503 (an MtlsError, never a bare exception) when the JWKS endpoint is down', async () => {
    const call = createStack({
      kind: 'binding',
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: 'http://127.0.0.1:1/jwks',
      trustAnchor: pki.root.certificate.pem,
      intermediate: pki.intermediate.certificate.pem,
    });
    expect(
      await call({
        'x-ssl-cert': nginx(pki.clientA),
        authorization: `Bearer ${material.good.token}`,
      }),
    ).toBe(503);
  });
});
