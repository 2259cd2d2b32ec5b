import { ForwardedCertificateError } from '../../lib/forwarding/decode-error';
import { xfccFormat } from '../../lib/forwarding/formats/xfcc';
import { parseXfcc } from '../../lib/forwarding/xfcc-parser';
import { carriesCertificateText, checkXfccRendering } from '../../lib/forwarding/xfcc-rendering';
import { der } from '../helpers/fixtures';
import { sanCertificate } from '../helpers/san-certificate';
import { envoyEscapedPem, sanitizeSet } from './support/envoy-xfcc';
import { reasonOf } from './support/vectors';

const LIMITS = { maxCertificates: 10, xfccHops: 1 };
const A = der('client-a');
const A_PEM = envoyEscapedPem(A);
const A_HASH = '83c51f5506a15b3e569a3b74a30da97f3931c4b96d1c112353ab8fcbdd7729fc';
const A_SUBJECT = 'CN=client-a,OU=Payments,O=express-mtls tests,C=US';
const A_URI = 'spiffe://example.test/client-a';
const A_DNS = 'client-a.example.test';
const DETAILS = { cert: true, subject: true, uri: true, dns: true };

function element(text: string) {
  return parseXfcc(text)[0]!;
}

function check(text: string, leaf: Buffer = A): string | undefined {
  return reasonOf(() => {
    checkXfccRendering(element(text), leaf);
  });
}

describe('checkXfccRendering (an element must render its own certificate)', () => {
  it('accepts the exact rendering, with or without each detail', () => {
    expect(check(`Subject="${A_SUBJECT}";URI=${A_URI};DNS=${A_DNS}`)).toBeUndefined();
    expect(check(`URI=${A_URI}`)).toBeUndefined();
    expect(check(`DNS=${A_DNS}`)).toBeUndefined();
    expect(check('Hash=x')).toBeUndefined();
  });

  it('accepts one empty URI for a certificate without URI SAN, and nothing else', () => {
    const none = sanCertificate({ dns: ['d'] });
    expect(check('URI=;DNS=d', none)).toBeUndefined();
    expect(check('URI=x;DNS=d', none)).toBe('xfcc_ambiguous');
    expect(check('URI=;URI=;DNS=d', none)).toBe('xfcc_ambiguous');
  });

  it('accepts only the first URI SAN (older Envoy output) when that SAN is plain text', () => {
    const two = sanCertificate({ uri: ['spiffe://td/ns/a/sa/b', 'https://example.com/id'] });
    expect(check('URI=spiffe://td/ns/a/sa/b', two)).toBeUndefined();
    expect(check('URI=spiffe://td/ns/a/sa/b;URI=https://example.com/id', two)).toBeUndefined();
    expect(check('URI=https://example.com/id', two)).toBe('xfcc_ambiguous');
    for (const first of ['spiffe://td/a;b', 'spiffe://td/a,b', 'x=y', 'a\\b', 'a b']) {
      const hostile = sanCertificate({ uri: [first, 'spiffe://td/second'] });
      const text = `URI="${first.replace(/["\\]/g, '\\$&')}"`;
      expect(check(text, hostile)).toBe('xfcc_ambiguous');
    }
  });

  it.each([
    ['a URI cut short by a separator', `URI=spiffe://example.test`],
    ['a URI missing', `URI=${A_URI};URI=${A_URI}`],
    ['a DNS value not among the SANs', `URI=${A_URI};DNS=other.example`],
    ['DNS values in another order', `DNS=${A_DNS};DNS=${A_DNS}`],
    ['two Subjects', `Subject="${A_SUBJECT}";Subject="${A_SUBJECT}"`],
  ])('refuses %s (xfcc_ambiguous)', (_what, text) => {
    expect(check(text)).toBe('xfcc_ambiguous');
  });

  it('accepts an Envoy-printed subject (another form) when the subject has no " or \\', () => {
    expect(check('Subject="/C=US/O=express-mtls tests/OU=Payments/CN=client-a"')).toBeUndefined();
  });

  it('refuses a subject with " or \\ unless it reads back exactly (RFC 4514)', () => {
    const quoted = sanCertificate({ cn: 'a"b' });
    expect(check('Subject="CN=a\\\\\\"b"', quoted)).toBeUndefined();
    expect(check('Subject="/CN=a"', quoted)).toBe('xfcc_ambiguous');
    const backslash = sanCertificate({ cn: 'a\\b' });
    expect(check('Subject="/CN=a\\b"', backslash)).toBe('xfcc_ambiguous');
  });

  it('refuses a subject whose value is not text (it may hold anything)', () => {
    const opaque = sanCertificate({ cn: 'x', cnTag: 0x04 });
    expect(check('Subject="CN=x"', opaque)).toBe('xfcc_ambiguous');
  });

  it('says why and what to configure, without the header text', () => {
    let error: unknown;
    try {
      checkXfccRendering(element('URI=spiffe://attacker,junk'), A);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ForwardedCertificateError);
    expect((error as Error).message).toMatch(/URI values.*set_current_client_cert_details/);
    expect((error as Error).message).not.toContain('attacker');
  });

  it('refuses bytes that are not a certificate (not_a_certificate)', () => {
    expect(check(`URI=${A_URI}`, Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]))).toBe(
      'not_a_certificate',
    );
  });

  it('knows which keys carry certificate text', () => {
    expect(carriesCertificateText(element('By=x;Hash=y;Cert="z";Chain="w"'))).toBe(false);
    expect(carriesCertificateText(element('URI='))).toBe(true);
    expect(carriesCertificateText(element('dns=x'))).toBe(true);
    expect(carriesCertificateText(element('Subject=""'))).toBe(true);
  });
});

describe('xfcc decoding with certificate text (boundaries must be provable)', () => {
  it('refuses an element with URI/DNS/Subject but no Hash', () => {
    expect(reasonOf(() => xfccFormat.decode(`Cert="${A_PEM}";URI=${A_URI}`, LIMITS))).toBe(
      'xfcc_ambiguous',
    );
  });

  it('checks every element left of the one believed (APPEND_FORWARD)', () => {
    const honest = sanitizeSet({ peer: A, details: DETAILS });
    expect(xfccFormat.decode(`${honest},${honest}`, LIMITS)).toEqual([A]);
    const forged = `Hash=${A_HASH};Cert="${A_PEM}";URI=spiffe://x`;
    expect(reasonOf(() => xfccFormat.decode(`${forged},${honest}`, LIMITS))).toBe('xfcc_ambiguous');
    expect(reasonOf(() => xfccFormat.decode(`URI=x,${honest}`, LIMITS))).toBe('xfcc_missing_cert');
  });

  it('does not check elements right of the one believed (inner proxies)', () => {
    const inner = 'By=spiffe://inner;Hash=00;URI=spiffe://not-its-cert';
    expect(
      xfccFormat.decode(`${sanitizeSet({ peer: A, details: DETAILS })},${inner}`, {
        ...LIMITS,
        xfccHops: 2,
      }),
    ).toEqual([A]);
  });

  it('leaves headers without certificate text as they were (By, Hash, Cert, Chain)', () => {
    expect(xfccFormat.decode(`By=a,b;Cert="${A_PEM}"`, LIMITS)).toEqual([A]);
  });
});
