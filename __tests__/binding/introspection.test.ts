import { createServer as createHttpsServer } from 'node:https';
import { Agent as HttpsAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  createIntrospectionVerifier,
  interpretIntrospection,
  type IntrospectionSettings,
} from '../../lib/binding/introspection';
import { key, pem, X5T_S256 } from '../helpers/fixtures';
import { now } from './helpers/keys';
import { closedPortUrl, sendJson, startServer, type LoopbackServer } from './helpers/servers';

const TIME = { clockTolerance: 0, maxTokenAge: undefined };
const OPEN = { issuers: undefined, audiences: undefined, requiredClaims: [], time: TIME };

function settings(
  endpoint: string,
  extra: Partial<IntrospectionSettings> = {},
): IntrospectionSettings {
  return {
    endpoint: new URL(endpoint),
    clientId: 'rs 1',
    clientSecret: 'p@ss:w!rd',
    agent: undefined,
    timeout: 2000,
    maxResponseBytes: 65536,
    headers: undefined,
    ...OPEN,
    ...extra,
  };
}

const ACTIVE = () => ({
  active: true,
  client_id: 'client-a',
  token_type: 'Bearer',
  scope: 'read',
  exp: now() + 300,
  cnf: { 'x5t#S256': X5T_S256['client-a'] },
});

describe('interpretIntrospection (RFC 7662 §2.2)', () => {
  it('accepts an active token with its top-level cnf (RFC 8705 §3.2)', () => {
    const body = ACTIVE();
    expect(interpretIntrospection(JSON.stringify(body), OPEN)).toEqual({
      status: 'valid',
      payload: body,
    });
  });

  it('accepts token_type in any case, or absent', () => {
    for (const tokenType of ['bearer', 'BEARER', undefined]) {
      const body = { ...ACTIVE(), token_type: tokenType };
      expect(interpretIntrospection(JSON.stringify(body), OPEN).status).toBe('valid');
    }
  });

  it('refuses an inactive token', () => {
    expect(interpretIntrospection('{"active":false}', OPEN)).toEqual({
      status: 'invalid',
      reason: 'inactive',
      detail: 'the authorization server says the token is inactive',
    });
  });

  it.each([['refresh_token'], ['DPoP'], [7]])('refuses token_type %j as type', (tokenType) => {
    const body = { ...ACTIVE(), token_type: tokenType };
    expect(interpretIntrospection(JSON.stringify(body), OPEN)).toMatchObject({
      status: 'invalid',
      reason: 'type',
    });
  });

  describe('token_type DPoP (RFC 9449 §6.2), for a middleware that takes DPoP', () => {
    const DPOP = { ...OPEN, acceptDpopTokenType: true };
    const JKT = 'sV314ofAhhqA2hSTk2ZKnIzW13Xi9oywBF2Bl-xNQJk';

    it('accepts DPoP, in any case, with a cnf.jkt (the proof is checked afterwards)', () => {
      for (const tokenType of ['DPoP', 'dpop', 'DPOP']) {
        const body = { ...ACTIVE(), token_type: tokenType, cnf: { jkt: JKT } };
        expect(interpretIntrospection(JSON.stringify(body), DPOP)).toEqual({
          status: 'valid',
          payload: body,
        });
      }
    });

    it.each<[string, unknown]>([
      ['no cnf', undefined],
      ['a cnf with only x5t#S256', { 'x5t#S256': X5T_S256['client-a'] }],
      ['a jkt that is not a string', { jkt: 7 }],
      ['a cnf that is not an object', 'jkt'],
      ['a null cnf', null],
    ])('refuses DPoP with %s as type (an inconsistent answer)', (_case, cnf) => {
      const body = { ...ACTIVE(), token_type: 'DPoP', cnf };
      expect(interpretIntrospection(JSON.stringify(body), DPOP)).toEqual({
        status: 'invalid',
        reason: 'type',
        detail: 'token_type DPoP without a cnf.jkt',
      });
    });

    it('still refuses any other token_type, and DPoP when not accepted', () => {
      for (const tokenType of ['refresh_token', 'DPoP-ish', 7]) {
        const body = { ...ACTIVE(), token_type: tokenType, cnf: { jkt: JKT } };
        expect(interpretIntrospection(JSON.stringify(body), DPOP)).toMatchObject({
          reason: 'type',
        });
      }
      const dpop = { ...ACTIVE(), token_type: 'DPoP', cnf: { jkt: JKT } };
      for (const settings of [OPEN, { ...OPEN, acceptDpopTokenType: false }]) {
        expect(interpretIntrospection(JSON.stringify(dpop), settings)).toEqual({
          status: 'invalid',
          reason: 'type',
          detail: 'token_type DPoP is not Bearer',
        });
      }
    });

    it('checks iss, aud and exp after the type, as for Bearer', () => {
      const expired = { ...ACTIVE(), token_type: 'DPoP', cnf: { jkt: JKT }, exp: now() - 10 };
      expect(interpretIntrospection(JSON.stringify(expired), DPOP)).toMatchObject({
        reason: 'expired',
      });
    });
  });

  it('checks iss and aud when configured, then exp, nbf and required claims', () => {
    const body = JSON.stringify({ ...ACTIVE(), iss: 'https://as', aud: 'https://rs' });
    const strict = { ...OPEN, issuers: ['https://as'], audiences: ['https://rs'] };
    expect(interpretIntrospection(body, strict).status).toBe('valid');
    expect(interpretIntrospection(body, { ...strict, issuers: ['https://other'] })).toMatchObject({
      reason: 'issuer',
    });
    expect(interpretIntrospection(body, { ...strict, audiences: ['https://other'] })).toMatchObject(
      { reason: 'audience' },
    );
    const expired = JSON.stringify({ ...ACTIVE(), exp: now() - 10 });
    expect(interpretIntrospection(expired, OPEN)).toMatchObject({ reason: 'expired' });
    expect(interpretIntrospection(body, { ...OPEN, requiredClaims: ['sub'] })).toMatchObject({
      reason: 'claims',
    });
  });

  it.each([
    ['not JSON', '<html>', 'the introspection response is not JSON'],
    ['a JSON array', '[]', 'the introspection response is not a JSON object'],
    ['JSON null', 'null', 'the introspection response is not a JSON object'],
    ['without active', '{"scope":"read"}', 'the introspection response has no boolean "active"'],
    [
      'with active as a string',
      '{"active":"true"}',
      'the introspection response has no boolean "active"',
    ],
  ])('treats %s as unavailable, never as an answer', (_name, body, detail) => {
    expect(interpretIntrospection(body, OPEN)).toEqual({
      status: 'unavailable',
      reason: 'introspection_unavailable',
      detail,
    });
  });
});

