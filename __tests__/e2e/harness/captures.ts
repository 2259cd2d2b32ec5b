import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientIdentity } from './curl';

/** Header values by client (`null`: the header was absent). */
export type CapturedValues = Readonly<Partial<Record<ClientIdentity | 'none', string | null>>>;

interface CaptureFile {
  readonly captures: readonly {
    readonly sample: string;
    readonly header: string;
    readonly wire?: boolean;
    readonly values: CapturedValues;
  }[];
}

const DIR = join(__dirname, '..', '..', 'fixtures', 'proxy-captures');

/**
 * The values a real proxy sent in `header` with `sample` (from
 * `__tests__/fixtures/proxy-captures/<proxy>.json`): the pinned known answers of the e2e suites.
 */
export function captured(
  proxy: 'nginx' | 'haproxy' | 'caddy' | 'apache',
  sample: string,
  header: string,
): CapturedValues {
  const file = JSON.parse(readFileSync(join(DIR, `${proxy}.json`), 'utf8')) as CaptureFile;
  const entry = file.captures.find(
    (c) => c.sample === sample && c.header === header && c.wire !== true,
  );
  if (entry === undefined) throw new Error(`no ${proxy} capture of ${header} with ${sample}`);
  return entry.values;
}
