// Makes DPoP proofs with a third-party client library (oauth4webapi, ESM-only, hence a child
// process). Input: a JSON array on stdin of
//   { key: 'ec-p256.key', alg: 'ES256' | 'PS256' | 'Ed25519' | 'EdDSA', method, url,
//     accessToken, serverNonce?, htuWithQuery? }
// Output: a JSON array of { dpop, authorization } (the headers oauth4webapi sent), in order.
// With serverNonce, a first request is answered 401 use_dpop_nonce with that DPoP-Nonce, as a
// resource server would, and the proof of the retried request is returned.
import * as oauth from 'oauth4webapi';
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/dpop');

const ALGORITHMS = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  Ed25519: { name: 'Ed25519' },
  EdDSA: { name: 'Ed25519' },
};

async function keyPair(file, alg) {
  const pem = readFileSync(join(fixtures, file));
  const pkcs8 = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(pem).export({ format: 'der', type: 'spki' });
  const algorithm = ALGORITHMS[alg];
  return {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, algorithm, true, ['verify']),
  };
}

// oauth4webapi's own hook to change a proof before it signs it: the EdDSA name for Ed25519
// keys, and (htuWithQuery) the whole URL, query and fragment included, as htu.
function modify(request, url) {
  return {
    [oauth.modifyAssertion]: (header, payload) => {
      if (request.alg === 'EdDSA') header.alg = 'EdDSA';
      if (request.htuWithQuery) payload.htu = url.href;
    },
  };
}

async function proofFor(request) {
  const pair = await keyPair(request.key, request.alg);
  const url = new URL(request.url);
  const handle = oauth.DPoP({}, pair, modify(request, url));
  let sent;
  const options = {
    DPoP: handle,
    [oauth.allowInsecureRequests]: true,
    [oauth.customFetch]: async (_href, init) => {
      sent = init.headers;
      if (request.serverNonce !== undefined) {
        return new Response(null, {
          status: 401,
          headers: {
            'www-authenticate': 'DPoP error="use_dpop_nonce"',
            'dpop-nonce': request.serverNonce,
          },
        });
      }
      return new Response('{}', { status: 200 });
    },
  };
  const call = () =>
    oauth.protectedResourceRequest(
      request.accessToken,
      request.method,
      url,
      new Headers(),
      null,
      options,
    );
  if (request.serverNonce !== undefined) {
    try {
      await call();
    } catch {
      // the 401 use_dpop_nonce: oauth4webapi has cached the nonce
    }
    request.serverNonce = undefined;
  }
  await call();
  return { dpop: sent.dpop, authorization: sent.authorization };
}

const input = JSON.parse(readFileSync(0, 'utf8'));
const output = [];
for (const request of input) output.push(await proofFor(request));
process.stdout.write(JSON.stringify(output));
