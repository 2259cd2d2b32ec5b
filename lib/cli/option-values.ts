/**
 * Parsing and checking option values shared by the commands: formats, dates and integers. Each
 * bad value is a {@link CliError} naming the option and what it accepts.
 *
 * @packageDocumentation
 */
import { didYouMean } from '../cli-internal';
import { CliError } from './cli-error';
import { INPUT_FORMATS, type InputFormat } from './decode-input';

/** A `--format` value, or `undefined` when not given. */
export function formatOption(value: string | undefined): InputFormat | undefined {
  if (value === undefined) return undefined;
  if (!(INPUT_FORMATS as readonly string[]).includes(value)) {
    throw new CliError(
      `unknown --format "${value}".${didYouMean(value, INPUT_FORMATS)}`,
      `Formats: ${INPUT_FORMATS.join(', ')}.`,
    );
  }
  return value as InputFormat;
}

const DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function isCalendarDay(day: string): boolean {
  const noon = new Date(`${day}T12:00:00Z`);
  return !Number.isNaN(noon.getTime()) && noon.toISOString().startsWith(day);
}

/**
 * An `--at` value: an ISO 8601 date (`2030-01-31`, midnight UTC) or date-time with a zone
 * (`2030-01-31T12:00:00Z`, `…+02:00`), or `fallback` when not given.
 */
export function dateOption(name: string, value: string | undefined, fallback: Date): Date {
  if (value === undefined) return fallback;
  const time = DATE.test(value) && isCalendarDay(value.slice(0, 10)) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) {
    throw new CliError(
      `--${name} "${value}" is not an ISO 8601 date`,
      'Use 2030-01-31 (midnight UTC) or 2030-01-31T12:00:00Z.',
    );
  }
  return new Date(time);
}

/** A decimal integer option within `[min, max]`, or `fallback` when not given. */
export function integerValue(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const number = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new CliError(`--${name} must be an integer from ${min} to ${max}, not "${value}"`);
  }
  return number;
}

/** A value from a fixed list, or `fallback` when not given. */
export function choiceValue<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new CliError(`--${name} must be one of ${allowed.join(', ')}, not "${value}"`);
  }
  return value as T;
}
