/**
 * OCSP: building a request for one certificate and checking the response (structure with
 * `@peculiar/asn1-ocsp`, signature with OpenSSL through node:crypto). The response must be
 * signed by the issuing CA itself or by a responder certificate it issued for `id-kp-OCSPSigning`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6960 | RFC 6960}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9654 | RFC 9654} (nonce)
 * @packageDocumentation
 */
import { createHash, randomBytes } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Extension } from '@peculiar/asn1-x509';
import {
  BasicOCSPResponse,
  CertID,
  id_pkix_ocsp_basic,
  id_pkix_ocsp_nonce,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  Request,
  TBSRequest,
} from '@peculiar/asn1-ocsp';
import { ClientCertificate } from '../../certificate';
import { decodeName } from '../../distinguished-name';
import { readChildren, readTlv, type Tlv } from '../../internal/der';
import { serialNumberContent, serialNumberText } from '../../internal/serial';
import { signatureAlgorithm, verifySignature } from '../../x509/algorithms';
import { canonicalName, certificateInfo, type CertificateInfo } from '../../x509/certificate-info';
import { OCSP_SIGNING } from '../../x509/extensions';
import { validityStatus } from '../../x509/validity';

const SHA1 = '1.3.14.3.2.26';

/** The BIT STRING content (without the unused-bits octet) of a SubjectPublicKeyInfo. */
function publicKeyBits(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0, spki.length);
  const bits = readChildren(spki, outer)[1] as Tlv;
  return spki.subarray(bits.valueStart + 1, bits.end);
}

function sha1(data: Uint8Array): Buffer {
  return createHash('sha1').update(data).digest();
}

/** A built request and what its answer must match. */
export interface OcspQuery {
  readonly der: Buffer;
  readonly nonce: Buffer | undefined;
}

/**
 * Builds the DER OCSP request for `subject` issued by `issuer` (SHA-1 CertID, as RFC 5019
 * responders expect), with a 32-octet nonce when asked.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6960#section-4.1 | RFC 6960 §4.1}
 */
export function buildOcspRequest(
  subject: CertificateInfo,
  issuer: CertificateInfo,
  withNonce: boolean,
): OcspQuery {
  const certId = new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: SHA1, parameters: null }),
    issuerNameHash: new OctetString(sha1(issuer.certificate.subjectDer)),
    issuerKeyHash: new OctetString(sha1(publicKeyBits(issuer.certificate.subjectPublicKeyInfo))),
    serialNumber: new Uint8Array(serialNumberContent(subject.certificate.serialNumber)).buffer,
  });
  const nonce = withNonce ? randomBytes(32) : undefined;
  const request = new OCSPRequest({
    tbsRequest: new TBSRequest({
      requestList: [new Request({ reqCert: certId })],
      ...(nonce
        ? {
            requestExtensions: [
              new Extension({
                extnID: id_pkix_ocsp_nonce,
                extnValue: new OctetString(AsnConvert.serialize(new OctetString(nonce))),
              }),
            ],
          }
        : {}),
    }),
  });
  return { der: Buffer.from(AsnConvert.serialize(request)), nonce };
}

/** The verdict of one OCSP response. `expires` is its `nextUpdate` (epoch ms), when given. */
export interface OcspVerdict {
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly detail: string;
  readonly expires: number | undefined;
}

function unknown(detail: string): OcspVerdict {
  return { status: 'unknown', detail: `OCSP: ${detail}`, expires: undefined };
}

function signerOf(
  basic: BasicOCSPResponse,
  issuer: CertificateInfo,
  now: number,
  toleranceMs: number,
  minRsaBits: number,
): CertificateInfo | string {
  const id = basic.tbsResponseData.responderID;
  const matches = (info: CertificateInfo): boolean =>
    id.byKey
      ? sha1(publicKeyBits(info.certificate.subjectPublicKeyInfo)).equals(
          Buffer.from(id.byKey.buffer),
        )
      : id.byName !== undefined &&
        canonicalName(decodeName(Buffer.from(AsnConvert.serialize(id.byName)))) ===
          info.subjectName;
  if (matches(issuer)) return issuer;
  for (const raw of basic.certs ?? []) {
    const info = certificateInfo(
      new ClientCertificate(Buffer.from(AsnConvert.serialize(raw))),
      minRsaBits,
    );
    if (!matches(info)) continue;
    if (info.issuerName !== issuer.subjectName || !verifySignature(info, issuer.publicKey())) {
      return 'responder certificate not issued by the CA';
    }
    if (!info.extKeyUsage?.includes(OCSP_SIGNING))
      return 'responder certificate lacks id-kp-OCSPSigning';
    if (validityStatus(info, now, toleranceMs) !== 'valid')
      return 'responder certificate outside its validity period';
    return info;
  }
  return 'response not signed by the CA or a responder it authorised';
}

