import { decideBinding, type BindingInput } from '../../lib/binding/decide-binding';
import { tokenErrors } from '../../lib/binding/token-errors';
import { InvalidTokenError, type TokenRejectionReason } from '../../lib/errors';
import { X5T_S256 } from '../helpers/fixtures';

const A = X5T_S256['client-a'];
const B = X5T_S256['client-b'];
/** RFC 9449 §6.1 example. */
const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';
const OTHER_JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const ERRORS = tokenErrors({ realm: 'api' });
const BOTH_ERRORS = tokenErrors({
  realm: 'api',
  schemes: ['bearer', 'dpop'],
  dpopAlgorithms: ['ES256'],
});

const MTLS: BindingInput = {
  confirmation: { x5tS256: A },
  scheme: 'bearer',
  certificateThumbprint: A,
  methods: ['mtls'],
  allowUnbound: false,
};
const DPOP: BindingInput = {
  confirmation: { jkt: JKT },
  scheme: 'dpop',
  certificateThumbprint: undefined,
  methods: ['mtls', 'dpop'],
  allowUnbound: false,
  provenJkt: JKT,
};

function refused(input: BindingInput, errors = ERRORS): InvalidTokenError {
  const decision = decideBinding(input, errors);
  if (decision.ok) throw new Error(`expected a refusal, got ${JSON.stringify(decision.value)}`);
  expect(decision.error).toBeInstanceOf(InvalidTokenError);
  expect(decision.error.status).toBe(401);
  expect(decision.error.code).toBe('ERR_MTLS_INVALID_TOKEN');
  return decision.error;
}

