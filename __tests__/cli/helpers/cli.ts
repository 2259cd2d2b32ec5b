import { Readable } from 'node:stream';
import { join } from 'node:path';
import type { InspectReport } from '../../../lib/cli/inspect';
import type { PkiReport } from '../../../lib/cli/pki';
import { run } from '../../../lib/cli/run';
import type { ThumbprintReport } from '../../../lib/cli/thumbprint';
import type { VerifyReport } from '../../../lib/cli/verify';

/** What one in-process run of the tool printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `express-mtls <argv>` in process, with `stdin` as standard input. */
export async function cli(
  argv: readonly string[],
  stdin: readonly (string | Buffer)[] = [],
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from(stdin),
  });
  return { code, stdout, stderr };
}

interface Reports {
  thumbprint: ThumbprintReport;
  inspect: InspectReport;
  verify: VerifyReport;
  pki: PkiReport;
}

/** Runs a command with `--json` and parses what it printed. */
export async function cliJson<K extends keyof Reports>(
  argv: readonly [K, ...string[]],
  stdin: readonly (string | Buffer)[] = [],
): Promise<{ code: number; json: Reports[K]; stderr: string }> {
  const result = await cli([...argv, '--json'], stdin);
  return {
    code: result.code,
    json: JSON.parse(result.stdout) as Reports[K],
    stderr: result.stderr,
  };
}

/** The shared PKI directory and the chain fixtures directory. */
export const PKI = join(__dirname, '..', '..', 'fixtures', 'pki');
export const CHAINS = join(__dirname, '..', '..', 'fixtures', 'chains');
export const REVOCATION = join(CHAINS, 'revocation');

/** A file of the shared PKI. */
export const pkiFile = (name: string): string => join(PKI, name);
/** A file of the chain fixtures. */
export const chainFile = (name: string): string => join(CHAINS, name);
