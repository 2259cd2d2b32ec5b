import {
  resolveTokenVerifier,
  TOKEN_VERIFIER_OPTIONS,
} from '../../lib/binding/token-verifier-options';
import { AUDIENCE, ISSUER, publicPem } from './helpers/keys';

const OTHER = 'requireSenderConstrainedToken()';

describe('resolveTokenVerifier (shared by the token middlewares)', () => {
  it('names the calling middleware in every message', () => {
    expect(() => resolveTokenVerifier(OTHER, {})).toThrow(
      new TypeError(
        `${OTHER}: a key source is required: "jwksUri", "publicKey", "secret" or "introspection".`,
      ),
    );
    expect(() =>
      resolveTokenVerifier(OTHER, { publicKey: publicPem('rsa'), audience: AUDIENCE }),
    ).toThrow(/^requireSenderConstrainedToken\(\): "issuer" is required/);
    expect(() =>
      resolveTokenVerifier(OTHER, { introspection: { endpoint: 'https://as.example/i' } as never }),
    ).toThrow(`${OTHER}: "introspection.clientId" is required.`);
  });

  it('builds a JWT or an introspection verifier', () => {
    const jwt = resolveTokenVerifier(OTHER, {
      issuer: ISSUER,
      audience: AUDIENCE,
      publicKey: publicPem('rsa'),
    });
    expect(jwt.mode).toBe('jwt');
    expect(typeof jwt.verifier.verify).toBe('function');
    expect(
      resolveTokenVerifier(OTHER, {
        introspection: { endpoint: 'https://as.example/i', clientId: 'rs' },
      }).mode,
    ).toBe('introspection');
  });

  it('lists the verification options only (no binding or location option)', () => {
    expect(TOKEN_VERIFIER_OPTIONS).toContain('jwksUri');
    expect(TOKEN_VERIFIER_OPTIONS).not.toContain('allowUnboundTokens');
    expect(TOKEN_VERIFIER_OPTIONS).not.toContain('realm');
  });
});
