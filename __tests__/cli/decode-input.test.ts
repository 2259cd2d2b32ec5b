import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../../lib/cli/cli-error';
import {
  decodeInput,
  detectFormat,
  FORMAT_LABELS,
  INPUT_FORMATS,
  type DecodeInputOptions,
} from '../../lib/cli/decode-input';
import type { Input } from '../../lib/cli/input';
import { der, pem } from '../helpers/fixtures';

const FIXTURES = join(__dirname, '..', 'fixtures');
const OPTIONS: DecodeInputOptions = { xfccHops: 1, maxCertificates: 32 };

interface Capture {
  header: string;
  format?: string;
  values: Record<string, string | null>;
}
const captures = (proxy: string): Capture[] =>
  (
    JSON.parse(readFileSync(join(FIXTURES, 'proxy-captures', `${proxy}.json`), 'utf8')) as {
      captures: Capture[];
    }
  ).captures;
const vectors = JSON.parse(
  readFileSync(join(FIXTURES, 'forwarding', 'derived', 'vectors.json'), 'utf8'),
) as Record<
  string,
  { format: string; header: string; value: string; leaf: string; chain: string[] }
>;

const argument = (text: string): Input => ({
  bytes: Buffer.from(text),
  origin: 'argument',
  name: '(argument)',
});
const file = (bytes: string | Buffer): Input => ({
  bytes: Buffer.from(bytes),
  origin: 'file',
  name: 'x',
});

