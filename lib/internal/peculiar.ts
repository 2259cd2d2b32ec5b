import type * as PeculiarX509 from '@peculiar/x509';

let loaded: typeof PeculiarX509 | undefined;

/**
 * Loads `@peculiar/x509` on first use. It needs `reflect-metadata` loaded before it, and it is
 * only needed off the hot path (the `x509` escape hatch), so startup does not pay for it.
 */
export function peculiarX509(): typeof PeculiarX509 {
  if (loaded === undefined) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    require('reflect-metadata');
    loaded = require('@peculiar/x509') as typeof PeculiarX509;
    /* eslint-enable @typescript-eslint/no-require-imports */
  }
  return loaded;
}
