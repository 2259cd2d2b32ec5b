import {
  CODEC_OPTIONS,
  DETECTION_ORDER,
  FORMAT_HINTS,
  FORMAT_NAMES,
  FORMATS,
} from '../../../lib/forwarding/formats';

describe('the format registry', () => {
  it('lists every built-in format with its conventional header (DESIGN.md table)', () => {
    expect(FORMAT_NAMES).toEqual([
      'nginx',
      'pem',
      'der-base64',
      'rfc9440',
      'xfcc',
      'aws-alb',
      'traefik',
    ]);
    expect(Object.fromEntries(FORMAT_NAMES.map((name) => [name, FORMATS[name].header]))).toEqual({
      nginx: 'x-ssl-cert',
      pem: 'x-ssl-cert',
      'der-base64': 'x-client-cert',
      rfc9440: 'client-cert',
      xfcc: 'x-forwarded-client-cert',
      'aws-alb': 'x-amzn-mtls-clientcert',
      traefik: 'x-forwarded-tls-client-cert',
    });
  });

  it('is frozen', () => {
    expect(Object.isFrozen(FORMATS)).toBe(true);
  });

  it('names each codec by its key, and says where its chain travels', () => {
    for (const name of FORMAT_NAMES) expect(FORMATS[name].name).toBe(name);
    expect(Object.fromEntries(FORMAT_NAMES.map((name) => [name, FORMATS[name].chain]))).toEqual({
      nginx: 'same-encoding',
      pem: 'same-encoding',
      'der-base64': 'same-encoding',
      rfc9440: 'list',
      xfcc: 'in-value',
      'aws-alb': 'same-encoding',
      traefik: 'in-value',
    });
    for (const name of FORMAT_NAMES) {
      expect(FORMATS[name].decodeChain === undefined).toBe(FORMATS[name].chain === 'in-value');
    }
  });

  it('asks the codecs in detection order: the more specific shapes first', () => {
    expect(DETECTION_ORDER.map((codec) => codec.name)).toEqual([
      'pem',
      'xfcc',
      'aws-alb',
      'nginx',
      'rfc9440',
      'traefik',
      'der-base64',
    ]);
    expect(Object.isFrozen(DETECTION_ORDER)).toBe(true);
  });

  it('gathers the proxy-name hints of every codec', () => {
    expect(Object.fromEntries(FORMAT_HINTS)).toEqual({
      apache: 'pem',
      httpd: 'pem',
      haproxy: 'der-base64',
      caddy: 'der-base64',
      azure: 'der-base64',
      'azure-app-service': 'der-base64',
      cloudflare: 'der-base64',
      f5: 'der-base64',
      base64: 'der-base64',
      der: 'der-base64',
      envoy: 'xfcc',
      istio: 'xfcc',
      'x-forwarded-client-cert': 'xfcc',
      alb: 'aws-alb',
      aws: 'aws-alb',
      'client-cert': 'rfc9440',
      'ingress-nginx': 'nginx',
      kong: 'nginx',
    });
  });

  it('knows which codec owns each format-specific option', () => {
    expect([...CODEC_OPTIONS].map(([name, codec]) => [name, codec.name])).toEqual([
      ['xfccHops', 'xfcc'],
    ]);
  });
});
