/**
 * The forwarding decision of clientCertificate(), without Express: plain request values in, a
 * Decision plus the warnings, events and Vary fields to report out. One test per branch.
 */
import { X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  compileClientCertificateOptions,
  type ClientCertificateOptions,
} from '../../lib/forwarding/client-certificate-options';
import {
  createForwardingDecision,
  startupWarnings,
  type ForwardingOutcome,
  type ForwardingRequest,
} from '../../lib/forwarding/forwarding-decision';
import { CertificateRequiredError, type MtlsError } from '../../lib/errors';
import { der, pem, X5T_S256 } from '../helpers/fixtures';

const A_BASE64 = der('client-a').toString('base64');
const A_NGINX = encodeURIComponent(pem('client-a'));
const INTERMEDIATE_SF = `:${der('intermediate-ca').toString('base64')}:`;
const LOOPBACK = { trustProxy: 'loopback' } as const;

function decision(
  options: ClientCertificateOptions,
): (request?: Partial<ForwardingRequest>) => ForwardingOutcome {
  const decide = createForwardingDecision(compileClientCertificateOptions(options));
  return (request = {}) =>
    decide({
      peer: '127.0.0.1',
      socket: {},
      app: undefined,
      headers: {},
      rawHeaders: [],
      custom: () => undefined,
      ...request,
    });
}

/** Headers as Node presents them: joined values and the raw lines. */
function withHeaders(lines: readonly (readonly [string, string])[]): {
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
} {
  const headers: Record<string, string> = {};
  for (const [name, value] of lines) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return { headers, rawHeaders: lines.flat() };
}

function accepted(outcome: ForwardingOutcome): unknown {
  if (!outcome.result.ok) throw new Error(`refused: ${outcome.result.error.code}`);
  return outcome.result.value;
}

function refused(outcome: ForwardingOutcome): MtlsError {
  if (outcome.result.ok) throw new Error('accepted');
  return outcome.result.error;
}

const codes = (outcome: ForwardingOutcome): string[] => outcome.warnings.map((w) => w.code);

function tlsSocket(chain: readonly string[] = []): object {
  const certificates = chain.map((name) => new X509Certificate(pem(name as 'client-a')));
  certificates.forEach((certificate, i) => {
    Object.defineProperty(certificate, 'issuerCertificate', { value: certificates[i + 1] });
  });
  return {
    encrypted: true,
    authorized: true,
    getPeerX509Certificate: () => certificates[0],
  };
}

describe('forwarding decision: the TLS socket', () => {
  it('believes the TLS peer certificate', () => {
    const outcome = decision({})({ socket: tlsSocket(['client-a']) });
    expect(accepted(outcome)).toMatchObject({ thumbprint: X5T_S256['client-a'] });
    expect(outcome.warnings).toEqual([]);
    expect(outcome.vary).toBeUndefined();
  });

  it('says no_tls_certificate when the TLS peer presented none', () => {
    const outcome = decision({})({ socket: tlsSocket() });
    expect(accepted(outcome)).toBeUndefined();
    expect(outcome.events).toEqual([
      {
        channel: 'certificateAbsent',
        detail: {
          reason: 'no_tls_certificate',
          peer: '127.0.0.1',
          header: undefined,
          format: undefined,
        },
      },
    ]);
  });

  it('warns MTLS_NOT_TLS when source is tls and the connection is plain', () => {
    const outcome = decision({})();
    expect(accepted(outcome)).toBeUndefined();
    expect(codes(outcome)).toEqual(['MTLS_NOT_TLS']);
    expect(outcome.events[0]?.detail).toMatchObject({ reason: 'not_tls' });
  });

  it('refuses a TLS chain longer than maxChainLength: 400 ERR_MTLS_CHAIN_TOO_LONG', () => {
    const decide = createForwardingDecision(
      compileClientCertificateOptions({
        format: 'nginx',
        source: 'auto',
        ...LOOPBACK,
        maxChainLength: 0,
      }),
    );
    const error = refused(
      decide({
        peer: '192.0.2.7',
        socket: tlsSocket(['client-a', 'intermediate-ca']),
        app: undefined,
        headers: {},
        rawHeaders: [],
        custom: () => undefined,
      }),
    );
    expect(error).toMatchObject({ status: 400, code: 'ERR_MTLS_CHAIN_TOO_LONG' });
    expect(error.message).toMatch(/^TLS peer certificate: /);
  });
});

