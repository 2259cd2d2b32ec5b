import { FORMAT_NAMES, FORMATS } from '../../../lib/forwarding/formats';

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
});
