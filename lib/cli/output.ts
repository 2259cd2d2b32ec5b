/**
 * Writing results: stable JSON for scripts, aligned text for people.
 *
 * @packageDocumentation
 */
import type { CliIo } from './input';

/** Writes `value` as indented JSON and a newline. */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Label/value rows with the values aligned, indented by `indent` spaces. */
export function rows(entries: readonly (readonly [string, string])[], indent = 2): string[] {
  const width = Math.max(...entries.map(([label]) => label.length));
  const pad = ' '.repeat(indent);
  return entries.map(([label, value]) => `${pad}${label.padEnd(width)}  ${value}`.trimEnd());
}
