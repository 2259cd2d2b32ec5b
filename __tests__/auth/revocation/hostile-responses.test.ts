/**
 * Robustness against hostile or broken revocation servers: a mutated OCSP response is never an
 * exception (at worst "unknown"), and a mutated CRL is refused with DerError or decodes into
 * something the issuer's signature check then rejects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ClientCertificate } from '../../../lib/certificate';
import { certificateInfo } from '../../../lib/x509/certificate-info';
import { crlIssuedBy, parseCrl } from '../../../lib/auth/revocation/crl';
import { checkOcspResponse } from '../../../lib/auth/revocation/ocsp';
import { DerError } from '../../../lib/internal/der';
import { decodePem } from '../../../lib/internal/pem';
import { REVOCATION_DIR, revocationFile } from './revocation-servers';

const info = (name: string) =>
  certificateInfo(ClientCertificate.from(revocationFile(`${name}.pem`)), 2048);
const GOOD = info('rev-good');
const ISSUER = info('rev-int');
const RESPONSE = readFileSync(join(REVOCATION_DIR, 'ocsp', 'good.der'));
const CRL = (decodePem(revocationFile('int.crl'))[0] as { der: Buffer }).der;

function mutate(source: Buffer, edits: readonly [number, number][]): Buffer {
  const copy = Buffer.from(source);
  for (const [position, value] of edits) copy[position % copy.length] = value;
  return copy;
}

const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
  minLength: 1,
  maxLength: 3,
});

test('mutated OCSP responses: never an exception, never "revoked"', () => {
  fc.assert(
    fc.property(edits, (changes) => {
      const bytes = mutate(RESPONSE, changes);
      const verdict = checkOcspResponse(
        bytes,
        { der: Buffer.alloc(0), nonce: undefined },
        GOOD,
        ISSUER,
        Date.parse('2026-11-25T23:00:00Z'),
        0,
        2048,
        3_600_000,
      );
      expect(['good', 'unknown']).toContain(verdict.status);
    }),
    { numRuns: 300 },
  );
});

test('mutated CRLs: DerError, or a list whose signature no longer verifies', () => {
  fc.assert(
    fc.property(edits, (changes) => {
      const bytes = mutate(CRL, changes);
      let crl;
      try {
        crl = parseCrl(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(DerError);
        return;
      }
      if (crlIssuedBy(crl, ISSUER)) {
        expect(Buffer.from(crl.tbs).equals(Buffer.from(parseCrl(CRL).tbs))).toBe(true);
      }
    }),
    { numRuns: 1000 },
  );
});
