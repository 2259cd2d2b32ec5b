// A third-party DPoP client for the interop tests: oauth4webapi (ESM-only, hence a child process
// started with fork()) through its public API only — discoveryRequest, DPoP(),
// clientCredentialsGrantRequest and protectedResourceRequest, with the documented
// isDPoPNonceError() retry. The parent sends { id, op, ... } over IPC and gets { id, result } or
// { id, failed }. Every HTTP exchange the library makes is recorded (request DPoP and
// Authorization headers, response status, WWW-Authenticate, DPoP-Nonce and body) and returned.
// Ops:
//   discover { issuer }
//   token    { handle?, key?, clientId, clientSecret?, params, certificate? }  (no handle: no DPoP)
//   resource { handle?, key?, accessToken, method, url, mutate?: { htu?, htm? }, retryOnNonce? }
//            (no handle: the token goes as Bearer, without a proof)
// A handle is one DPoP key pair (fixtures/dpop/<key>) with its nonce cache, kept across ops.
// `certificate` (a fixtures/pki name) presents that client certificate on the token request,
// through oauth4webapi's customFetch (Node's fetch cannot present one). Loopback only.
import * as oauth from 'oauth4webapi';
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';

const fixture = (path) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));

const ALGORITHMS = { ES256: { name: 'ECDSA', namedCurve: 'P-256' } };

async function keyPair(file) {
  const pem = fixture(`dpop/${file}`);
  const pkcs8 = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(pem).export({ format: 'der', type: 'spki' });
  return {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, ALGORITHMS.ES256, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, ALGORITHMS.ES256, true, ['verify']),
  };
}

const handles = new Map();

/** One DPoP handle per name; `state.mutate` lets a test change htu/htm through modifyAssertion. */
async function handleFor(name, key) {
  let entry = handles.get(name);
  if (entry === undefined) {
    const state = { mutate: undefined };
    const handle = oauth.DPoP({}, await keyPair(key), {
      [oauth.modifyAssertion]: (_header, payload) => {
        if (state.mutate?.htu !== undefined) payload.htu = state.mutate.htu;
        if (state.mutate?.htm !== undefined) payload.htm = state.mutate.htm;
      },
    });
    entry = { handle, state };
    handles.set(name, entry);
  }
  return entry;
}

/** fetch with the given client certificate, for the token endpoint's tls_client_auth. */
function certificateFetch(name) {
  return (href, init) =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(
        href,
        {
          method: init.method,
          headers: init.headers,
          key: fixture(`pki/${name}.key`),
          cert: fixture(`pki/${name}.pem`),
          ca: fixture('pki/root-ca.pem'),
          agent: false,
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            const headers = new Headers();
            for (const [field, value] of Object.entries(res.headers)) {
              for (const one of [value].flat()) headers.append(field, one);
            }
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers }));
          });
        },
      );
      req.on('error', reject);
      req.end(init.body === undefined || init.body === null ? undefined : String(init.body));
    });
}

/** Wraps a fetch so that every exchange is recorded in `exchanges`. */
function recording(exchanges, inner = fetch) {
  return async (href, init) => {
    const response = await inner(href, init);
    const headers = new Headers(init.headers);
    exchanges.push({
      method: init.method,
      url: href,
      dpop: headers.get('dpop'),
      authorization: headers.get('authorization'),
      status: response.status,
      wwwAuthenticate: response.headers.get('www-authenticate'),
      dpopNonce: response.headers.get('dpop-nonce'),
      body: await response.clone().text(),
    });
    return response;
  };
}

function describeError(error) {
  return {
    name: error?.constructor?.name,
    code: error?.code,
    status: error?.status,
    error: error?.error,
    error_description: error?.error_description,
    challenges: error instanceof oauth.WWWAuthenticateChallengeError ? error.cause : undefined,
    nonceError: oauth.isDPoPNonceError(error),
    message: String(error?.message),
  };
}

let as;

const OPS = {
  async discover({ issuer }) {
    const url = new URL(issuer);
    as = await oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url));
    return {
      token_endpoint: as.token_endpoint,
      introspection_endpoint: as.introspection_endpoint,
      dpop: as.dpop_signing_alg_values_supported,
    };
  },

  async token({ handle, key, clientId, clientSecret, params, certificate }) {
    const DPoP = handle === undefined ? undefined : (await handleFor(handle, key)).handle;
    const exchanges = [];
    const client = { client_id: clientId };
    const auth =
      clientSecret === undefined ? oauth.TlsClientAuth() : oauth.ClientSecretPost(clientSecret);
    const fetcher = recording(
      exchanges,
      certificate === undefined ? fetch : certificateFetch(certificate),
    );
    try {
      const response = await oauth.clientCredentialsGrantRequest(as, client, auth, params, {
        DPoP,
        [oauth.customFetch]: fetcher,
      });
      const tokens = await oauth.processClientCredentialsResponse(as, client, response);
      return { exchanges, tokens, jkt: await DPoP?.calculateThumbprint() };
    } catch (error) {
      return { exchanges, error: describeError(error) };
    }
  },

  async resource({ handle, key, accessToken, method, url, mutate, retryOnNonce }) {
    const entry = handle === undefined ? undefined : await handleFor(handle, key);
    const exchanges = [];
    const options = {
      [oauth.allowInsecureRequests]: true,
      [oauth.customFetch]: recording(exchanges),
      ...(entry === undefined ? {} : { DPoP: entry.handle }),
    };
    const call = () =>
      oauth.protectedResourceRequest(
        accessToken,
        method,
        new URL(url),
        new Headers(),
        null,
        options,
      );
    if (entry !== undefined) entry.state.mutate = mutate;
    try {
      let response;
      try {
        response = await call();
      } catch (error) {
        if (!(retryOnNonce === true && oauth.isDPoPNonceError(error))) throw error;
        response = await call();
      }
      return { exchanges, status: response.status, body: await response.text() };
    } catch (error) {
      return { exchanges, error: describeError(error) };
    } finally {
      if (entry !== undefined) entry.state.mutate = undefined;
    }
  },
};

process.on('message', (message) => {
  const { id, op, ...args } = message;
  Promise.resolve()
    .then(() => OPS[op](args))
    .then(
      (result) => process.send({ id, result }),
      (error) => process.send({ id, failed: String(error?.stack ?? error) }),
    );
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