describe('createIntrospectionVerifier against a real loopback endpoint', () => {
  let answer: Parameters<typeof startServer>[0];
  let server: LoopbackServer;

  beforeAll(async () => {
    server = await startServer((req, res, body) => {
      answer(req, res, body);
    });
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    server.requests.length = 0;
    answer = (_req, res) => {
      sendJson(res, 200, ACTIVE());
    };
  });

  it('POSTs the token with client_secret_basic (RFC 7662 §2.1, RFC 6749 §2.3.1)', async () => {
    const verifier = createIntrospectionVerifier(
      settings(`${server.url}/introspect`, { headers: { 'x-request-id': 'r1' } }),
    );
    expect((await verifier.verify('opaque.token-1')).status).toBe('valid');
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/introspect');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.accept).toBe('application/json');
    expect(request?.headers['x-request-id']).toBe('r1');
    // base64("rs+1:p%40ss%3Aw%21rd"): id and secret form-encoded first
    expect(request?.headers.authorization).toBe('Basic cnMrMTpwJTQwc3MlM0F3JTIxcmQ=');
    expect(request?.body).toBe('token=opaque.token-1&token_type_hint=access_token');
  });

  it('sends client_id in the body when there is no secret', async () => {
    const verifier = createIntrospectionVerifier(
      settings(`${server.url}/introspect`, { clientSecret: undefined }),
    );
    await verifier.verify('t');
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(server.requests[0]?.body).toBe('token=t&token_type_hint=access_token&client_id=rs+1');
  });

  it('refuses what the endpoint says is inactive', async () => {
    answer = (_req, res) => {
      sendJson(res, 200, { active: false });
    };
    const verifier = createIntrospectionVerifier(settings(`${server.url}/introspect`));
    expect(await verifier.verify('t')).toMatchObject({ status: 'invalid', reason: 'inactive' });
  });

  it('is unavailable on an HTTP error (for example wrong client credentials)', async () => {
    answer = (_req, res) => {
      sendJson(res, 401, { error: 'invalid_client' });
    };
    const verifier = createIntrospectionVerifier(settings(`${server.url}/introspect`));
    expect(await verifier.verify('t')).toEqual({
      status: 'unavailable',
      reason: 'introspection_unavailable',
      detail: `introspection at ${server.url}/introspect: answered HTTP 401`,
    });
  });

  it('is unavailable on garbage', async () => {
    answer = (_req, res) => {
      sendJson(res, 200, 'garbage');
    };
    const verifier = createIntrospectionVerifier(settings(`${server.url}/introspect`));
    expect(await verifier.verify('t')).toMatchObject({
      status: 'unavailable',
      detail: 'the introspection response is not JSON',
    });
  });

  it('is unavailable on an oversized answer', async () => {
    answer = (_req, res) => {
      sendJson(res, 200, { ...ACTIVE(), padding: 'x'.repeat(5000) });
    };
    const verifier = createIntrospectionVerifier(
      settings(`${server.url}/introspect`, { maxResponseBytes: 1000 }),
    );
    expect(await verifier.verify('t')).toMatchObject({
      status: 'unavailable',
      detail: `introspection at ${server.url}/introspect: answer larger than 1000 bytes`,
    });
  });

  it('is unavailable when the connection drops mid-answer', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"active":');
      setTimeout(() => res.destroy(), 20);
    };
    const verifier = createIntrospectionVerifier(settings(`${server.url}/introspect`));
    expect(await verifier.verify('t')).toMatchObject({
      status: 'unavailable',
      reason: 'introspection_unavailable',
    });
  });

  it('is unavailable when slow (timeout)', async () => {
    answer = () => undefined;
    const verifier = createIntrospectionVerifier(
      settings(`${server.url}/introspect`, { timeout: 200 }),
    );
    expect(await verifier.verify('t')).toEqual({
      status: 'unavailable',
      reason: 'introspection_unavailable',
      detail: `introspection at ${server.url}/introspect: no answer within 200 ms`,
    });
  });

  it('is unavailable on a redirect, which is not followed (to another host or not)', async () => {
    const elsewhere = await startServer((_req, res) => {
      sendJson(res, 200, ACTIVE());
    });
    answer = (_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url.replace('127.0.0.1', 'localhost')}/i` });
      res.end();
    };
    try {
      const verifier = createIntrospectionVerifier(settings(`${server.url}/introspect`));
      expect(await verifier.verify('t')).toEqual({
        status: 'unavailable',
        reason: 'introspection_unavailable',
        detail: `introspection at ${server.url}/introspect: answered HTTP 307 (redirects are not followed)`,
      });
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('is unavailable when down (connection refused)', async () => {
    const url = `${await closedPortUrl()}/introspect`;
    const result = await createIntrospectionVerifier(settings(url)).verify('t');
    expect(result).toMatchObject({ status: 'unavailable', reason: 'introspection_unavailable' });
    expect(result.status === 'unavailable' && result.detail).toMatch(/ECONNREFUSED/);
  });
});

describe('introspection over mutual TLS (an https.Agent with a client certificate)', () => {
  it('authenticates to the endpoint with the agent certificate (tls_client_auth)', async () => {
    const seen: { authorized: boolean; subject: string | undefined; body: string }[] = [];
    const server = createHttpsServer(
      {
        key: key('server'),
        cert: pem('server-fullchain'),
        ca: pem('ca-chain'),
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const socket = req.socket;
        if (!(socket instanceof TLSSocket)) throw new Error('expected a TLS socket');
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          seen.push({
            authorized: socket.authorized,
            subject: socket.getPeerX509Certificate()?.subject,
            body,
          });
          sendJson(res, 200, socket.authorized ? ACTIVE() : { active: false });
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const agent = new HttpsAgent({
      key: key('client-a'),
      cert: pem('client-a-fullchain'),
      ca: pem('root-ca'),
    });
    try {
      const verifier = createIntrospectionVerifier(
        settings(`https://127.0.0.1:${port}/introspect`, { clientSecret: undefined, agent }),
      );
      expect((await verifier.verify('t')).status).toBe('valid');
      expect(seen).toHaveLength(1);
      expect(seen[0]?.authorized).toBe(true);
      expect(seen[0]?.body).toBe('token=t&token_type_hint=access_token&client_id=rs+1');
    } finally {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
