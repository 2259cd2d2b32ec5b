import { clientCertificateNotMounted } from '../../lib/auth/mounted-check';
import { MisconfiguredError } from '../../lib/errors';
import { markCertificateProcessed } from '../../lib/internal/request-state';

describe('clientCertificateNotMounted (the one mounted-check)', () => {
  it('is undefined once clientCertificate() processed the request', () => {
    const req = {};
    markCertificateProcessed(req);
    expect(clientCertificateNotMounted(req, 'requireClientCertificate')).toBeUndefined();
  });

  it.each([
    'requireClientCertificate',
    'mtlsClientAuthentication',
    'requireCertificateBoundToken',
  ] as const)('names %s, the fix and the docs entry, as a 500', (middleware) => {
    const error = clientCertificateNotMounted({}, middleware);
    expect(error).toBeInstanceOf(MisconfiguredError);
    expect(error).toMatchObject({ code: 'ERR_MTLS_MISCONFIGURED', status: 500, expose: false });
    expect(error?.message).toBe(
      `${middleware}(): clientCertificate() did not run for this request, so a missing ` +
        `certificate cannot be told from a missing middleware. Mount clientCertificate() before ` +
        `${middleware}() (mount app.use(clientCertificate({ format, trustProxy })) ahead of it). ` +
        `See docs/errors.md#err_mtls_misconfigured.`,
    );
    expect(error?.body).toEqual({
      error: 'server_error',
      error_description: 'server misconfiguration',
    });
  });
});
