import { compileClientCertificateOptions } from '../../lib/forwarding/client-certificate-options';
import type { ClientCertificateOptions } from '../../lib';

const compile = (options: unknown) =>
  compileClientCertificateOptions(options as ClientCertificateOptions | undefined);

describe('clientCertificate() options', () => {
  it('f(), f({}) and f({ x: undefined }) mean the same: the TLS socket, nothing from headers', () => {
    const reference = compile(undefined);
    for (const options of [{}, { format: undefined, source: undefined, header: undefined }]) {
      expect(compile(options)).toEqual(reference);
    }
    expect(reference).toMatchObject({
      source: 'tls',
      formatName: undefined,
      header: undefined,
      maxChainLength: 8,
      onInvalid: 'error',
    });
  });

  it('defaults to the header source and the documented limits when a format is given', () => {
    expect(compile({ format: 'nginx' }).limits).toEqual({ maxCertificates: 10 });
    expect(compile({ format: 'xfcc' }).limits).toEqual({ maxCertificates: 10, xfccHops: 1 });
    expect(compile({ format: 'nginx' })).toMatchObject({
      source: 'header',
      formatName: 'nginx',
      header: 'x-ssl-cert',
      chainHeader: undefined,
      trust: undefined,
      trustAnyProxy: false,
      verification: undefined,
      maxHeaderBytes: 16384,
      maxChainLength: 8,
      onInvalid: 'error',
      cacheSize: 1000,
      vary: 'x-ssl-cert',
      headerSource: { type: 'header', format: 'nginx', header: 'x-ssl-cert' },
    });
  });

  it.each([
    ['nginx', 'x-ssl-cert', undefined],
    ['pem', 'x-ssl-cert', undefined],
    ['der-base64', 'x-client-cert', undefined],
    ['rfc9440', 'client-cert', 'client-cert-chain'],
    ['xfcc', 'x-forwarded-client-cert', undefined],
    ['aws-alb', 'x-amzn-mtls-clientcert', undefined],
    ['traefik', 'x-forwarded-tls-client-cert', undefined],
  ])('format %s reads %s (chain: %s) by default', (format, header, chainHeader) => {
    const compiled = compile({ format });
    expect(compiled.header).toBe(header);
    expect(compiled.chainHeader).toBe(chainHeader);
    expect(compiled.vary).toBe(chainHeader === undefined ? header : `${header}, ${chainHeader}`);
  });

  it('lower-cases header overrides and lists both in Vary', () => {
    expect(
      compile({ format: 'der-base64', header: 'X-SSL-Client-Der', chainHeader: 'X-SSL-Chain-Der' }),
    ).toMatchObject({
      header: 'x-ssl-client-der',
      chainHeader: 'x-ssl-chain-der',
      vary: 'x-ssl-client-der, x-ssl-chain-der',
    });
  });

  it('accepts a custom format function, with an optional header for Vary', () => {
    const custom = () => undefined;
    expect(compile({ format: custom })).toMatchObject({
      formatName: 'custom',
      custom,
      header: undefined,
      vary: undefined,
      headerSource: { type: 'header', format: 'custom' },
    });
    expect(compile({ format: custom, header: 'x-cert' }).vary).toBe('x-cert');
  });

  it('honours vary: false, cacheSize: 0 and the other explicit values', () => {
    expect(
      compile({
        format: 'xfcc',
        vary: false,
        cacheSize: 0,
        xfccHops: 2,
        maxChainLength: 0,
        maxHeaderBytes: 1,
        onInvalid: 'ignore',
        source: 'auto',
      }),
    ).toMatchObject({
      vary: undefined,
      cacheSize: 0,
      limits: { maxCertificates: 2, xfccHops: 2 },
      maxChainLength: 0,
      maxHeaderBytes: 1,
      onInvalid: 'ignore',
      source: 'auto',
    });
  });

  it('compiles proxyVerification values (string, array, predicate)', () => {
    const single = compile({
      format: 'nginx',
      proxyVerification: { header: 'X-SSL-Client-Verify', value: 'SUCCESS' },
    }).verification!;
    expect(single.header).toBe('x-ssl-client-verify');
    expect(single.onFailure).toBe('ignore');
    expect([single.accepts('SUCCESS'), single.accepts('success'), single.accepts('')]).toEqual([
      true,
      false,
      false,
    ]);
    const list = compile({
      format: 'pem',
      proxyVerification: { header: 'x-v', value: ['SUCCESS', 'GENEROUS'], onFailure: 'error' },
    }).verification!;
    expect([list.accepts('GENEROUS'), list.accepts('NONE'), list.onFailure]).toEqual([
      true,
      false,
      'error',
    ]);
    const predicate = compile({
      format: 'der-base64',
      proxyVerification: { header: 'x-v', value: (v: string) => (v === '0' ? true : 'yes') },
    }).verification!;
    expect([predicate.accepts('0'), predicate.accepts('1')]).toEqual([true, false]);
  });

  it('compiles trustProxy once', () => {
    const { trust } = compile({ format: 'nginx', trustProxy: '10.0.0.0/8' });
    expect([trust?.('10.1.1.1', 0), trust?.('127.0.0.1', 0)]).toEqual([true, false]);
    expect(compile({ format: 'nginx', dangerouslyTrustAnyProxy: true }).trustAnyProxy).toBe(true);
  });

  it.each<[string, unknown, RegExp]>([
    ['options that are not an object', 'nginx', /options must be an object/],
    ['options that are an array', [], /options must be an object/],
    ['null options', null, /options must be an object/],
    [
      'a misspelled option',
      { fromat: 'nginx' },
      /unknown option "fromat"\. Did you mean "format"\?/,
    ],
    [
      'another misspelled option',
      { trustProxies: 'loopback', format: 'nginx' },
      /Did you mean "trustProxy"/,
    ],
    ['an unknown format', { format: 'nignx' }, /"format" must be one of .*Did you mean "nginx"\?/],
    ['a proxy name as format', { format: 'apache' }, /For apache, use "pem"\./],
    ['another proxy name', { format: 'Envoy' }, /For Envoy, use "xfcc"\./],
    ['a number as format', { format: 42 }, /"format" must be one of/],
    [
      'an unknown source',
      { format: 'nginx', source: 'headers' },
      /"source" must be one of.*Did you mean "header"/,
    ],
    ['a header source without format', { source: 'header' }, /source "header" needs a "format"/],
    ['an auto source without format', { source: 'auto' }, /source "auto" needs a "format"/],
    ['a format with the TLS source', { format: 'nginx', source: 'tls' }, /source" is "tls"/],
    [
      'a header without format',
      { header: 'x-ssl-cert' },
      /"header" applies to certificates forwarded in a header/,
    ],
    ['trustProxy without format', { trustProxy: 'loopback' }, /"trustProxy" applies to/],
    ['cacheSize with the TLS source', { source: 'tls', cacheSize: 5 }, /"cacheSize" applies to/],
    [
      'a header with an underscore',
      { format: 'nginx', header: 'ssl_client_cert' },
      /Use "-" instead of "_"/,
    ],
    [
      'a header with a space',
      { format: 'nginx', header: 'x ssl' },
      /"header" must be an HTTP header name/,
    ],
    [
      'a chain header with xfcc',
      { format: 'xfcc', chainHeader: 'x-chain' },
      /"chainHeader" is not supported by format "xfcc"/,
    ],
    [
      'a chain header with traefik',
      { format: 'traefik', chainHeader: 'x-chain' },
      /not supported by format "traefik"/,
    ],
    [
      'a chain header with a function',
      { format: () => undefined, chainHeader: 'x-chain' },
      /not supported by format function/,
    ],
    [
      'header equal to chainHeader',
      { format: 'rfc9440', header: 'client-cert-chain' },
      /"header" and "chainHeader" must differ/,
    ],
    [
      'trustProxy and dangerouslyTrustAnyProxy',
      { format: 'nginx', trustProxy: 'loopback', dangerouslyTrustAnyProxy: true },
      /either "trustProxy" or "dangerouslyTrustAnyProxy"/,
    ],
    [
      'dangerouslyTrustAnyProxy not boolean',
      { format: 'nginx', dangerouslyTrustAnyProxy: 'yes' },
      /"dangerouslyTrustAnyProxy" must be a boolean/,
    ],
    ['trustProxy true', { format: 'nginx', trustProxy: true }, /dangerouslyTrustAnyProxy: true/],
    ['trustProxy an empty array', { format: 'nginx', trustProxy: [] }, /empty list/],
    [
      'trustProxy a bad address',
      { format: 'nginx', trustProxy: '300.1.1.1' },
      /invalid IP address/,
    ],
    [
      'xfccHops without xfcc',
      { format: 'nginx', xfccHops: 2 },
      /"xfccHops" applies to format "xfcc" only/,
    ],
    ['xfccHops 0', { format: 'xfcc', xfccHops: 0 }, /"xfccHops" must be an integer ≥ 1/],
    [
      'maxChainLength negative',
      { format: 'nginx', maxChainLength: -1 },
      /"maxChainLength" must be an integer ≥ 0/,
    ],
    [
      'maxChainLength fractional',
      { format: 'nginx', maxChainLength: 1.5 },
      /"maxChainLength" must be an integer/,
    ],
    [
      'maxChainLength Infinity',
      { format: 'nginx', maxChainLength: Infinity },
      /"maxChainLength" must be an integer/,
    ],
    [
      'maxHeaderBytes 0',
      { format: 'nginx', maxHeaderBytes: 0 },
      /"maxHeaderBytes" must be an integer ≥ 1/,
    ],
    [
      'maxHeaderBytes a string',
      { format: 'nginx', maxHeaderBytes: '16k' },
      /"maxHeaderBytes" must be an integer/,
    ],
    ['cacheSize NaN', { format: 'nginx', cacheSize: NaN }, /"cacheSize" must be an integer ≥ 0/],
    [
      'an unknown onInvalid',
      { format: 'nginx', onInvalid: 'reject' },
      /"onInvalid" must be one of "error", "ignore"/,
    ],
    ['vary not boolean', { format: 'nginx', vary: 'yes' }, /"vary" must be a boolean/],
    [
      'proxyVerification not an object',
      { format: 'nginx', proxyVerification: 'SUCCESS' },
      /proxyVerification: options must be an object/,
    ],
    [
      'proxyVerification misspelled',
      { format: 'nginx', proxyVerification: { header: 'x-v', values: 'SUCCESS' } },
      /unknown option "values"\. Did you mean "value"\?/,
    ],
    [
      'proxyVerification without header',
      { format: 'nginx', proxyVerification: { value: 'SUCCESS' } },
      /"header" is required/,
    ],
    [
      'proxyVerification with a bad header',
      { format: 'nginx', proxyVerification: { header: 'x_v', value: 'SUCCESS' } },
      /"proxyVerification.header" must be an HTTP header name/,
    ],
    [
      'proxyVerification without value',
      { format: 'nginx', proxyVerification: { header: 'x-v' } },
      /"value" must be the accepted value/,
    ],
    [
      'proxyVerification with an empty value',
      { format: 'nginx', proxyVerification: { header: 'x-v', value: '' } },
      /"value" must be/,
    ],
    [
      'proxyVerification with an empty array',
      { format: 'nginx', proxyVerification: { header: 'x-v', value: [] } },
      /"value" must be/,
    ],
    [
      'proxyVerification with a number in the array',
      { format: 'nginx', proxyVerification: { header: 'x-v', value: ['SUCCESS', 0] } },
      /"value" must be/,
    ],
    [
      'proxyVerification with a bad onFailure',
      { format: 'nginx', proxyVerification: { header: 'x-v', value: 'OK', onFailure: 'reject' } },
      /"onFailure" must be one of "ignore", "error"/,
    ],
    [
      'proxyVerification reading the certificate header',
      { format: 'nginx', proxyVerification: { header: 'x-ssl-cert', value: 'OK' } },
      /must differ from the certificate header/,
    ],
    [
      'proxyVerification reading the chain header',
      { format: 'rfc9440', proxyVerification: { header: 'client-cert-chain', value: 'OK' } },
      /must differ from the certificate header/,
    ],
  ])('refuses %s with a TypeError', (_what, options, message) => {
    expect(() => compile(options)).toThrow(TypeError);
    expect(() => compile(options)).toThrow(message);
  });
});
