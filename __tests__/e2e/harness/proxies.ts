import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PKI_DIR } from '../../helpers/fixtures';
import { startProxyProcess, type ProxyProcess } from './proxy-process';

/** A TCP listener of a proxy (for the readiness wait). */
export interface Listener {
  readonly host: string;
  readonly port: number;
}

/** Shared PKI paths the sample templates use. */
export const PKI_PATHS = {
  /** Server leaf + intermediate (SANs localhost, 127.0.0.1, ::1). */
  serverCert: join(PKI_DIR, 'server-fullchain.pem'),
  serverKey: join(PKI_DIR, 'server.key'),
  /** The root CA, as the client-certificate trust anchor of the verifying variants. */
  clientCa: join(PKI_DIR, 'root-ca.pem'),
} as const;

/** A fresh per-suite directory for a proxy's config, pid, logs and temp files. */
export function makeProxyDir(proxy: string): string {
  const dir = mkdtempSync(join(tmpdir(), `express-mtls-e2e-${proxy}-`));
  // Apache's workers run as nobody and must be able to traverse it.
  chmodSync(dir, 0o755);
  return dir;
}

/** Removes a directory made by {@link makeProxyDir}. */
export function removeProxyDir(dir: string | undefined): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

/**
 * nginx in the foreground as one process (`daemon off; master_process off;`, which also works as
 * root), with its pid, error log and temp paths in `dir`. `sites` are rendered http-level
 * samples, included as they would be from `conf.d/`.
 */
export function launchNginx(
  binary: string,
  dir: string,
  sites: readonly string[],
  listeners: readonly Listener[],
): Promise<ProxyProcess> {
  sites.forEach((site, i) => {
    writeFileSync(join(dir, `site-${i}.conf`), site);
  });
  const errorLog = join(dir, 'error.log');
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'master_process off;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${errorLog} notice;`,
      'events { worker_connections 128; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (kind) => `  ${kind}_temp_path ${join(dir, kind)};`,
      ),
      `  include ${join(dir, 'site-*.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  return startProxyProcess({
    name: 'nginx',
    command: binary,
    args: ['-p', dir, '-e', errorLog, '-c', join(dir, 'nginx.conf')],
    dir,
    listeners,
    logFiles: [errorLog],
  });
}

/**
 * HAProxy in the foreground (`-db`), loading each rendered config file in order (`-f a -f b`).
 * Also writes `server.pem`, the certificate + key bundle HAProxy's `crt` wants.
 */
export function launchHaproxy(
  binary: string,
  dir: string,
  configs: readonly string[],
  listeners: readonly Listener[],
): Promise<ProxyProcess> {
  const args = ['-db'];
  configs.forEach((config, i) => {
    const file = join(dir, `haproxy-${i}.cfg`);
    writeFileSync(file, config);
    args.push('-f', file);
  });
  return startProxyProcess({ name: 'HAProxy', command: binary, args, dir, listeners });
}

/** The path of the cert + key bundle for HAProxy's `crt`, written into `dir`. */
export function haproxyCertBundle(dir: string): string {
  const file = join(dir, 'server.pem');
  writeFileSync(
    file,
    readFileSync(PKI_PATHS.serverCert, 'utf8') + readFileSync(PKI_PATHS.serverKey, 'utf8'),
  );
  return file;
}

/**
 * Caddy (`caddy run --config … --adapter caddyfile`), with HOME and the XDG directories in `dir`
 * so that it stores nothing in the real home (the sample turns the admin endpoint and automatic
 * HTTPS off).
 */
export function launchCaddy(
  binary: string,
  dir: string,
  caddyfile: string,
  listeners: readonly Listener[],
): Promise<ProxyProcess> {
  const file = join(dir, 'Caddyfile');
  writeFileSync(file, caddyfile);
  return startProxyProcess({
    name: 'Caddy',
    command: binary,
    args: ['run', '--config', file, '--adapter', 'caddyfile'],
    dir,
    env: {
      HOME: dir,
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'),
    },
    listeners,
  });
}

const APACHE_MODULE_DIRS = [
  '/usr/lib/apache2/modules',
  '/usr/lib64/httpd/modules',
  '/usr/lib/httpd/modules',
  '/usr/libexec/apache2',
];

const APACHE_MODULES = [
  ['mpm_event_module', 'mod_mpm_event.so'],
  ['authz_core_module', 'mod_authz_core.so'],
  ['socache_shmcb_module', 'mod_socache_shmcb.so'],
  ['ssl_module', 'mod_ssl.so'],
  ['headers_module', 'mod_headers.so'],
  ['proxy_module', 'mod_proxy.so'],
  ['proxy_http_module', 'mod_proxy_http.so'],
] as const;

/**
 * Apache httpd in the foreground (`-DFOREGROUND`) with a minimal main config written into `dir`
 * (own `ServerRoot`, `PidFile`, `Mutex`, logs; workers as `nobody`; the modules the samples
 * need), which includes the rendered `sites` as a distribution's `sites-enabled/` would.
 */
export function launchApache(
  binary: string,
  dir: string,
  sites: readonly string[],
  listeners: readonly Listener[],
): Promise<ProxyProcess> {
  const modules = APACHE_MODULE_DIRS.find((d) => existsSync(join(d, 'mod_ssl.so')));
  if (modules === undefined) {
    throw new Error(`Apache's mod_ssl.so was not found in ${APACHE_MODULE_DIRS.join(', ')}`);
  }
  sites.forEach((site, i) => {
    writeFileSync(join(dir, `site-${i}.conf`), site);
  });
  const errorLog = join(dir, 'error.log');
  const group = existsSync('/etc/group') && /^nogroup:/m.test(readFileSync('/etc/group', 'utf8'));
  writeFileSync(
    join(dir, 'httpd.conf'),
    [
      `ServerRoot "${dir}"`,
      'ServerName localhost',
      `PidFile "${join(dir, 'httpd.pid')}"`,
      `DefaultRuntimeDir "${dir}"`,
      `Mutex file:${dir} default`,
      `ErrorLog "${errorLog}"`,
      'LogLevel warn',
      ...APACHE_MODULES.map(([name, file]) => `LoadModule ${name} ${join(modules, file)}`),
      'User nobody',
      `Group ${group ? 'nogroup' : 'nobody'}`,
      'StartServers 1',
      'ServerLimit 1',
      'ThreadsPerChild 16',
      'MinSpareThreads 1',
      'MaxSpareThreads 16',
      'MaxRequestWorkers 16',
      `SSLSessionCache "shmcb:${join(dir, 'ssl_scache')}(512000)"`,
      `Include "${join(dir, 'site-*.conf')}"`,
      '',
    ].join('\n'),
  );
  return startProxyProcess({
    name: 'Apache',
    command: binary,
    args: ['-d', dir, '-f', join(dir, 'httpd.conf'), '-DFOREGROUND'],
    dir,
    listeners,
    logFiles: [errorLog],
  });
}
