import { ClientCertificate } from '../../../lib/certificate';
import { LruCache } from '../../../lib/internal/lru-cache';
import { certificateInfo, type CertificateInfo } from '../../../lib/x509/certificate-info';
import {
  buildPaths,
  type NameIndex,
  MAX_EDGES,
  type SearchContext,
} from '../../../lib/auth/chain/path-builder';
import { chainPem, overriding } from './chain-fixtures';

const info = (name: string): CertificateInfo =>
  certificateInfo(ClientCertificate.from(chainPem(name)), 2048);

function index(override: (i: CertificateInfo) => CertificateInfo, ...names: string[]): NameIndex {
  const exact = new Map<string, CertificateInfo[]>();
  for (const i of names.map(info).map(override)) {
    exact.set(i.subjectKey, [...(exact.get(i.subjectKey) ?? []), i]);
  }
  return { exact, canonical: () => new Map() };
}

function search(
  leaf: string,
  pool: { anchors?: string[]; configured?: string[]; presented?: string[] },
  budget = 32,
  edges = MAX_EDGES,
  override: (info: CertificateInfo) => CertificateInfo = (i) => i,
): { paths: string[][]; context: SearchContext } {
  const anchors = pool.anchors ?? [];
  const context: SearchContext = {
    pool: {
      anchors: index(override, ...anchors),
      configured: index(override, ...(pool.configured ?? [])),
      presented: index(override, ...(pool.presented ?? [])),
      anchorThumbprints: new Set(anchors.map((a) => info(a).thumbprint)),
    },
    maxDepth: 8,
    links: new LruCache(100),
    budget,
    edges,
    deadEnd: undefined,
    candidates: new Map(),
  };
  const paths = [...buildPaths(info(leaf), context)].map((built) =>
    built.path.map((i) => i.certificate.subject),
  );
  return { paths, context };
}

describe('path building (RFC 4158)', () => {
  test('yields every complete path, anchors first', () => {
    const { paths } = search('xs-leaf', {
      anchors: ['xs-old-root', 'xs-new-root'],
      presented: ['xs-int', 'xs-cross'],
    });
    expect(paths).toEqual([
      [
        'CN=xs-leaf,O=express-mtls chains',
        'CN=XS Intermediate,O=express-mtls chains',
        'CN=XS New Root,O=express-mtls chains',
      ],
      [
        'CN=xs-leaf,O=express-mtls chains',
        'CN=XS Intermediate,O=express-mtls chains',
        'CN=XS New Root,O=express-mtls chains',
        'CN=XS Old Root,O=express-mtls chains',
      ],
    ]);
  });

  test('of two bad signatures, the one further up is reported', () => {
    const { paths, context } = search('rk-leaf-noaki', {
      anchors: ['rk-root-old'],
      presented: ['rk-int-noaki', 'rk-root-new'],
    });
    expect(paths).toEqual([]);
    expect(context.deadEnd?.reason).toBe('bad_signature');
    expect(context.deadEnd?.info.certificate.subject).toBe('CN=Rekeyed Root,O=express-mtls chains');
    expect(context.deadEnd?.path).toHaveLength(3);
  });

  test('a bad signature found after a dead end replaces it', () => {
    const { context } = search('rk-leaf-noaki', {
      configured: ['rk-int-noaki', 'rk-root-new'],
      presented: ['rk-root-old'],
    });
    expect(context.deadEnd?.reason).toBe('bad_signature');
  });

  test('the signature budget bounds the search', () => {
    const { paths, context } = search(
      'ec-leaf',
      { anchors: ['ec-root'], presented: ['ec-int'] },
      0,
    );
    expect(paths).toEqual([]);
    expect(context.deadEnd).toMatchObject({
      reason: 'unknown_issuer',
      detail: 'signature verification budget exhausted',
    });
  });

  test('the edge budget bounds the search, cached links included, and says so', () => {
    const { paths, context } = search(
      'ec-leaf',
      { anchors: ['ec-root'], presented: ['ec-int'] },
      32,
      1,
    );
    expect(paths).toEqual([]);
    expect(context.edges).toBe(0);
    expect(context.deadEnd).toMatchObject({
      reason: 'unknown_issuer',
      detail: `path search stopped after ${MAX_EDGES} issuer candidates`,
    });
    expect(context.deadEnd?.path.map((i) => i.certificate.subject)).toEqual([
      'CN=ec-leaf,O=express-mtls chains',
      'CN=EC Intermediate,O=express-mtls chains',
    ]);
  });

  test('an issuer key too costly to verify with: no signature checked, the path fails weak_key', () => {
    const costly = (i: CertificateInfo): CertificateInfo =>
      i.certificate.subject.startsWith('CN=EC Intermediate')
        ? overriding(i, {
            key: { ok: false, description: 'RSA 16384 (over 8192 bits)', verifiable: false },
          })
        : i;
    const { paths, context } = search(
      'ec-leaf',
      { anchors: ['ec-root'], presented: ['ec-int'] },
      32,
      MAX_EDGES,
      costly,
    );
    expect(context.budget).toBe(31); // only the intermediate's own link
    expect(paths).toHaveLength(1);
    expect(context.links.size).toBe(1);
  });

  test('a leaf without AKI and no issuer: the dead end names the issuer only', () => {
    const { context } = search('leaf-imposter', { anchors: ['ec-root'] });
    expect(context.deadEnd?.detail).toBe(
      'no trust anchor or intermediate named "CN=EC Intermediate,O=express-mtls chains"',
    );
  });
});
