/**
 * The first link of a new leaf — its signature checked with the key of its most likely issuer —
 * verified on libuv's thread pool before the (synchronous) path search, which then finds the
 * verdict in the link cache. A new leaf from a known CA costs one signature verification; this
 * takes it off the event loop, which serves other requests meanwhile. Nothing else changes: the
 * same link is verified (the one the search tries first), once, against the same budget.
 *
 * @packageDocumentation
 */
import { constants, verify, type KeyObject } from 'node:crypto';
import type { SignedData } from '../../x509/algorithms';
import type { CertificateInfo } from '../../x509/certificate-info';
import { candidates, linkKey, type SearchContext } from './path-builder';

/**
 * `verifySignature` on libuv's thread pool (node:crypto's callback form): resolves `true` only
 * for a signature that verifies; `false` for anything else (a weak algorithm, unused bits, a
 * wrong key or key type). Never rejects.
 */
export function verifySignatureOffThread(signed: SignedData, key: KeyObject): Promise<boolean> {
  const { algorithm } = signed;
  if (algorithm.status !== 'ok' || signed.signatureBits[0] !== 0) return Promise.resolve(false);
  const input = algorithm.pss
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }
    : key;
  const signature = signed.signatureBits.subarray(1);
  return new Promise((resolve) => {
    // on an error (a key of the wrong type), node:crypto passes no result
    verify(algorithm.hash, signed.tbs, input, signature, (_error, valid: boolean | undefined) => {
      resolve(valid === true);
    });
  });
}

/**
 * Verifies, off the event loop, the signature of `leaf` by the first issuer the path search
 * will try, and records the verdict in `context.links` (spending one unit of `context.budget`).
 * Does nothing when the verdict is already cached, when there is no candidate, when the search
 * would not verify that link (weak or mismatched algorithms), or when the issuer's key is
 * unusable or too costly to verify with (the search then handles it as before).
 */
export async function verifyFirstLink(
  leaf: CertificateInfo,
  context: SearchContext,
): Promise<void> {
  if (leaf.algorithm.status !== 'ok' || !leaf.algorithmsMatch) return;
  const [issuer] = candidates(leaf, context);
  if (issuer?.key.verifiable !== true) return;
  const key = linkKey(leaf, issuer);
  if (context.links.get(key) !== undefined) return;
  let publicKey: KeyObject;
  try {
    publicKey = issuer.publicKey();
  } catch {
    return;
  }
  context.budget--;
  context.links.set(key, await verifySignatureOffThread(leaf, publicKey));
}
