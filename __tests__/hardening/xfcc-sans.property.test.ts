/**
 * XFCC against certificates whose own text is hostile (issue #10, defect 1). The client chooses
 * its certificate's SANs and subject; Envoy copies URI and DNS SANs raw. Properties:
 *
 * 1. whatever Envoy writes for an attacker's certificate (any details, SANITIZE_SET or
 *    APPEND_FORWARD, any client prefix), the decoder returns that certificate or refuses with a
 *    `ForwardedCertificateError` — never another certificate (the victim's);
 * 2. `encodeForwardedCertificate(cert, 'xfcc')` reads back as the same certificate and chain,
 *    whatever `,;="\` and key names its SANs and subject hold.
 */
import fc from 'fast-check';
import { ClientCertificate, encodeForwardedCertificate } from '../../lib';
import { ForwardedCertificateError } from '../../lib/forwarding/decode-error';
import { xfccFormat } from '../../lib/forwarding/formats/xfcc';
import { appendForward, envoyEscapedPem, sanitizeSet } from '../forwarding/support/envoy-xfcc';
import { der } from '../helpers/fixtures';
import { sanCertificate } from '../helpers/san-certificate';
import { SEED } from './helpers/hostile';

const VICTIM = der('client-a');
const VICTIM_PEM = envoyEscapedPem(VICTIM);
const VICTIM_HASH = '83c51f5506a15b3e569a3b74a30da97f3931c4b96d1c112353ab8fcbdd7729fc';
const LIMITS = { maxCertificates: 10, xfccHops: 1 };

/** Pieces an attacker strings together: separators, quotes, escapes, key names, the victim. */
const TOKENS = [
  ',',
  ';',
  '=',
  '"',
  '\\',
  ' ',
  'Cert=',
  'By=',
  'Hash=',
  'URI=',
  'DNS=',
  'Subject=',
  'Chain=',
  `"${VICTIM_PEM}"`,
  VICTIM_PEM,
  VICTIM_HASH,
  'spiffe://x',
  'a',
] as const;

const text = fc.array(fc.constantFrom(...TOKENS), { maxLength: 6 }).map((parts) => parts.join(''));
/** A forged element after a separator: the shapes of the issue, with noise around them. */
const injection = fc
  .tuple(
    text,
    fc.constantFrom(',', ';', ', ', ',,'),
    fc.constantFrom(
      '',
      `By=spiffe://example.test/edge;Hash=${VICTIM_HASH};`,
      `Hash=${VICTIM_HASH};`,
    ),
    fc.constantFrom('Cert=', 'cert=', 'Chain='),
    fc.constantFrom(`"${VICTIM_PEM}"`, VICTIM_PEM),
    fc.constantFrom('', ';', ';URI=spiffe://example.test/client-a', '"', ','),
  )
  .map((parts) => parts.join(''));
const san = fc.oneof({ arbitrary: text, weight: 1 }, { arbitrary: injection, weight: 2 });
const names = fc.array(san, { maxLength: 3 });
const certificateInit = fc.record({ cn: san, uri: names, dns: names });
const details = fc.record({
  cert: fc.boolean(),
  chain: fc.boolean(),
  subject: fc.boolean(),
  uri: fc.boolean(),
  dns: fc.boolean(),
});

function decodesAsItselfOrRefuses(header: string, peer: Buffer, xfccHops: number): void {
  let ders: Buffer[] | undefined;
  try {
    ders = xfccFormat.decode(header, { ...LIMITS, xfccHops });
  } catch (error) {
    expect(error).toBeInstanceOf(ForwardedCertificateError);
    return;
  }
  expect(ders?.[0]).toEqual(peer);
}

describe('XFCC with hostile certificate text (property)', () => {
  it('never believes another certificate than the one Envoy described', () => {
    fc.assert(
      fc.property(
        certificateInit,
        details,
        fc.constantFrom('SANITIZE_SET', 'APPEND_FORWARD', 'inner hop'),
        fc.constantFrom('rfc4514', 'unescaped'),
        text,
        (init, set, mode, subjectStyle, prefix) => {
          const peer = sanCertificate(init);
          const hop = {
            by: ['spiffe://example.test/edge'],
            peer,
            details: set,
            // Older Envoy printed the subject without escaping quotes (X509_NAME_oneline).
            ...(subjectStyle === 'unescaped' ? { subject: `/CN=${init.cn}` } : {}),
          };
          if (mode === 'SANITIZE_SET') {
            decodesAsItselfOrRefuses(sanitizeSet(hop), peer, 1);
          } else if (mode === 'APPEND_FORWARD') {
            const client = `${prefix}Hash=${VICTIM_HASH};Cert="${VICTIM_PEM}"`;
            decodesAsItselfOrRefuses(appendForward(client, hop), peer, 1);
          } else {
            const inner = { by: ['spiffe://example.test/inner'], peer: der('server') };
            decodesAsItselfOrRefuses(appendForward(sanitizeSet(hop), inner), peer, 2);
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('reads back what encodeForwardedCertificate() wrote, whatever the SANs and subject hold', () => {
    fc.assert(
      fc.property(certificateInit, fc.boolean(), (init, withChain) => {
        const leaf = sanCertificate(init);
        const chain = withChain ? [der('intermediate-ca')] : [];
        const certificate = ClientCertificate.from(leaf, { chain });
        const { 'x-forwarded-client-cert': value } = encodeForwardedCertificate(
          certificate,
          'xfcc',
        );
        expect(xfccFormat.decode(value as string, LIMITS)).toEqual(
          withChain ? [leaf, leaf, ...chain] : [leaf],
        );
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
