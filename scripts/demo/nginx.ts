/**
 * The demo's `--proxy nginx` mode: real nginx in front of each app, configured with
 * `samples/nginx/express-mtls.conf` (the two-server layout) rendered by the e2e harness, exactly
 * as the e2e suite does. One nginx process per app, in a directory of the demo's temp dir.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type ProxyProcess } from '../../__tests__/e2e/harness/proxy-process';
import { launchNginx } from '../../__tests__/e2e/harness/proxies';
import { renderTemplate } from '../../__tests__/e2e/harness/template';
import { freePort, locateBinary } from '../local-services';

/** A started nginx in front of one app. */
export interface DemoNginx {
  readonly process: ProxyProcess;
  /** The main host's port (no client certificate requested). */
  readonly mainPort: number;
  /** The MTLS host's port (`ssl_verify_client optional_no_ca`). */
  readonly mtlsPort: number;
}

/**
 * The repository's root: the nearest directory above `from` with a `package.json` (the demo runs
 * from its compiled copy in `.tmp/demo/`, which has none).
 */
export function repositoryRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The nginx binary, or `undefined` when none is installed. */
export function findNginx(): string | undefined {
  return locateBinary('nginx');
}

/**
 * Starts nginx from the sample in `dir` (created), forwarding to `upstream` (`127.0.0.1:port`),
 * with the server certificate chain and key files given, on two free loopback ports.
 */
export async function startNginx(
  binary: string,
  dir: string,
  upstream: string,
  serverChainFile: string,
  serverKeyFile: string,
): Promise<DemoNginx> {
  await mkdir(dir, { recursive: true });
  const mainPort = await freePort();
  const mtlsPort = await freePort();
  const template = await readFile(
    join(repositoryRoot(), 'samples', 'nginx', 'express-mtls.conf'),
    'utf8',
  );
  const site = renderTemplate(template, {
    APP_UPSTREAM: upstream,
    MAIN_LISTEN: `127.0.0.1:${mainPort}`,
    MTLS_LISTEN: `127.0.0.1:${mtlsPort}`,
    SERVER_NAME: 'localhost',
    MTLS_SERVER_NAME: 'mtls.localhost',
    SERVER_CERT: serverChainFile,
    SERVER_KEY: serverKeyFile,
  });
  const process = await launchNginx(
    binary,
    dir,
    [site],
    [
      { host: '127.0.0.1', port: mainPort },
      { host: '127.0.0.1', port: mtlsPort },
    ],
  );
  return { process, mainPort, mtlsPort };
}

/** The path of a per-app nginx directory inside the demo's temp dir. */
export function nginxDir(tempDir: string, app: string): string {
  return join(tempDir, `nginx-${app}`);
}
