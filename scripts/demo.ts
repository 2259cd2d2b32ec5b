/**
 * `npm run demo`: the end-to-end demo of certificate-bound access tokens (RFC 8705).
 *
 * Compiled by the `predemo` script (`tsc -p scripts/tsconfig.demo.json`, into `.tmp/demo/`) and
 * run with Node: no build step and no network needed after `npm install`. Needs the `openssl`
 * command (and nginx for `--proxy nginx`).
 *
 * ```sh
 * npm run demo                      # the sample Node TLS front, certificates forwarded as RFC 9440
 * npm run demo -- --format xfcc     # another forwarding format
 * npm run demo -- --proxy nginx     # real nginx with samples/nginx/express-mtls.conf
 * npm run demo -- --keep            # keep the servers running afterwards (Ctrl-C stops them)
 * ```
 *
 * Exit status: 0 when every step behaved as expected, 1 when a step did not, 2 when the demo could
 * not be set up (or bad arguments, or an error nobody caught), 130 when interrupted (SIGINT,
 * SIGTERM, SIGHUP) before the end, 141 (128 + SIGPIPE) when the reader of the transcript went away
 * (`npm run demo | head -3`: the demo stops at once). In every case the servers are stopped and
 * the temp dir with the private keys is removed before the process exits.
 *
 * @packageDocumentation
 */
import { parseArgs } from 'node:util';
import type { BuiltInFormat } from '../lib';
import { runDemo, type DemoOptions } from './demo/run-demo';
import { supervise } from './demo/supervise';
import { shouldUseColor } from './demo/transcript';

const FORMATS: readonly string[] = [
  'nginx',
  'pem',
  'der-base64',
  'rfc9440',
  'xfcc',
  'aws-alb',
  'traefik',
];

const USAGE = `Usage: npm run demo -- [--proxy node|nginx] [--format <format>] [--keep]

  --proxy   node (default): the sample Node TLS front (samples/tls-front/)
            nginx: real nginx with samples/nginx/express-mtls.conf
  --format  how the Node front forwards the certificate: ${FORMATS.join(', ')}
            (default rfc9440; nginx always forwards $ssl_client_escaped_cert, format nginx)
  --keep    keep everything running after the steps, until Ctrl-C
`;

/** Parses the command line into demo options, a usage error, or a request for help. */
export function parseDemoArgs(
  argv: readonly string[],
): { options: Omit<DemoOptions, 'out'> } | { error: string } | { help: true } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        proxy: { type: 'string' },
        format: { type: 'string' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (values.help === true) return { help: true };
  const proxy = values.proxy ?? 'node';
  if (proxy !== 'node' && proxy !== 'nginx') {
    return { error: `--proxy must be node or nginx, not ${JSON.stringify(proxy)}` };
  }
  if (values.format !== undefined && !FORMATS.includes(values.format)) {
    return { error: `--format must be one of ${FORMATS.join(', ')}` };
  }
  if (values.format !== undefined && values.format !== 'nginx' && proxy === 'nginx') {
    return { error: 'nginx forwards the certificate in the nginx format only; drop --format' };
  }
  return {
    options: {
      proxy,
      format: values.format as BuiltInFormat | undefined,
      keep: values.keep === true,
    },
  };
}

async function main(): Promise<void> {
  const parsed = parseDemoArgs(process.argv.slice(2));
  if ('help' in parsed) {
    process.stdout.write(USAGE);
    return;
  }
  if ('error' in parsed) {
    process.stderr.write(`${parsed.error}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const supervision = supervise(process, process.stdout, (text) => process.stderr.write(text));
  const result = await runDemo({
    ...parsed.options,
    out: supervision.out,
    color: shouldUseColor(process.stdout, process.env),
    signal: supervision.signal,
  });
  supervision.dispose();
  process.exitCode = supervision.exitCode(result.exitCode);
}

if (require.main === module) {
  void main();
}
