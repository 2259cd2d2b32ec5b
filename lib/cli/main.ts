#!/usr/bin/env node
/**
 * The `express-mtls` binary: wires the real process to {@link run}. Sets `process.exitCode`
 * (never calls `process.exit`, so that output is flushed).
 *
 * @packageDocumentation
 */
import { run } from './run';

/** Settles when the command has finished and `process.exitCode` is set. */
export const finished: Promise<void> = run(process.argv.slice(2), process).then((code) => {
  process.exitCode = code;
});
