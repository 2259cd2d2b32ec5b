/**
 * `DEBUG=express-mtls:*` output: one subscriber to the diagnostics channels that prints every
 * decision with its reason, one sanitised line each, to stderr. The namespaces are the channel
 * names (`express-mtls:certificate:ignored`, `express-mtls:token`, …) and `DEBUG` follows the
 * `debug` package's syntax, which Express itself uses: comma- or space-separated patterns, `*`
 * as a wildcard, a leading `-` to exclude. Nothing is subscribed, and nothing costs anything,
 * when `DEBUG` names none of them.
 *
 * @packageDocumentation
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS } from './diagnostics';
import { escapeUntrusted } from './internal/sanitize';

/** The longest value printed, in characters (longer ones are clipped with `...`). */
const MAX_VALUE = 120;

function pattern(glob: string): RegExp {
  const source = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*?');
  return new RegExp(`^${source}$`);
}

/**
 * Which namespaces a `DEBUG` value enables, as `debug` reads it: patterns separated by commas
 * or whitespace, `*` matching anything, `-pattern` excluding (exclusions win).
 */
export function debugMatcher(spec: string | undefined): (namespace: string) => boolean {
  const include: RegExp[] = [];
  const exclude: RegExp[] = [];
  for (const part of (spec ?? '').split(/[\s,]+/)) {
    if (part === '' || part === '-') continue;
    if (part.startsWith('-')) exclude.push(pattern(part.slice(1)));
    else include.push(pattern(part));
  }
  return (namespace) =>
    include.some((re) => re.test(namespace)) && !exclude.some((re) => re.test(namespace));
}

function plain(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function formatValue(value: unknown): string {
  const text =
    value instanceof Date
      ? value.toISOString()
      : Array.isArray(value)
        ? value.map(plain).join(',')
        : plain(value);
  const safe = escapeUntrusted(text, MAX_VALUE);
  return safe === '' || /[\s="]/.test(safe) ? `"${safe}"` : safe;
}

function fields(prefix: string, message: object, out: string[], depth: number): void {
  for (const [key, value] of Object.entries(message)) {
    if (value === undefined) continue;
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (
      depth < 2 &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      !(value instanceof Date)
    ) {
      fields(name, value as object, out, depth + 1);
    } else {
      out.push(`${name}=${formatValue(value)}`);
    }
  }
}

/**
 * One debug line: the channel name, then `key=value` pairs (nested objects as `a.b=value`),
 * every value escaped and clipped, quoted when it holds spaces, `=` or quotes.
 */
export function formatDebugLine(namespace: string, message: unknown): string {
  const out: string[] = [];
  if (typeof message === 'object' && message !== null) fields('', message, out, 0);
  else out.push(`value=${formatValue(message)}`);
  return `${namespace} ${out.join(' ')}`.trimEnd();
}

let started = false;
const subscriptions: [string, (message: unknown) => void][] = [];

/**
 * Starts the debug output once per process, for the channels that `DEBUG` enables (read on the
 * first call). Every factory calls it; without a matching `DEBUG` it subscribes to nothing.
 *
 * @param spec the `DEBUG` value. Default: `process.env.DEBUG`.
 * @param write where lines go. Default: standard error.
 * @returns the channels now printed (empty when `DEBUG` names none, or when already started).
 */
export function startDebugOutput(
  spec: string | undefined = process.env.DEBUG,
  write: (line: string) => void = (line) => void process.stderr.write(line),
): string[] {
  if (started) return [];
  started = true;
  const enabled = debugMatcher(spec);
  const names = Object.values(DIAGNOSTICS_CHANNELS).filter(enabled);
  for (const name of names) {
    const listener = (message: unknown): void => {
      write(`${formatDebugLine(name, message)}\n`);
    };
    subscribe(name, listener);
    subscriptions.push([name, listener]);
  }
  return names;
}

/**
 * Stops the debug output and forgets that it was started (tests: diagnostics channels are
 * process-wide, so a subscription would outlive the test that made it).
 */
export function stopDebugOutput(): void {
  for (const [name, listener] of subscriptions.splice(0)) unsubscribe(name, listener);
  started = false;
}
