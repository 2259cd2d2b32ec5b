import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's `samples/` directory. */
export const SAMPLES_DIR = join(__dirname, '..', '..', '..', 'samples');

const PLACEHOLDER = /\{\{([A-Z][A-Z0-9_]*)\}\}/g;

/**
 * Fills the `{{NAME}}` placeholders of a sample config. Strict both ways, so that a sample and
 * its test cannot drift apart silently: a placeholder without a value and a value that the
 * template never uses both throw.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const missing = new Set<string>();
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      missing.add(name);
      return whole;
    }
    used.add(name);
    return value;
  });
  if (missing.size > 0) {
    throw new Error(`template placeholders without a value: ${[...missing].join(', ')}`);
  }
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) {
    throw new Error(`values not used by the template: ${unused.join(', ')}`);
  }
  return text;
}

/** Reads `samples/<proxy>/<file>` and fills its placeholders (see {@link renderTemplate}). */
export function renderSample(
  proxy: string,
  file: string,
  values: Readonly<Record<string, string>>,
): string {
  return renderTemplate(readSample(proxy, file), values);
}

/** The text of `samples/<proxy>/<file>`. */
export function readSample(proxy: string, file: string): string {
  return readFileSync(join(SAMPLES_DIR, proxy, file), 'utf8');
}
