import { locateBinary } from '../../../scripts/local-services';

/** The Debian packages that provide every proxy binary the e2e suites drive. */
export const INSTALL_HINT = 'apt-get install -y nginx haproxy caddy apache2';

/**
 * Decides whether a proxy's e2e tests can run, at test-file load time.
 *
 * - Installed (the first of `commands` found): returns the binary's path.
 * - Missing and `EXPRESS_MTLS_REQUIRE_PROXIES=1` (set by `.ci/run`): throws, so the suite fails
 *   with a message saying what to install.
 * - Missing otherwise: prints a loud warning and returns `undefined`; the caller then registers
 *   no live tests for that proxy (never `it.skip`).
 */
export function requireProxyBinary(
  proxy: string,
  commands: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  for (const command of commands) {
    const path = locateBinary(command, env.PATH);
    if (path !== undefined) return path;
  }
  const message =
    `express-mtls e2e: no ${proxy} binary (${commands.join(' or ')}) is installed, so the ${proxy} ` +
    `end-to-end tests cannot run. Install the real proxies with: ${INSTALL_HINT}`;
  if (env.EXPRESS_MTLS_REQUIRE_PROXIES === '1') {
    throw new Error(`${message} (EXPRESS_MTLS_REQUIRE_PROXIES=1 forbids skipping them).`);
  }
  console.warn(`\n!!!!!!!!\n${message}\nNo ${proxy} e2e tests were registered.\n!!!!!!!!\n`);
  return undefined;
}
