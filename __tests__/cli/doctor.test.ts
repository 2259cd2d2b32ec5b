import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DoctorReport } from '../../lib/cli/doctor';
import { parseCapture } from '../../lib/cli/doctor-analysis';
import { CliError } from '../../lib/cli/cli-error';
import { X5T_S256 } from '../helpers/fixtures';
import { cli } from './helpers/cli';

const CAPTURES = join(__dirname, '..', 'fixtures', 'proxy-captures');

interface Capture {
  readonly sample: string;
  readonly header: string;
  readonly format?: string;
  readonly wire?: boolean;
  readonly values: Readonly<Record<string, string | null>>;
}

/** Every real-proxy capture of client-a's certificate header (the e2e suites pin the same values). */
function realCaptures(): [string, string, string, string][] {
  const out: [string, string, string, string][] = [];
  for (const proxy of ['nginx', 'haproxy', 'caddy', 'apache']) {
    const file = JSON.parse(readFileSync(join(CAPTURES, `${proxy}.json`), 'utf8')) as {
      captures: Capture[];
    };
    for (const capture of file.captures) {
      const value = capture.values['client-a'];
      if (capture.format !== undefined && capture.wire !== true && typeof value === 'string') {
        if (capture.header.endsWith('-chain')) continue;
        out.push([
          `${proxy} ${capture.header} (${capture.sample})`,
          capture.header,
          value,
          capture.format,
        ]);
      }
    }
  }
  return out;
}

async function doctor(
  capture: string,
  options: string[] = [],
): Promise<{ code: number; report: DoctorReport; stderr: string }> {
  const result = await cli(['doctor', '-', '--json', ...options], [capture]);
  return {
    code: result.code,
    report: JSON.parse(result.stdout) as DoctorReport,
    stderr: result.stderr,
  };
}

function curlVerbose(header: string, value: string): string {
  return [
    '*   Trying 127.0.0.1:8443...',
    '* Connected to localhost (127.0.0.1) port 8443',
    '> GET /api HTTP/1.1',
    '> Host: localhost:8443',
    '> User-Agent: curl/7.88.1',
    `> ${header}: ${value}`,
    '> ',
    '< HTTP/1.1 200 OK',
    '< x-client-cert: not-a-request-header',
  ].join('\n');
}

