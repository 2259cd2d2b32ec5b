import type { ChainValidator, ChainValidatorOptions } from './index';

/**
 * Creates a {@link ChainValidator}.
 *
 * @param factoryName the public factory name used in `TypeError` messages.
 * @throws {TypeError} on missing or malformed options.
 */
export function createChainValidator(
  options: ChainValidatorOptions,
  factoryName = 'createChainValidator',
): ChainValidator {
  throw new TypeError(`${factoryName}: not implemented yet (${typeof options}).`);
}