describe('forwarding decision: trust', () => {
  it('with no trusted proxy reads no header, warns MTLS_NO_TRUSTED_PROXY', () => {
    const outcome = decision({ format: 'nginx' })();
    expect(accepted(outcome)).toBeUndefined();
    expect(codes(outcome)).toEqual(['MTLS_NO_TRUSTED_PROXY']);
    expect(outcome.events[0]?.detail).toMatchObject({ reason: 'no_header', trusted: false });
    expect(outcome.vary).toBeUndefined();
  });

  it("with an app 'trust proxy' that trusts everyone warns MTLS_TRUST_PROXY_TOO_BROAD", () => {
    const outcome = decision({ format: 'nginx' })({
      app: { setting: true, fn: () => true },
      ...withHeaders([['x-ssl-cert', A_NGINX]]),
    });
    expect(accepted(outcome)).toBeUndefined();
    expect(codes(outcome)).toEqual(['MTLS_TRUST_PROXY_TOO_BROAD']);
    expect(outcome.warnings[0]?.message).toContain("the app's 'trust proxy' setting (true)");
    expect(outcome.events).toEqual([
      {
        channel: 'certificateIgnored',
        detail: {
          reason: 'trust_proxy_too_broad',
          peer: '127.0.0.1',
          header: 'x-ssl-cert',
          format: 'nginx',
        },
      },
    ]);
  });

  it('ignores the header from an untrusted peer, names the peer escaped, never parses it', () => {
    const outcome = decision({ format: 'nginx', ...LOOPBACK })({
      peer: '198.51.100.1\n',
      ...withHeaders([['x-ssl-cert', 'not even PEM']]),
    });
    expect(accepted(outcome)).toBeUndefined();
    expect(codes(outcome)).toEqual(['MTLS_UNTRUSTED_PEER']);
    expect(outcome.warnings[0]?.message).not.toContain('\n');
    expect(outcome.warnings[0]?.key).toBe('x-ssl-cert header');
    expect(outcome.events[0]).toMatchObject({ channel: 'certificateIgnored' });
  });

  it('source auto falls back to the TLS socket for an untrusted peer', () => {
    const outcome = decision({ format: 'nginx', source: 'auto', ...LOOPBACK })({
      peer: '192.0.2.7',
      socket: tlsSocket(['client-b']),
    });
    expect(accepted(outcome)).toMatchObject({ thumbprint: X5T_S256['client-b'] });
  });

  it('asks a trust function once per connection, and again for another connection', () => {
    const trusted = jest.fn((address: string | undefined) => address === '127.0.0.1');
    const decide = decision({ format: 'nginx', trustProxy: trusted });
    const peerCalls = (): number => trusted.mock.calls.filter(([a]) => a === '127.0.0.1').length;
    const request = { socket: {}, ...withHeaders([['x-ssl-cert', A_NGINX]]) };
    expect(accepted(decide(request))).toBeDefined();
    expect(accepted(decide(request))).toBeDefined();
    expect(peerCalls()).toBe(1);
    expect(accepted(decide({ ...request, socket: {} }))).toBeDefined();
    expect(peerCalls()).toBe(2);
  });

  it('ignores the header when the trustProxy function trusts every peer', () => {
    const outcome = decision({ format: 'nginx', trustProxy: () => true })(
      withHeaders([['x-ssl-cert', A_NGINX]]),
    );
    expect(accepted(outcome)).toBeUndefined();
    expect(codes(outcome)).toEqual(['MTLS_TRUST_PROXY_TOO_BROAD']);
    expect(outcome.warnings[0]?.message).toContain('the trustProxy function trusts every peer');
  });

  it('names a Unix-socket peer, and says not_tls without a warning for source auto', () => {
    const outcome = decision({ format: 'nginx', source: 'auto', ...LOOPBACK })({
      peer: undefined,
      ...withHeaders([['x-ssl-cert', A_NGINX]]),
    });
    expect(accepted(outcome)).toBeUndefined();
    expect(codes(outcome)).toEqual(['MTLS_UNTRUSTED_PEER']);
    expect(outcome.warnings[0]?.message).toContain('arrived from a Unix socket');
    expect(outcome.events.map((e) => e.detail.reason)).toEqual(['untrusted_peer', 'not_tls']);
  });

  it('a custom format without a header: an untrusted peer gets no_header', () => {
    const outcome = decision({ format: () => [der('client-a')], ...LOOPBACK })({
      peer: '192.0.2.7',
    });
    expect(accepted(outcome)).toBeUndefined();
    expect(outcome.warnings).toEqual([]);
    expect(outcome.events[0]?.detail).toMatchObject({ reason: 'no_header', trusted: false });
  });

  it('lets an exception of a trust function escape (the adapter passes it to next)', () => {
    const decide = decision({
      format: 'nginx',
      trustProxy: () => {
        throw new RangeError('boom');
      },
    });
    expect(() => decide(withHeaders([['x-ssl-cert', A_NGINX]]))).toThrow(RangeError);
  });

  it('with dangerouslyTrustAnyProxy believes every peer', () => {
    const outcome = decision({ format: 'nginx', dangerouslyTrustAnyProxy: true })({
      peer: '203.0.113.9',
      ...withHeaders([['x-ssl-cert', A_NGINX]]),
    });
    expect(accepted(outcome)).toMatchObject({ thumbprint: X5T_S256['client-a'] });
    expect(outcome.warnings).toEqual([]);
  });

  it('warns once at creation when every proxy is trusted', () => {
    const config = compileClientCertificateOptions({
      format: 'pem',
      dangerouslyTrustAnyProxy: true,
    });
    expect(startupWarnings(config).map((w) => w.code)).toEqual([
      'MTLS_DANGEROUSLY_TRUST_ANY_PROXY',
    ]);
    expect(startupWarnings(compileClientCertificateOptions({ format: 'pem' }))).toEqual([]);
  });
});