describe('express-mtls doctor', () => {
  const captures = realCaptures();

  it('has captures from all four real proxies', () => {
    expect(new Set(captures.map(([name]) => name.split(' ')[0]))).toEqual(
      new Set(['nginx', 'haproxy', 'caddy', 'apache']),
    );
  });

  it.each(captures)('names the format of the real %s', async (_, header, value, format) => {
    const { code, report } = await doctor(curlVerbose(header, value), [
      '--format',
      format,
      '--header',
      header,
      '--trust-proxy',
      'loopback',
      '--peer',
      '127.0.0.1',
    ]);
    expect(report.header).toBe(header);
    expect(report.format).toBe(format);
    expect(report.proxy).not.toBeNull();
    expect(report.certificate?.thumbprint).toBe(X5T_S256['client-a']);
    expect(report.findings.every((finding) => finding.ok)).toBe(true);
    expect(code).toBe(0);
  });

  it('reads a raw HTTP request and stops at the body', async () => {
    const value = captures.find(([name]) => name.startsWith('nginx'))![2];
    const raw = `GET / HTTP/1.1\r\nHost: api\r\nX-SSL-Cert: ${value}\r\n\r\nX-Client-Cert: body text`;
    const { report } = await doctor(raw, ['--trust-proxy', 'loopback', '--peer', '127.0.0.1']);
    expect(report).toMatchObject({
      header: 'x-ssl-cert',
      format: 'nginx',
      proxy: 'nginx ($ssl_client_escaped_cert)',
    });
  });

  it('gives the exact fix for a wrong format, header and untrusted peer: exit 1', async () => {
    const [, header, value] = captures.find(([name]) => name.startsWith('haproxy'))!;
    const { code, report } = await doctor(curlVerbose(header, value), [
      '--format',
      'nginx',
      '--trust-proxy',
      '10.0.0.2',
      '--peer',
      '127.0.0.1',
    ]);
    expect(code).toBe(1);
    expect(report.findings.filter((f) => !f.ok).map((f) => f.fix)).toEqual([
      "clientCertificate({ format: 'der-base64' })",
      "clientCertificate({ header: 'x-client-cert' })",
      'add the proxy address (--peer) to trustProxy',
    ]);
  });

  it('without --trust-proxy, says the header is never believed', async () => {
    const [, header, value] = captures.find(([name]) => name.startsWith('caddy'))!;
    const result = await cli(['doctor', '-'], [curlVerbose(header, value)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('certificate header: x-client-cert, format der-base64');
    expect(result.stdout).toContain(`x5t#S256`);
    expect(result.stdout).toContain('PROBLEM: no trustProxy given');
  });

  it('text output when everything reads: what each middleware would do', async () => {
    const [, header, value] = captures.find(([name]) => name.startsWith('apache'))!;
    const result = await cli(
      [
        'doctor',
        '-',
        '--format',
        'pem',
        '--header',
        header,
        '--trust-proxy',
        'loopback',
        '--peer',
        '127.0.0.1',
      ],
      [curlVerbose(header, value)],
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('written by: Apache httpd (SSL_CLIENT_CERT)');
    expect(result.stdout).toContain(`cnf["x5t#S256"] is ${X5T_S256['client-a']}`);
  });

  it('an unknown header name still gets its format, with an unknown proxy', async () => {
    const value = captures.find(([name]) => name.startsWith('haproxy'))![2];
    const result = await cli(['doctor', '-'], [`My-Cert: ${value}\nAccept: */*\n`]);
    expect(result.stdout).toContain('certificate header: my-cert, format der-base64');
    expect(result.stdout).toContain('written by: an unknown proxy');
  });

  it('prefers a conventional certificate header, and flags an explicit wrong --header', async () => {
    const value = captures.find(([name]) => name.startsWith('haproxy'))![2];
    const { code, report } = await doctor(`My-Cert: ${value}\nX-Client-Cert: ${value}\n`, [
      '--header',
      'my-other-cert',
      '--trust-proxy',
      'loopback',
    ]);
    expect(code).toBe(1);
    expect(report).toMatchObject({ header: 'x-client-cert', format: 'der-base64' });
    expect(report.findings[1]).toEqual({
      ok: false,
      message: 'header is my-other-cert, but the certificate is in x-client-cert',
      fix: "clientCertificate({ header: 'x-client-cert' })",
    });
  });

  it('a capture without a certificate header: exit 1 with what to check', async () => {
    const { code, report } = await doctor('> GET / HTTP/1.1\n> Host: api\n> Accept: */*\n');
    expect(code).toBe(1);
    expect(report).toMatchObject({ header: null, certificate: null });
    expect(report.findings[0]?.message).toBe('no header of the capture holds a client certificate');
    const text = await cli(['doctor', '-'], ['Host: api\n']);
    expect(text.stdout).toContain('PROBLEM: no header of the capture holds a client certificate');
  });

  it.each([
    [['doctor', '-'], 'Host api', 'no request header found in the capture'],
    [['doctor', '-', '--format', 'der'], 'Host: a', '--format der is not a header format'],
    [['doctor', '-', '--trust-proxy', 'not an address!'], 'Host: a', 'trustProxy'],
  ])('usage errors: %j → exit 2', async (argv, stdin, message) => {
    const result = await cli(argv, [stdin]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('--trust-proxy without --peer checks only that trustProxy is given', async () => {
    const [, header, value] = captures.find(([name]) => name.startsWith('caddy'))!;
    const { code } = await doctor(curlVerbose(header, value), ['--trust-proxy', 'loopback']);
    expect(code).toBe(0);
  });
});

describe('parseCapture()', () => {
  it('keeps repeated headers in order, lower-cases names, skips non-header lines', () => {
    expect([
      ...parseCapture('POST /x HTTP/2\nA: 1\nnot a header\na: 2\n\nB: body').entries(),
    ]).toEqual([['a', ['1', '2']]]);
  });

  it('throws a CliError when there is no header', () => {
    expect(() => parseCapture('\n\n')).toThrow(CliError);
  });
});
