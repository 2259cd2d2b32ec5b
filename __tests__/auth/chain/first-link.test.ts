import { constants, generateKeyPairSync, sign } from 'node:crypto';
import { ClientCertificate } from '../../../lib/certificate';
import { verifyFirstLink, verifySignatureOffThread } from '../../../lib/auth/chain/first-link';
import { signatureAlgorithm } from '../../../lib/x509/algorithms';
import { certificateInfo, type CertificateInfo } from '../../../lib/x509/certificate-info';
import {
  buildPaths,
  linkKey,
  type NameIndex,
  MAX_EDGES,
  type SearchContext,
} from '../../../lib/auth/chain/path-builder';
import { readTlv } from '../../../lib/internal/der';
import { LruCache } from '../../../lib/internal/lru-cache';
import { algorithm, NULL, tlv } from './der-builders';
import { chainPem, overriding } from './chain-fixtures';

function info(name: string): CertificateInfo {
  return certificateInfo(ClientCertificate.from(chainPem(name)), 2048);
}

function index(infos: readonly CertificateInfo[]): NameIndex {
  const byKey = (key: (i: CertificateInfo) => string): Map<string, CertificateInfo[]> => {
    const map = new Map<string, CertificateInfo[]>();
    for (const i of infos) map.set(key(i), [...(map.get(key(i)) ?? []), i]);
    return map;
  };
  return { exact: byKey((i) => i.subjectKey), canonical: () => byKey((i) => i.subjectName) };
}

function context(anchors: CertificateInfo[], configured: CertificateInfo[] = []): SearchContext {
  return {
    pool: {
      anchors: index(anchors),
      configured: index(configured),
      presented: index([]),
      anchorThumbprints: new Set(anchors.map((a) => a.thumbprint)),
    },
    maxDepth: 8,
    links: new LruCache<string, boolean>(16),
    budget: 32,
    edges: MAX_EDGES,
    deadEnd: undefined,
    candidates: new Map(),
  };
}

const TBS = Buffer.from('to be signed');
const bits = (signature: Buffer): Buffer => Buffer.concat([Buffer.from([0]), signature]);
const classify = (der: Buffer): ReturnType<typeof signatureAlgorithm> =>
  signatureAlgorithm(der, readTlv(der, 0, der.length));

