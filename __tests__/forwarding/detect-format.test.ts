import { detectFormat, otherFormatOf } from '../../lib/forwarding/detect-format';
import { FORMATS } from '../../lib/forwarding/formats';
import { ClientCertificate } from '../../lib';
import { pem } from '../helpers/fixtures';

const limits = { maxCertificates: 10, xfccHops: 1 };
const A = ClientCertificate.from(pem('client-a'));

describe('detectFormat (shared by the CLI and clientCertificate())', () => {
  it.each(['nginx', 'pem', 'der-base64', 'rfc9440', 'xfcc', 'aws-alb'] as const)(
    'recognises what format %s encodes',
    (format) => {
      expect(detectFormat(FORMATS[format].encode(A).value)).toBe(format);
    },
  );

  it('says nothing about text in no known shape', () => {
    expect(detectFormat('hello world')).toBeUndefined();
  });
});

describe('otherFormatOf', () => {
  it('names the format a value really decodes in', () => {
    expect(otherFormatOf(FORMATS.nginx.encode(A).value, 'pem', limits)).toBe('nginx');
    expect(otherFormatOf(FORMATS.rfc9440.encode(A).value, 'der-base64', limits)).toBe('rfc9440');
    expect(otherFormatOf(FORMATS['der-base64'].encode(A).value, 'traefik', limits)).toBe(
      'der-base64',
    );
  });

  it('is undefined for the configured format itself, an unknown shape, or a value that does not decode', () => {
    expect(otherFormatOf(FORMATS.nginx.encode(A).value, 'nginx', limits)).toBeUndefined();
    expect(otherFormatOf('@@@', 'nginx', limits)).toBeUndefined();
    expect(otherFormatOf('-----BEGIN%20CERTIFICATE-----%0Aabc', 'pem', limits)).toBeUndefined();
    expect(otherFormatOf('Hash=abc', 'nginx', limits)).toBeUndefined();
    expect(
      otherFormatOf(FORMATS.xfcc.encode(A).value, 'nginx', { maxCertificates: 10, xfccHops: 2 }),
    ).toBeUndefined();
  });

  it('rethrows anything but a decoding failure', () => {
    expect(() =>
      otherFormatOf(FORMATS['der-base64'].encode(A).value, 'nginx', {
        get maxCertificates(): number {
          throw new RangeError('boom');
        },
        xfccHops: 1,
      }),
    ).toThrow(RangeError);
  });
});