describe('forwarding decision: the header of a trusted proxy', () => {
  it('decodes the header, asks for Vary, and answers from the cache the second time', () => {
    const decide = decision({ format: 'nginx', ...LOOPBACK });
    const first = decide(withHeaders([['x-ssl-cert', A_NGINX]]));
    expect(accepted(first)).toMatchObject({
      thumbprint: X5T_S256['client-a'],
      source: { type: 'header', format: 'nginx', header: 'x-ssl-cert' },
    });
    expect(first.vary).toBe('x-ssl-cert');
    expect(first.warm).toBe(false);
    const second = decide(withHeaders([['x-ssl-cert', A_NGINX]]));
    expect(second.warm).toBe(true);
    expect(accepted(second)).toBe(accepted(first));
  });

  it('joins the field lines of a list chain header (RFC 9440) and drops empty ones', () => {
    const outcome = decision({ format: 'rfc9440', ...LOOPBACK })(
      withHeaders([
        ['client-cert', `:${A_BASE64}:`],
        ['client-cert-chain', INTERMEDIATE_SF],
        ['client-cert-chain', ''],
        ['client-cert-chain', INTERMEDIATE_SF],
      ]),
    );
    expect(accepted(outcome)).toMatchObject({ chain: [{}, {}] });
    expect(outcome.vary).toBe('client-cert, client-cert-chain');
  });

  it('refuses a repeated same-encoding chain header: 400 ERR_MTLS_HEADER_DUPLICATE', () => {
    const chain = der('intermediate-ca').toString('base64');
    const outcome = decision({ format: 'der-base64', chainHeader: 'x-chain', ...LOOPBACK })(
      withHeaders([
        ['x-client-cert', A_BASE64],
        ['x-chain', chain],
        ['x-chain', chain],
      ]),
    );
    expect(refused(outcome)).toMatchObject({ status: 400, code: 'ERR_MTLS_HEADER_DUPLICATE' });
  });

  it('reads a same-encoding chain header in the leaf encoding, and none when it is absent', () => {
    const decide = decision({ format: 'der-base64', chainHeader: 'x-chain', ...LOOPBACK });
    expect(accepted(decide(withHeaders([['x-client-cert', A_BASE64]])))).toMatchObject({
      chain: [],
    });
    const outcome = decide(
      withHeaders([
        ['x-client-cert', A_BASE64],
        ['x-chain', der('intermediate-ca').toString('base64')],
      ]),
    );
    expect(accepted(outcome)).toMatchObject({ chain: [{}] });
  });

  it('refuses a chain header without the leaf header (chain_without_leaf)', () => {
    const outcome = decision({ format: 'rfc9440', ...LOOPBACK })(
      withHeaders([['client-cert-chain', INTERMEDIATE_SF]]),
    );
    expect(refused(outcome)).toMatchObject({
      status: 400,
      code: 'ERR_MTLS_HEADER_MALFORMED',
      reason: 'chain_without_leaf',
    });
  });

  it.each([
    ['an empty value', ''],
    ["Apache's (null)", '(null)'],
    ['an unreplaced Caddy placeholder', '{http.request.tls.client.certificate_pem}'],
  ])('treats %s as no certificate', (_what, value) => {
    const outcome = decision({ format: 'pem', ...LOOPBACK })(withHeaders([['x-ssl-cert', value]]));
    expect(accepted(outcome)).toBeUndefined();
    expect(outcome.events[0]?.detail).toMatchObject({ reason: 'no_certificate' });
  });

  it('treats fewer XFCC elements than xfccHops as no certificate', () => {
    const value = `Hash=${'0'.repeat(64)};Cert="${A_NGINX}"`;
    const outcome = decision({ format: 'xfcc', xfccHops: 2, ...LOOPBACK })(
      withHeaders([['x-forwarded-client-cert', value]]),
    );
    expect(accepted(outcome)).toBeUndefined();
    expect(outcome.events[0]?.detail).toMatchObject({ reason: 'no_certificate' });
  });

  it('says no_header when no certificate header arrived', () => {
    const outcome = decision({ format: 'nginx', ...LOOPBACK })();
    expect(accepted(outcome)).toBeUndefined();
    expect(outcome.warnings).toEqual([]);
    expect(outcome.events[0]?.detail).toMatchObject({ reason: 'no_header' });
  });

  it.each([
    ['x-client-cert', A_BASE64, "format: 'der-base64'"],
    ['x-amzn-mtls-clientcert', A_NGINX, "format: 'nginx', header: 'x-amzn-mtls-clientcert'"],
    ['x-arr-clientcert', '@@@', "header: 'x-arr-clientcert'"],
  ])('warns MTLS_WRONG_CERTIFICATE_HEADER when %s arrives instead', (header, value, fix) => {
    const outcome = decision({ format: 'pem', ...LOOPBACK })(withHeaders([[header, value]]));
    expect(accepted(outcome)).toBeUndefined();
    expect(codes(outcome)).toEqual(['MTLS_WRONG_CERTIFICATE_HEADER']);
    expect(outcome.warnings[0]?.message).toContain(`use ${fix}.`);
    expect(outcome.events[0]?.detail).toMatchObject({ otherHeader: header, suggestion: fix });
  });

  it('suggests only the header when the other header is not one string', () => {
    const outcome = decision({ format: 'pem', ...LOOPBACK })({
      headers: { 'x-client-cert': [A_BASE64, A_BASE64] },
    });
    expect(outcome.warnings[0]?.message).toContain("use header: 'x-client-cert'.");
  });

  it('lets an error other than a decoding failure escape', () => {
    const config = compileClientCertificateOptions({ format: 'der-base64', ...LOOPBACK });
    const decide = createForwardingDecision({
      ...config,
      limits: {
        get maxCertificates(): number {
          throw new RangeError('boom');
        },
      },
    });
    expect(() =>
      decide({
        peer: '127.0.0.1',
        socket: {},
        app: undefined,
        ...withHeaders([['x-client-cert', A_BASE64]]),
        custom: () => undefined,
      }),
    ).toThrow(RangeError);
  });

  it('refuses a value over maxHeaderBytes before decoding: 431 ERR_MTLS_HEADER_TOO_LARGE', () => {
    const outcome = decision({ format: 'pem', maxHeaderBytes: 10, ...LOOPBACK })(
      withHeaders([['x-ssl-cert', 'x'.repeat(11)]]),
    );
    expect(refused(outcome)).toMatchObject({ status: 431, code: 'ERR_MTLS_HEADER_TOO_LARGE' });
  });

  it('refuses a repeated leaf header: 400 ERR_MTLS_HEADER_DUPLICATE', () => {
    const outcome = decision({ format: 'der-base64', ...LOOPBACK })(
      withHeaders([
        ['x-client-cert', A_BASE64],
        ['x-client-cert', A_BASE64],
      ]),
    );
    expect(refused(outcome)).toMatchObject({ code: 'ERR_MTLS_HEADER_DUPLICATE' });
  });

  it('names the format a value really decodes in (MTLS_FORMAT_MISMATCH), and refuses it', () => {
    const outcome = decision({ format: 'pem', ...LOOPBACK })(
      withHeaders([['x-ssl-cert', A_NGINX]]),
    );
    const error = refused(outcome);
    expect(error).toMatchObject({ status: 400, code: 'ERR_MTLS_HEADER_MALFORMED', reason: 'pem' });
    expect(error.message).toContain("use format: 'nginx'");
    expect(codes(outcome)).toEqual(['MTLS_FORMAT_MISMATCH']);
  });

  it('refuses a malformed value with its reason and no hint when no other format reads it', () => {
    const outcome = decision({ format: 'der-base64', ...LOOPBACK })(
      withHeaders([['x-client-cert', 'QUJD']]),
    );
    expect(refused(outcome)).toMatchObject({ reason: 'not_a_certificate' });
    expect(outcome.warnings).toEqual([]);
    expect(outcome.vary).toBe('x-client-cert');
  });
});

