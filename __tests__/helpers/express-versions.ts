import type { Express } from 'express';
import express5 from 'express';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof express5;

/** Both supported Express majors, for `describe.each`: every adapter is tested on 4 and 5. */
export const EXPRESS_VERSIONS: readonly (readonly [string, () => Express])[] = [
  ['express 5', () => express5()],
  ['express 4', () => express4()],
];