describe('decideBinding (RFC 8705 §3, RFC 9449 §7)', () => {
  describe('mTLS', () => {
    it('accepts the matching certificate', () => {
      expect(decideBinding(MTLS, ERRORS)).toEqual({
        ok: true,
        value: { binding: 'mtls', thumbprint: A },
      });
    });

    it('refuses another certificate: binding_mismatch, with both thumbprints in the message', () => {
      const error = refused({ ...MTLS, certificateThumbprint: B });
      expect(error.reason).toBe('binding_mismatch');
      expect(error.message).toBe(
        `invalid access token: binding_mismatch (token bound to ${A}, certificate ${B})`,
      );
      expect(error.headers['WWW-Authenticate']).toBe(
        'Bearer realm="api", error="invalid_token", error_description="the client certificate does not match the access token binding"',
      );
    });

    it('refuses a certificate of another length or a prefix (constant-time compare)', () => {
      expect(refused({ ...MTLS, certificateThumbprint: `${A}=` }).reason).toBe('binding_mismatch');
      expect(refused({ ...MTLS, certificateThumbprint: A.slice(0, 42) }).reason).toBe(
        'binding_mismatch',
      );
    });

    it('refuses without a certificate: certificate_missing', () => {
      const error = refused({ ...MTLS, certificateThumbprint: undefined });
      expect(error.reason).toBe('certificate_missing');
      expect(error.message).toBe(
        'invalid access token: certificate_missing (the token is certificate-bound, no client certificate was presented)',
      );
    });

    it('refuses an mTLS-bound token when mtls is not among the methods', () => {
      expect(refused({ ...MTLS, methods: ['dpop'] }).reason).toBe('binding_mismatch');
    });

    it('refuses an mTLS-bound token sent as DPoP: scheme_mismatch', () => {
      const error = refused({ ...MTLS, scheme: 'dpop', methods: ['mtls', 'dpop'] }, BOTH_ERRORS);
      expect(error.reason).toBe('scheme_mismatch');
      expect(error.body.error_description).toBe(
        'the access token was sent with the wrong authorization scheme',
      );
      expect(error.headers['WWW-Authenticate']).toBe(
        'Bearer realm="api", DPoP realm="api", error="invalid_token", error_description="the access token was sent with the wrong authorization scheme", algs="ES256"',
      );
    });
  });

  describe('unbound tokens', () => {
    it('refuses them by default: unbound', () => {
      const error = refused({ ...MTLS, confirmation: undefined });
      expect(error.reason).toBe('unbound');
      expect(error.message).toBe(
        'invalid access token: unbound (no cnf claim; certificate-bound tokens are required)',
      );
    });

    it('refuses them sent as DPoP too: unbound', () => {
      expect(refused({ ...DPOP, confirmation: undefined }).reason).toBe('unbound');
    });

    it('accepts them with allowUnbound, as binding none, certificate or not', () => {
      for (const certificateThumbprint of [A, undefined]) {
        expect(
          decideBinding(
            { ...MTLS, confirmation: undefined, allowUnbound: true, certificateThumbprint },
            ERRORS,
          ),
        ).toEqual({ ok: true, value: { binding: 'none' } });
      }
    });

    it('refuses one sent as DPoP even with allowUnbound: scheme_mismatch', () => {
      expect(refused({ ...DPOP, confirmation: undefined, allowUnbound: true }).reason).toBe(
        'scheme_mismatch',
      );
    });

    it('refuses bindings that carry neither member (fail closed), even with allowUnbound', () => {
      const error = refused({ ...MTLS, confirmation: {}, allowUnbound: true });
      expect(error.reason).toBe('unbound');
    });
  });

  describe('DPoP', () => {
    it('accepts the proven key', () => {
      expect(decideBinding(DPOP, ERRORS)).toEqual({
        ok: true,
        value: { binding: 'dpop', jkt: JKT },
      });
    });

    it('refuses a jkt-bound token when dpop is not among the methods: binding_mismatch', () => {
      const error = refused({ ...DPOP, methods: ['mtls'] });
      expect(error.reason).toBe('binding_mismatch');
      expect(error.message).toBe(
        'invalid access token: binding_mismatch (the token is dpop-bound; dpop is not accepted)',
      );
    });

    it('refuses a DPoP-bound token sent as Bearer: scheme_mismatch (RFC 9449 §7.2)', () => {
      const error = refused({ ...DPOP, scheme: 'bearer', provenJkt: undefined }, BOTH_ERRORS);
      expect(error.reason).toBe('scheme_mismatch');
      expect(error.message).toBe(
        'invalid access token: scheme_mismatch (a DPoP-bound token sent as Bearer)',
      );
      expect(error.headers['WWW-Authenticate']).toBe(
        'Bearer realm="api", error="invalid_token", error_description="the access token was sent with the wrong authorization scheme", DPoP realm="api", algs="ES256"',
      );
    });

    it.each([
      ['no proof was verified', undefined],
      ['the proof key is another', OTHER_JKT],
      ['the proven jkt is a prefix', JKT.slice(0, 42)],
    ])('refuses when %s: binding_mismatch', (_name, provenJkt) => {
      expect(refused({ ...DPOP, provenJkt }).reason).toBe('binding_mismatch');
    });
  });

  describe('a token bound both ways', () => {
    const BOTH: BindingInput = {
      ...DPOP,
      confirmation: { x5tS256: A, jkt: JKT },
      certificateThumbprint: A,
    };

    it('is accepted when both bindings hold, with thumbprint and jkt', () => {
      expect(decideBinding(BOTH, ERRORS)).toEqual({
        ok: true,
        value: { binding: 'dpop', jkt: JKT, thumbprint: A },
      });
    });

    it.each<[string, Partial<BindingInput>, TokenRejectionReason]>([
      ['another certificate', { certificateThumbprint: B }, 'binding_mismatch'],
      ['no certificate', { certificateThumbprint: undefined }, 'certificate_missing'],
      ['another DPoP key', { provenJkt: OTHER_JKT }, 'binding_mismatch'],
      ['sent as Bearer', { scheme: 'bearer' }, 'scheme_mismatch'],
      ['mtls not accepted', { methods: ['dpop'] }, 'binding_mismatch'],
      ['dpop not accepted', { methods: ['mtls'] }, 'binding_mismatch'],
    ])('is refused with %s', (_name, change, reason) => {
      expect(refused({ ...BOTH, ...change }).reason).toBe(reason);
    });
  });
});