describe('forwarding decision: the proxy verification header', () => {
  const verify = { header: 'x-verify', value: 'SUCCESS' } as const;

  it('believes the certificate when the proxy says it verified it', () => {
    const outcome = decision({ format: 'nginx', ...LOOPBACK, proxyVerification: verify })(
      withHeaders([
        ['x-ssl-cert', A_NGINX],
        ['x-verify', 'SUCCESS'],
      ]),
    );
    expect(accepted(outcome)).toBeDefined();
  });

  it('ignores it otherwise (proxy_not_verified)', () => {
    const outcome = decision({ format: 'nginx', ...LOOPBACK, proxyVerification: verify })(
      withHeaders([
        ['x-ssl-cert', A_NGINX],
        ['x-verify', 'FAILED:unknown ca'],
      ]),
    );
    expect(accepted(outcome)).toBeUndefined();
    expect(outcome.events[0]?.detail).toMatchObject({ reason: 'proxy_not_verified' });
  });

  it("refuses it with onFailure 'error': 403 ERR_MTLS_CERTIFICATE_UNTRUSTED (rejected)", () => {
    const outcome = decision({
      format: 'nginx',
      ...LOOPBACK,
      proxyVerification: { ...verify, onFailure: 'error' },
    })(withHeaders([['x-ssl-cert', A_NGINX]]));
    expect(refused(outcome)).toMatchObject({
      status: 403,
      code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED',
      reason: 'rejected',
    });
  });
});