function decodeError(input: Input, options: DecodeInputOptions = OPTIONS): CliError {
  try {
    decodeInput(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error('expected a CliError');
}

describe('detectFormat()', () => {
  const captured: [string, string, string][] = [];
  for (const proxy of ['nginx', 'haproxy', 'caddy', 'apache']) {
    for (const capture of captures(proxy)) {
      const value = capture.values['client-a'];
      if (capture.format !== undefined && typeof value === 'string') {
        captured.push([`${proxy} ${capture.header}`, value, capture.format]);
      }
    }
  }

  it('found captures from all four proxies to test with', () => {
    expect(new Set(captured.map(([, , format]) => format))).toEqual(
      new Set(['nginx', 'der-base64', 'rfc9440', 'pem']),
    );
  });

  it.each(captured)('recognises the real %s header', (_, value, format) => {
    expect(detectFormat(value)).toBe(format);
  });

  it.each(Object.entries(vectors).map(([name, v]) => [name, v.value, v.format]))(
    'recognises the %s vector',
    (_, value, format) => {
      expect(detectFormat(value)).toBe(format);
    },
  );

  it('recognises the RFC 9440 Figure 2 Client-Cert value', () => {
    const value = readFileSync(join(FIXTURES, 'forwarding', 'rfc9440', 'client-cert.txt'), 'utf8');
    expect(detectFormat(value.trim())).toBe('rfc9440');
  });

  it('recognises a PEM file with text before the block', () => {
    expect(detectFormat(`subject=CN=x\n${pem('client-a')}`)).toBe('pem');
  });

  it('returns undefined for text in no known shape', () => {
    expect(detectFormat('hello world')).toBeUndefined();
    expect(detectFormat('@@@@')).toBeUndefined();
  });
});

describe('decodeInput()', () => {
  it('reads binary DER files, one or several certificates', () => {
    const decoded = decodeInput(
      file(Buffer.concat([der('client-a'), der('intermediate-ca')])),
      OPTIONS,
    );
    expect(decoded).toEqual({
      format: 'der',
      detected: true,
      header: undefined,
      ders: [der('client-a'), der('intermediate-ca')],
      note: undefined,
    });
  });

  it('never reads an argument as binary DER (a leading "0" is text)', () => {
    const error = decodeError(argument(`0${'A'.repeat(200)}`));
    expect(error.message).toBe(
      'not a valid der-base64 value: not standard base64 with padding (base64)',
    );
  });

  it('reads text starting with 0x30 as text when it is not DER', () => {
    const error = decodeError(file('0 is not a certificate'));
    expect(error.message).toBe('cannot tell the format of the input');
    expect(error.hint).toBe(`Name it with --format (${INPUT_FORMATS.join(', ')}).`);
  });

  it('--format der refuses what is not DER', () => {
    const error = decodeError(file(pem('client-a')), { ...OPTIONS, format: 'der' });
    expect(error.message).toBe('not a valid der value: not DER certificates');
  });

  it('--format der reads DER and says it was not detected', () => {
    const decoded = decodeInput(file(der('client-b')), { ...OPTIONS, format: 'der' });
    expect(decoded.format).toBe('der');
    expect(decoded.detected).toBe(false);
  });

  it('strips a "Name: value" header line prefix and reports the header name', () => {
    const value = vectors['xfcc-envoy-client-a']!.value;
    const decoded = decodeInput(argument(`X-Forwarded-Client-Cert: ${value}`), OPTIONS);
    expect(decoded.header).toBe('x-forwarded-client-cert');
    expect(decoded.format).toBe('xfcc');
    expect(decoded.ders[0]).toEqual(der('client-a'));
  });

  it('keeps the leading ":" of an RFC 9440 value after a header name', () => {
    const decoded = decodeInput(
      argument(`client-cert: :${der('client-b').toString('base64')}:`),
      OPTIONS,
    );
    expect(decoded.header).toBe('client-cert');
    expect(decoded.format).toBe('rfc9440');
    expect(decoded.ders).toEqual([der('client-b')]);
  });

  it('reads an RFC 9440 Client-Cert-Chain list', () => {
    const list = [der('intermediate-ca'), der('root-ca')]
      .map((d) => `:${d.toString('base64')}:`)
      .join(', ');
    expect(decodeInput(argument(list), OPTIONS).ders).toEqual([
      der('intermediate-ca'),
      der('root-ca'),
    ]);
  });

  it('reads a file with a UTF-8 byte order mark and surrounding whitespace', () => {
    const decoded = decodeInput(
      file(`\uFEFF\n  ${der('client-a').toString('base64')}  \n`),
      OPTIONS,
    );
    expect(decoded.format).toBe('der-base64');
    expect(decoded.ders).toEqual([der('client-a')]);
  });

  it('reads a PEM file with text around the blocks, and says so', () => {
    const decoded = decodeInput(file(`subject=CN=client-a\n${pem('client-a')}trailer\n`), OPTIONS);
    expect(decoded.format).toBe('pem');
    expect(decoded.ders).toEqual([der('client-a')]);
    expect(decoded.note).toBe('text outside the PEM blocks was ignored');
  });

  it('refuses text around PEM blocks in a header value (as clientCertificate() does)', () => {
    const error = decodeError(argument(`junk ${pem('client-a')}`));
    expect(error.message).toBe(
      'not a valid pem value: no PEM certificate block where one was expected (pem)',
    );
  });

  it('refuses a file with a broken PEM block', () => {
    const error = decodeError(
      file(`text\n${pem('client-a').replace(/-----END CERTIFICATE-----\n$/, '')}`),
    );
    expect(error.message).toBe('not a valid pem value: PEM block "CERTIFICATE" is incomplete');
  });

  it('--format pem on a file without any certificate block', () => {
    const error = decodeError(file('nothing here'), { ...OPTIONS, format: 'pem' });
    expect(error.message).toBe('not a valid pem value: no CERTIFICATE block');
  });

  it('names the PEM labels (never their content) when there is no CERTIFICATE block', () => {
    const key = readFileSync(join(FIXTURES, 'pki', 'client-a.key'), 'utf8');
    const error = decodeError(file(key + key));
    expect(error.message).toBe('no CERTIFICATE in the PEM input (it holds: PRIVATE KEY)');
  });

  it.each([
    ['', 'the input is empty'],
    ['  \n', 'the input is empty'],
    ['(null)', 'the value "(null)" means that no certificate was presented'],
    ['X-SSL-Cert: (null)', 'the value "(null)" means that no certificate was presented'],
  ])('%j → %s', (text, message) => {
    expect(decodeError(file(text)).message).toBe(message);
  });

  it('XFCC: reads the element --xfcc-hops counts from the right, and says when there is none', () => {
    const value = vectors['xfcc-two-elements-b-then-a']!.value;
    expect(decodeInput(argument(value), OPTIONS).ders[0]).toEqual(der('client-a'));
    expect(decodeInput(argument(value), { ...OPTIONS, xfccHops: 2 }).ders[0]).toEqual(
      der('client-b'),
    );
    expect(decodeError(argument(value), { ...OPTIONS, xfccHops: 3 }).message).toBe(
      'the xfcc value holds fewer than 3 element(s): no client certificate',
    );
  });

  it('reports a decoder failure with its reason, never the value', () => {
    const value = `${der('client-a').toString('base64')}%ZZ`;
    const error = decodeError(argument(value), { ...OPTIONS, format: 'nginx' });
    expect(error.message).toBe(
      'not a valid nginx value: invalid percent-encoding (percent_encoding)',
    );
    expect(error.message).not.toContain(value.slice(0, 20));
  });

  it('bounds the number of certificates', () => {
    const error = decodeError(file(pem('client-a').repeat(3)), { ...OPTIONS, maxCertificates: 2 });
    expect(error.message).toBe(
      'not a valid pem value: more than 2 PEM certificate blocks (chain_too_long)',
    );
  });

  it('has a label for every format', () => {
    expect(Object.keys(FORMAT_LABELS).sort()).toEqual([...INPUT_FORMATS].sort());
  });
});