describe('verifySignatureOffThread', () => {
  it('verifies certificate signatures (RSA, ECDSA) on the thread pool', async () => {
    await expect(
      verifySignatureOffThread(info('rsa-leaf'), info('rsa-int').publicKey()),
    ).resolves.toBe(true);
    await expect(
      verifySignatureOffThread(info('ec-leaf'), info('ec-int').publicKey()),
    ).resolves.toBe(true);
  });

  it('is false for a tampered signature or another key', async () => {
    await expect(
      verifySignatureOffThread(info('leaf-tampered'), info('rsa-int').publicKey()),
    ).resolves.toBe(false);
    await expect(
      verifySignatureOffThread(info('rsa-leaf'), info('rsa-root').publicKey()),
    ).resolves.toBe(false);
  });

  it('verifies RSA-PSS (salt length recovered) and Ed25519', async () => {
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    const pssSignature = sign('sha256', TBS, {
      key: pss.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
    const pssAlgorithm = classify(
      algorithm(
        '1.2.840.113549.1.1.10',
        tlv(0x30, tlv(0xa0, algorithm('2.16.840.1.101.3.4.2.1', NULL))),
      ),
    );
    await expect(
      verifySignatureOffThread(
        { tbs: TBS, signatureBits: bits(pssSignature), algorithm: pssAlgorithm },
        pss.publicKey,
      ),
    ).resolves.toBe(true);
    const ed = generateKeyPairSync('ed25519');
    const edSigned = {
      tbs: TBS,
      signatureBits: bits(sign(null, TBS, ed.privateKey)),
      algorithm: classify(algorithm('1.3.101.112')),
    };
    await expect(verifySignatureOffThread(edSigned, ed.publicKey)).resolves.toBe(true);
  });

  it('is false for a weak algorithm, unused bits, or a key of the wrong type', async () => {
    const ed = generateKeyPairSync('ed25519');
    const signature = sign(null, TBS, ed.privateKey);
    const ed25519 = classify(algorithm('1.3.101.112'));
    await expect(
      verifySignatureOffThread(
        { tbs: TBS, signatureBits: bits(signature), algorithm: { status: 'weak', name: 'x' } },
        ed.publicKey,
      ),
    ).resolves.toBe(false);
    await expect(
      verifySignatureOffThread(
        {
          tbs: TBS,
          signatureBits: Buffer.concat([Buffer.from([1]), signature]),
          algorithm: ed25519,
        },
        ed.publicKey,
      ),
    ).resolves.toBe(false);
    const rsa = classify(algorithm('1.2.840.113549.1.1.11', NULL));
    await expect(
      verifySignatureOffThread(
        { tbs: TBS, signatureBits: bits(signature), algorithm: rsa },
        ed.publicKey,
      ),
    ).resolves.toBe(false);
  });
});

describe('verifyFirstLink', () => {
  it('caches the verdict of the first link the search tries, spending one unit of budget', async () => {
    const leaf = info('rsa-leaf');
    const intermediate = info('rsa-int');
    const ctx = context([info('rsa-root')], [intermediate]);
    await verifyFirstLink(leaf, ctx);
    expect(ctx.links.get(linkKey(leaf, intermediate))).toBe(true);
    expect(ctx.budget).toBe(31);
    const [path] = [...buildPaths(leaf, ctx)];
    expect(path?.path.map((i) => i.certificate.subject)).toEqual([
      leaf.certificate.subject,
      intermediate.certificate.subject,
      info('rsa-root').certificate.subject,
    ]);
    expect(ctx.budget).toBe(30); // the search verified only the intermediate's link
  });

  it('caches a signature that does not verify as false (the search then reports bad_signature)', async () => {
    const leaf = info('leaf-tampered');
    const ctx = context([info('rsa-root')], [info('rsa-int')]);
    await verifyFirstLink(leaf, ctx);
    expect(ctx.links.get(linkKey(leaf, info('rsa-int')))).toBe(false);
    expect([...buildPaths(leaf, ctx)]).toEqual([]);
    expect(ctx.deadEnd?.reason).toBe('bad_signature');
  });

  it('does nothing when the verdict is cached, or when there is no candidate issuer', async () => {
    const leaf = info('rsa-leaf');
    const ctx = context([info('rsa-root')], [info('rsa-int')]);
    ctx.links.set(linkKey(leaf, info('rsa-int')), false);
    await verifyFirstLink(leaf, ctx);
    expect(ctx.links.get(linkKey(leaf, info('rsa-int')))).toBe(false);
    expect(ctx.budget).toBe(32);
    const alone = context([info('ec-root')]);
    await verifyFirstLink(leaf, alone);
    expect(alone.budget).toBe(32);
    expect(alone.links.size).toBe(0);
  });

  it('leaves to the search the links it would not verify, or an issuer key that cannot be used', async () => {
    const weak = info('leaf-md5');
    const ctx = context([info('rsa-root')], [info('rsa-int')]);
    await verifyFirstLink(weak, ctx);
    const mismatched = overriding(info('rsa-leaf'), { algorithmsMatch: false });
    await verifyFirstLink(mismatched, ctx);
    const broken = overriding(info('rsa-int'), {
      publicKey: () => {
        throw new Error('unusable key');
      },
    });
    await verifyFirstLink(info('rsa-leaf'), context([info('rsa-root')], [broken]));
    expect(ctx.links.size).toBe(0);
    expect(ctx.budget).toBe(32);
    const costly = overriding(info('rsa-int'), {
      key: { ok: false, description: 'RSA 16384 (over 8192 bits)', verifiable: false },
    });
    const unverified = context([info('rsa-root')], [costly]);
    await verifyFirstLink(info('rsa-leaf'), unverified);
    expect(unverified.links.size).toBe(0);
    expect(unverified.budget).toBe(32);
  });
});