describe('forwarding decision: a custom format', () => {
  const custom = (result: () => unknown): ForwardingOutcome =>
    decision({ format: () => undefined, ...LOOPBACK, maxChainLength: 0 })({ custom: result });

  it('builds the certificate from the DER the function returns (Uint8Array or Buffer)', () => {
    const bytes = new Uint8Array(der('client-a'));
    expect(accepted(custom(() => [bytes]))).toMatchObject({
      thumbprint: X5T_S256['client-a'],
      source: { type: 'header', format: 'custom' },
    });
    expect(accepted(custom(() => [der('client-b')]))).toMatchObject({
      thumbprint: X5T_S256['client-b'],
    });
  });

  it('asks the proxy verification header after the function, and ignores an unverified one', () => {
    const outcome = decision({
      format: () => [der('client-a')],
      ...LOOPBACK,
      proxyVerification: { header: 'x-verify', value: 'SUCCESS' },
    })({ custom: () => [der('client-a')] });
    expect(accepted(outcome)).toBeUndefined();
    expect(outcome.events[0]?.detail).toMatchObject({ reason: 'proxy_not_verified' });
  });

  it.each([
    ['undefined', () => undefined],
    ['an empty array', () => []],
  ])('treats %s as no certificate', (_what, result) => {
    const outcome = custom(result);
    expect(accepted(outcome)).toBeUndefined();
    expect(outcome.events[0]?.detail).toMatchObject({ reason: 'no_certificate' });
  });

  it('refuses a wrong return type: 500 ERR_MTLS_MISCONFIGURED', () => {
    expect(refused(custom(() => ['PEM text']))).toMatchObject({ code: 'ERR_MTLS_MISCONFIGURED' });
    expect(refused(custom(() => 'x'))).toMatchObject({ code: 'ERR_MTLS_MISCONFIGURED' });
  });

  it('refuses more certificates than allowed before building: ERR_MTLS_CHAIN_TOO_LONG', () => {
    const three = () => [der('client-a'), der('client-a'), der('client-a')];
    expect(refused(custom(three))).toMatchObject({ code: 'ERR_MTLS_CHAIN_TOO_LONG' });
  });

  it('wraps what the function throws as custom_format, but keeps an MtlsError', () => {
    const thrown = custom(() => {
      throw new Error('secret detail');
    });
    expect(refused(thrown)).toMatchObject({
      code: 'ERR_MTLS_HEADER_MALFORMED',
      reason: 'custom_format',
    });
    expect(refused(thrown).message).not.toContain('secret detail');
    const own = new CertificateRequiredError();
    expect(
      refused(
        custom(() => {
          throw own;
        }),
      ),
    ).toBe(own);
  });
});
