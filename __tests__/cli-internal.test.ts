/**
 * lib/cli-internal.ts is the CLI's one door into internals: it re-exports them, never wraps or
 * copies them, so the CLI runs exactly the code the middlewares run.
 */
import * as entry from '../lib/cli-internal';
import * as codec from '../lib/forwarding/formats/codec';
import * as decodeError from '../lib/forwarding/decode-error';
import * as derSequence from '../lib/forwarding/der-sequence';
import * as detect from '../lib/forwarding/detect-format';
import * as formats from '../lib/forwarding/formats';
import * as trustProxy from '../lib/forwarding/trust-proxy';
import * as ip from '../lib/internal/ip';
import * as options from '../lib/internal/options';
import * as peculiar from '../lib/internal/peculiar';
import * as pem from '../lib/internal/pem';
import * as crl from '../lib/auth/revocation/crl';
import * as certificateInfo from '../lib/x509/certificate-info';
import * as extensions from '../lib/x509/extensions';

const SOURCES: readonly Record<string, unknown>[] = [
  codec,
  decodeError,
  derSequence,
  detect,
  formats,
  trustProxy,
  ip,
  options,
  peculiar,
  pem,
  crl,
  certificateInfo,
  extensions,
];

describe('lib/cli-internal.ts', () => {
  const names = Object.keys(entry).filter((name) => name !== '__esModule');

  it('re-exports nineteen internals', () => {
    expect(names.sort()).toEqual(
      [
        'FORMATS',
        'FORMAT_NAMES',
        'decodeWholeValue',
        'detectFormat',
        'splitDerSequence',
        'ForwardedCertificateError',
        'compileTrustProxy',
        'normalizePeerAddress',
        'decodeCertificatePem',
        'decodePem',
        'encodePem',
        'PemError',
        'certificateInfo',
        'EXTENSION',
        'parseCrl',
        'formatIp',
        'parseIp',
        'didYouMean',
        'peculiarX509',
      ].sort(),
    );
  });

  it.each(Object.keys(entry).filter((name) => name !== '__esModule'))(
    '%s is the internal module’s own export',
    (name) => {
      const value = (entry as Record<string, unknown>)[name];
      const owners = SOURCES.filter((source) => Object.hasOwn(source, name));
      expect(owners).toHaveLength(1);
      expect(value).toBeDefined();
      expect(value).toBe((owners[0] as Record<string, unknown>)[name]);
    },
  );
});
