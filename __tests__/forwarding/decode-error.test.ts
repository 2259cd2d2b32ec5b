import { ForwardedCertificateError } from '../../lib/forwarding/decode-error';

describe('ForwardedCertificateError', () => {
  it('carries a machine-readable reason, a message and an optional cause', () => {
    const cause = new Error('inner');
    const error = new ForwardedCertificateError('base64', 'not base64', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ForwardedCertificateError');
    expect(error.reason).toBe('base64');
    expect(error.message).toBe('not base64');
    expect(error.cause).toBe(cause);
  });
});