/**
 * Checks a DER OCSP response against the query for `subject` issued by `issuer`.
 *
 * @param now - The moment the answer arrived (epoch ms): a responder that signs on demand dates
 *   `thisUpdate` after the request was sent, so the time the validation began would be too early.
 * @param maxAgeMs - How old `thisUpdate` may be when the answer has no `nextUpdate` (which would
 *   otherwise make one captured answer good forever, replayable after a revocation).
 * @see {@link https://www.rfc-editor.org/rfc/rfc6960#section-3.2 | RFC 6960 §3.2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6960#section-4.2.2.1 | RFC 6960 §4.2.2.1} (thisUpdate, nextUpdate)
 */
export function checkOcspResponse(
  der: Uint8Array,
  query: OcspQuery,
  subject: CertificateInfo,
  issuer: CertificateInfo,
  now: number,
  toleranceMs: number,
  minRsaBits: number,
  maxAgeMs: number,
): OcspVerdict {
  let basic: BasicOCSPResponse;
  let basicDer: Buffer;
  try {
    const response = AsnConvert.parse(der, OCSPResponse);
    if (response.responseStatus !== OCSPResponseStatus.successful) {
      return unknown(`responder answered status ${response.responseStatus}`);
    }
    if (response.responseBytes?.responseType !== id_pkix_ocsp_basic)
      return unknown('not a basic OCSP response');
    basicDer = Buffer.from(response.responseBytes.response.buffer);
    basic = AsnConvert.parse(basicDer, BasicOCSPResponse);
  } catch {
    return unknown('malformed response');
  }
  try {
    return verdictOf(
      basic,
      basicDer,
      query,
      subject,
      issuer,
      now,
      toleranceMs,
      minRsaBits,
      maxAgeMs,
    );
  } catch {
    return unknown('malformed response');
  }
}

function verdictOf(
  basic: BasicOCSPResponse,
  basicDer: Buffer,
  query: OcspQuery,
  subject: CertificateInfo,
  issuer: CertificateInfo,
  now: number,
  toleranceMs: number,
  minRsaBits: number,
  maxAgeMs: number,
): OcspVerdict {
  const outer = readTlv(basicDer, 0, basicDer.length);
  const [tbs, algorithm, signature] = readChildren(basicDer, outer);
  const signer = signerOf(basic, issuer, now, toleranceMs, minRsaBits);
  if (typeof signer === 'string') return unknown(signer);
  const signed = {
    tbs: basicDer.subarray((tbs as { start: number }).start, (tbs as { end: number }).end),
    signatureBits: basicDer.subarray(
      (signature as { valueStart: number }).valueStart,
      (signature as { end: number }).end,
    ),
    algorithm: signatureAlgorithm(basicDer, algorithm as NonNullable<typeof algorithm>),
  };
  if (signed.algorithm.status !== 'ok')
    return unknown(`signature algorithm ${signed.algorithm.name} not accepted`);
  if (!verifySignature(signed, signer.publicKey())) return unknown('bad response signature');
  const data = basic.tbsResponseData;
  if (query.nonce) {
    const echoed = data.responseExtensions?.find((e) => e.extnID === id_pkix_ocsp_nonce);
    const value = echoed && Buffer.from(AsnConvert.parse(echoed.extnValue, OctetString).buffer);
    if (!value?.equals(query.nonce)) return unknown('nonce missing or different');
  }
  const serial = subject.certificate.serialNumber;
  const nameHash = sha1(issuer.certificate.subjectDer);
  const keyHash = sha1(publicKeyBits(issuer.certificate.subjectPublicKeyInfo));
  const single = data.responses.find((r) => {
    const id = r.certID;
    return (
      id.hashAlgorithm.algorithm === SHA1 &&
      serialNumberText(new Uint8Array(id.serialNumber)) === serial &&
      Buffer.from(id.issuerNameHash.buffer).equals(nameHash) &&
      Buffer.from(id.issuerKeyHash.buffer).equals(keyHash)
    );
  });
  if (!single) return unknown('no answer for this certificate');
  const thisUpdate = single.thisUpdate.getTime();
  const nextUpdate = single.nextUpdate?.getTime();
  if (thisUpdate > now + toleranceMs) return unknown('response thisUpdate in the future');
  if (nextUpdate !== undefined && nextUpdate < now - toleranceMs) return unknown('stale response');
  if (nextUpdate === undefined && thisUpdate < now - toleranceMs - maxAgeMs) {
    return unknown('response without nextUpdate older than revocation.cacheTtl');
  }
  const status = single.certStatus;
  if (status.revoked) {
    return {
      status: 'revoked',
      detail: `OCSP: serial ${serial} revoked at ${status.revoked.revocationTime.toISOString()}`,
      expires: nextUpdate,
    };
  }
  if (status.good !== undefined) {
    return { status: 'good', detail: `OCSP: serial ${serial} good`, expires: nextUpdate };
  }
  return { ...unknown(`responder does not know serial ${serial}`), expires: nextUpdate };
}
