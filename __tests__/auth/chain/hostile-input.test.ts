/**
 * Robustness: whatever bytes a client forwards, validation resolves to a verdict or rejects with
 * CertificateParseError (which the middleware answers with 400) — never another exception.
 */
import fc from 'fast-check';
import { CertificateParseError, ClientCertificate } from '../../../lib/certificate';
import { createChainValidator } from '../../../lib/auth/chain';
import {
  decodeAuthorityInfoAccess,
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeCrlDistributionPoints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeSubjectKeyIdentifier,
} from '../../../lib/x509/extensions';
import { keyStrength } from '../../../lib/x509/algorithms';
import { DerError } from '../../../lib/internal/der';
import { chainPem } from './chain-fixtures';

function der(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

const validator = createChainValidator({
  trustAnchors: [chainPem('ec-root'), chainPem('rsa-root')],
});
const LEAVES = ['ec-leaf', 'rsa-leaf', 'leaf-critical', 'leaf-ku-keyenc'].map((name) =>
  der(chainPem(name)),
);
const INTERMEDIATE = der(chainPem('ec-int'));

test('mutated certificates: a verdict or CertificateParseError, nothing else', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: LEAVES.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.boolean(),
      async (which, edits, mutateIntermediate) => {
        const target = Buffer.from(mutateIntermediate ? INTERMEDIATE : (LEAVES[which] as Buffer));
        for (const [position, value] of edits) target[position % target.length] = value;
        let leaf: ClientCertificate;
        try {
          leaf = mutateIntermediate
            ? new ClientCertificate(LEAVES[0] as Buffer, { chain: [target] })
            : new ClientCertificate(target, { chain: [INTERMEDIATE] });
        } catch (error) {
          expect(error).toBeInstanceOf(CertificateParseError);
          return;
        }
        try {
          const result = await validator.validate(leaf);
          expect(typeof result.ok).toBe('boolean');
        } catch (error) {
          expect(error).toBeInstanceOf(CertificateParseError);
        }
      },
    ),
    { numRuns: 400 },
  );
});

test('extension and key decoders throw DerError on any input they refuse', () => {
  const decoders = [
    decodeAuthorityInfoAccess,
    decodeAuthorityKeyIdentifier,
    decodeBasicConstraints,
    decodeCrlDistributionPoints,
    decodeExtKeyUsage,
    decodeKeyUsage,
    decodeSubjectKeyIdentifier,
    (bytes: Uint8Array) => keyStrength(bytes, 2048),
  ];
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 64 }),
      fc.integer({ min: 0, max: decoders.length - 1 }),
      (bytes, i) => {
        try {
          (decoders[i] as (b: Uint8Array) => unknown)(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(DerError);
        }
      },
    ),
    { numRuns: 2000 },
  );
});
