/**
 * Stateless DPoP nonces (RFC 9449 §8, §9): HMAC-SHA256 of a time step under a shared secret, so
 * that every instance holding the secrets issues and accepts the same nonces without shared
 * state. The first secret issues; every secret validates, which lets secrets rotate without
 * refusing nonces in flight. Pure code (the clock is a parameter).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-8 | RFC 9449 §8}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-9 | RFC 9449 §9}
 * @packageDocumentation
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { checkOptions, integerOption } from '../internal/options';

/** The options of {@link dpopNonces} (the `dpop.nonce` option of the middleware). */
export interface DpopNonceOptions {
  /**
   * The secrets, `[current, ...previous]`: the first issues nonces, every one validates them.
   * Each is at least 32 bytes (a string counts its UTF-8 bytes). Give this or {@link secret}.
   */
  readonly secrets?: readonly (string | Uint8Array)[] | undefined;
  /** One secret, the same as `secrets: [secret]`. */
  readonly secret?: string | Uint8Array | undefined;
  /** Length of a time step, in seconds. Default 60. */
  readonly stepSeconds?: number | undefined;
  /**
   * How many steps before the current one a nonce stays valid. Default 4: with the default step,
   * a nonce lives 4 to 5 minutes, within the proof window (`maxAge`, 300 s).
   */
  readonly previousSteps?: number | undefined;
}

/** A nonce issuer and validator made by {@link dpopNonces}. */
export interface DpopNonces {
  /** A nonce for the time step of `now` (milliseconds since the epoch, as `Date.now()`). */
  issue(now: number): string;
  /**
   * Whether `nonce` was issued, under any of the secrets, for the step of `now`, one of the
   * `previousSteps` before it, or the next one (an instance whose clock is slightly ahead).
   * Constant time in the nonce's content; anything that is not a string of the nonce length is
   * refused before any hashing.
   */
  check(nonce: unknown, now: number): boolean;
}

/** Length of a nonce: a base64url HMAC-SHA256 (256 bits), without padding. */
export const DPOP_NONCE_LENGTH = 43;

/** Smallest secret, in bytes. */
export const MIN_NONCE_SECRET_BYTES = 32;

const FACTORY = 'dpop.nonce';
const NONCE_SHAPE = /^[A-Za-z0-9_-]+$/;
const CONTEXT = 'express-mtls DPoP nonce v1 step ';

function secretBytes(value: unknown, name: string): Buffer {
  const bytes =
    typeof value === 'string'
      ? Buffer.from(value, 'utf8')
      : value instanceof Uint8Array
        ? Buffer.from(value)
        : undefined;
  if (bytes === undefined || bytes.length < MIN_NONCE_SECRET_BYTES) {
    throw new TypeError(
      `${FACTORY}: "${name}" must be a string or Uint8Array of at least ${MIN_NONCE_SECRET_BYTES} ` +
        'bytes (for example crypto.randomBytes(32).toString("base64url")), shared by every instance.',
    );
  }
  return bytes;
}

function readSecrets(options: Partial<DpopNonceOptions>): Buffer[] {
  const { secret, secrets } = options;
  if ((secret === undefined) === (secrets === undefined)) {
    throw new TypeError(`${FACTORY}: give exactly one of "secret" and "secrets".`);
  }
  if (secret !== undefined) return [secretBytes(secret, 'secret')];
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new TypeError(`${FACTORY}: "secrets" must be a non-empty array, [current, ...previous].`);
  }
  return (secrets as readonly unknown[]).map((value, i) => secretBytes(value, `secrets[${i}]`));
}

/**
 * Validates the nonce options once and returns the issuer/validator.
 *
 * @throws {TypeError} for an unknown option, a missing, short or mistyped secret, or a step
 *   that is not a positive integer.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-9 | RFC 9449 §9}
 */
export function dpopNonces(options: DpopNonceOptions): DpopNonces {
  const checked = checkOptions<DpopNonceOptions>(FACTORY, options, [
    'secrets',
    'secret',
    'stepSeconds',
    'previousSteps',
  ]);
  const keys = readSecrets(checked);
  const stepMs = integerOption(FACTORY, 'stepSeconds', checked.stepSeconds, 60, 1) * 1000;
  const previousSteps = integerOption(FACTORY, 'previousSteps', checked.previousSteps, 4);
  const [issuer] = keys as [Buffer, ...Buffer[]];

  const mac = (key: Buffer, step: number): Buffer =>
    createHmac('sha256', key).update(`${CONTEXT}${step}`).digest();

  let cachedStep = NaN;
  let accepted: readonly Buffer[] = [];
  const acceptedFor = (current: number): readonly Buffer[] => {
    if (current !== cachedStep) {
      const nonces: Buffer[] = [];
      for (const key of keys) {
        for (let step = current + 1; step >= current - previousSteps; step--) {
          nonces.push(Buffer.from(mac(key, step).toString('base64url'), 'latin1'));
        }
      }
      cachedStep = current;
      accepted = nonces;
    }
    return accepted;
  };

  return {
    issue(now: number): string {
      return mac(issuer, Math.floor(now / stepMs)).toString('base64url');
    },
    check(nonce: unknown, now: number): boolean {
      if (typeof nonce !== 'string' || nonce.length !== DPOP_NONCE_LENGTH) return false;
      if (!NONCE_SHAPE.test(nonce)) return false;
      const presented = Buffer.from(nonce, 'latin1');
      let valid = false;
      for (const expected of acceptedFor(Math.floor(now / stepMs))) {
        if (timingSafeEqual(expected, presented)) valid = true;
      }
      return valid;
    },
  };
}
