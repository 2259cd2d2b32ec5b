/**
 * Issue #10, defect 1: XFCC element injection through a certificate's own SANs.
 *
 * Envoy copies URI and DNS SANs raw into `x-forwarded-client-cert`. A client that presents a
 * self-signed certificate (the sample accepts untrusted ones) whose SAN is
 * `spiffe://x,Cert="<escaped PEM of client-a>"` used to make the parser see a new last element
 * holding client-a's certificate, so `requireClientCertificate()` pinned to client-a let the
 * attacker in, and a token bound to client-a was accepted. Every shape below must now be refused
 * with 400 ERR_MTLS_HEADER_MALFORMED / `xfcc_ambiguous`, and honest Envoy output still accepted.
 */
import { createHash } from 'node:crypto';
import type { ErrorRequestHandler, Express } from 'express';
import request from 'supertest';
import {
  clientCertificate,
  mtlsErrorHandler,
  requireCertificateBoundToken,
  requireClientCertificate,
  type MtlsError,
} from '../../lib';
import { AUDIENCE, claims, ISSUER, privateKey, publicPem, signJwt } from '../binding/helpers/keys';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { der, X5T_S256 } from '../helpers/fixtures';
import { sanCertificate } from '../helpers/san-certificate';
import {
  ALL_DETAILS,
  appendForward,
  envoyEscapedPem,
  sanitizeSet,
  type EnvoyDetails,
} from './support/envoy-xfcc';

const VICTIM = der('client-a');
const VICTIM_HASH = '83c51f5506a15b3e569a3b74a30da97f3931c4b96d1c112353ab8fcbdd7729fc';
const VICTIM_PEM = envoyEscapedPem(VICTIM);
const EDGE = 'spiffe://example.test/edge';

/** What the attacker writes after its own SAN text: each shape ends in a forged element. */
const SHAPES: readonly (readonly [string, string])[] = [
  ['a quoted Cert', `spiffe://x,Cert="${VICTIM_PEM}"`],
  ['an unquoted Cert', `spiffe://x,Cert=${VICTIM_PEM}`],
  ['a By=…;Hash=…; prefix', `spiffe://x,By=${EDGE};Hash=${VICTIM_HASH};Cert="${VICTIM_PEM}"`],
];

function attacker(where: 'uri' | 'dns', san: string, extra: readonly string[] = []): Buffer {
  return sanCertificate(
    where === 'uri' ? { uri: [san, ...extra] } : { dns: [san, ...extra], uri: ['spiffe://x'] },
  );
}

function boundToken(): string {
  return signJwt(claims({ cnf: { 'x5t#S256': X5T_S256['client-a'] } }), privateKey('rsa'), 'RS256');
}

function makeStack(makeApp: () => Express, errors: MtlsError[], xfccHops = 1): Express {
  const app = makeApp();
  const read = clientCertificate({ format: 'xfcc', trustProxy: 'loopback', xfccHops });
  app.get(
    '/auth',
    read,
    requireClientCertificate({ thumbprints: [X5T_S256['client-a']] }),
    (req, res) => {
      res.json({ thumbprint: req.clientCertAuth?.certificate.thumbprint });
    },
  );
  app.get('/who', read, (req, res) => {
    res.json({ thumbprint: req.clientCert?.thumbprint });
  });
  app.get(
    '/token',
    read,
    requireCertificateBoundToken({
      issuer: ISSUER,
      audience: AUDIENCE,
      publicKey: publicPem('rsa'),
    }),
    (req, res) => {
      res.json({ thumbprint: req.auth?.thumbprint });
    },
  );
  const record: ErrorRequestHandler = (err: MtlsError, _req, _res, next) => {
    errors.push(err);
    next(err);
  };
  app.use(record, mtlsErrorHandler());
  return app;
}

describe.each(EXPRESS_VERSIONS)('XFCC SAN injection on %s', (_name, makeApp) => {
  const errors: MtlsError[] = [];
  const app = makeStack(makeApp, errors);
  const twoHops = makeStack(makeApp, errors, 2);

  async function refused(target: Express, path: string, xfcc: string, token?: string) {
    errors.length = 0;
    let call = request(target).get(path).set('x-forwarded-client-cert', xfcc);
    if (token !== undefined) call = call.set('authorization', `Bearer ${token}`);
    const response = await call;
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'invalid_request',
      error_description: 'malformed client certificate header',
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'ERR_MTLS_HEADER_MALFORMED',
      reason: 'xfcc_ambiguous',
    });
    expect(errors[0]?.message).not.toContain('spiffe://x');
  }

  describe.each(['uri', 'dns'] as const)('through a %s SAN', (where) => {
    it.each(SHAPES)('refuses %s (SANITIZE_SET, the sample config)', async (_shape, san) => {
      const xfcc = sanitizeSet({ by: [EDGE], peer: attacker(where, san) });
      await refused(app, '/auth', xfcc);
      await refused(app, '/token', xfcc, boundToken());
    });

    it.each(SHAPES)('refuses %s in an APPEND_FORWARD chain (xfccHops 2)', async (_s, san) => {
      const edge = sanitizeSet({ by: [EDGE], peer: attacker(where, san) });
      const xfcc = appendForward(edge, {
        by: ['spiffe://example.test/inner'],
        peer: der('server'),
      });
      await refused(twoHops, '/auth', xfcc);
    });

    it.each(SHAPES)('refuses %s when the SAN adds the victim URI after it', async (_s, san) => {
      const peer = attacker(where, san, where === 'uri' ? ['spiffe://example.test/client-a'] : []);
      await refused(app, '/auth', sanitizeSet({ by: [EDGE], peer }));
    });

    it.each(SHAPES)('refuses %s when the edge APPENDs to a client header', async (_s, san) => {
      const xfcc = appendForward(`Hash=${VICTIM_HASH};Cert="${VICTIM_PEM}"`, {
        by: [EDGE],
        peer: attacker(where, san),
      });
      await refused(app, '/auth', xfcc);
    });
  });

  it('refuses the injection when Envoy forwards no Cert (URI only): the forged one is not believed', async () => {
    const details: EnvoyDetails = { uri: true };
    const xfcc = sanitizeSet({ peer: attacker('uri', SHAPES[2]![1]), details });
    errors.length = 0;
    const response = await request(app).get('/auth').set('x-forwarded-client-cert', xfcc);
    expect(response.status).toBe(400);
    expect(errors[0]).toMatchObject({ code: 'ERR_MTLS_HEADER_MALFORMED' });
    expect(['xfcc_ambiguous', 'xfcc_missing_cert']).toContain(errors[0]?.reason);
  });

  it.each(SHAPES)(
    'with the shipped sample details (cert, chain), %s never reaches the header',
    async (_shape, san) => {
      const peer = attacker('uri', san);
      const xfcc = sanitizeSet({ by: [EDGE], peer, details: { cert: true, chain: true } });
      expect(xfcc).not.toContain('spiffe://x');
      const who = await request(app).get('/who').set('x-forwarded-client-cert', xfcc);
      expect(who.status).toBe(200);
      expect(who.body).toEqual({
        thumbprint: createHash('sha256').update(peer).digest('base64url'),
      });
    },
  );

  it('still authenticates the victim itself through honest Envoy output (every detail on)', async () => {
    const xfcc = sanitizeSet({ by: [EDGE], peer: VICTIM, peerChain: [der('intermediate-ca')] });
    const response = await request(app).get('/auth').set('x-forwarded-client-cert', xfcc);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ thumbprint: X5T_S256['client-a'] });
  });

  it('reads the attacker as itself when its SANs hold no separator', async () => {
    const peer = sanCertificate({ uri: ['spiffe://x/y?a=b'], dns: ['x.example'] });
    const own = sanitizeSet({ by: [EDGE], peer });
    const who = await request(app).get('/who').set('x-forwarded-client-cert', own);
    expect(who.status).toBe(200);
    expect(who.body).toEqual({ thumbprint: createHash('sha256').update(peer).digest('base64url') });
    errors.length = 0;
    const response = await request(app).get('/auth').set('x-forwarded-client-cert', own);
    expect(response.status).toBe(403);
    expect(errors[0]).toMatchObject({ code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED' });
  });

  it('believes the right element of an honest APPEND_FORWARD chain (xfccHops 2)', async () => {
    const edge = sanitizeSet({ by: [EDGE], peer: VICTIM, details: ALL_DETAILS });
    const xfcc = appendForward(edge, { by: ['spiffe://example.test/inner'], peer: der('server') });
    const response = await request(twoHops).get('/auth').set('x-forwarded-client-cert', xfcc);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ thumbprint: X5T_S256['client-a'] });
  });
});
