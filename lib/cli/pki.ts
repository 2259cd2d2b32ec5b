/**
 * `express-mtls pki`: writes a throwaway test PKI (root, intermediate, clients, server) to a
 * directory, refusing to overwrite anything without `--force`.
 *
 * @packageDocumentation
 */
import { lstat, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, EXIT } from './cli-error';
import { JSON_OPTION, onePositional, type Command } from './command';
import {
  generatePki,
  isValidClientName,
  isValidHost,
  plannedFiles,
  type PkiFile,
  type PkiKeyType,
} from './generate-pki';
import { choiceValue, integerValue } from './option-values';
import { rows, writeJson } from './output';

const DEFAULT_HOSTS = ['localhost', '127.0.0.1', '::1'];

async function exists(path: string): Promise<'missing' | 'file' | 'directory'> {
  try {
    return (await lstat(path)).isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

function checkNames(clients: readonly string[], hosts: readonly string[]): void {
  for (const name of clients) {
    if (!isValidClientName(name)) {
      throw new CliError(
        `--client "${name}" is not a usable name: use letters, digits, ".", "_", "@" and "-" (64 at most, starting with a letter or digit)`,
      );
    }
  }
  for (const host of hosts) {
    if (!isValidHost(host)) {
      throw new CliError(`--host "${host}" is neither a DNS name nor an IP address`);
    }
  }
  const seen = new Set<string>();
  for (const file of plannedFiles(clients)) {
    if (seen.has(file)) {
      throw new CliError(
        `two certificates would be written to ${file}: choose other --client names (root-ca, intermediate-ca, ca-chain and server are taken)`,
      );
    }
    seen.add(file);
  }
}

async function writeFiles(
  dir: string,
  files: readonly PkiFile[],
  replace: readonly string[],
): Promise<void> {
  let path = dir;
  try {
    await mkdir(dir, { recursive: true });
    for (const file of files) {
      path = join(dir, file.name);
      if (replace.includes(file.name)) await unlink(path);
      await writeFile(path, file.contents, {
        mode: file.kind === 'key' ? 0o600 : 0o644,
        flag: 'wx',
      });
    }
  } catch (error) {
    throw new CliError(`cannot write ${path} (${String((error as NodeJS.ErrnoException).code)})`);
  }
}

/** What `express-mtls pki --json` prints. */
export interface PkiReport {
  /** The output directory, as given. */
  readonly directory: string;
  /** The key type, e.g. `EC P-256`. */
  readonly key: string;
  /** Validity of every certificate (ISO 8601). */
  readonly notBefore: string;
  readonly notAfter: string;
  /** Every file written, in order; `kind: 'key'` files have mode 0600. */
  readonly files: readonly {
    readonly path: string;
    readonly kind: 'certificate' | 'chain' | 'key';
    readonly mode: '0600' | '0644';
  }[];
  /** Every certificate issued, with its x5t#S256 and its files. */
  readonly certificates: readonly {
    readonly name: string;
    readonly role: 'root' | 'intermediate' | 'client' | 'server';
    readonly subject: string;
    readonly thumbprint: string;
    readonly certificate: string;
    readonly key: string;
    /** Leaf and intermediate (leaves only). */
    readonly fullchain: string | null;
  }[];
}

/** The `pki` command. */
export const pkiCommand: Command = {
  name: 'pki',
  summary: 'Generate a test PKI: root and intermediate CAs, client and server certificates.',
  usage:
    'pki <dir> [--client <name> …] [--host <name> …] [--days <n>] [--key-type ec|rsa] [--force] [--json]',
  help: `Writes to <dir> (created if needed) a root CA (pathlen 1) and an intermediate CA
(pathlen 0) — both with critical basicConstraints and keyUsage keyCertSign, cRLSign — and,
issued by the intermediate, one client certificate per --client (EKU clientAuth, the name as
CN and as a DNS or email SAN) and one server certificate for the --host names (EKU
serverAuth, DNS and IP SANs). Every certificate has a subject key identifier, every non-root
one an authority key identifier. Private keys (PKCS#8 PEM) are written with mode 0600. No
openssl needed. For tests and development only.

Files: root-ca.pem/.key, intermediate-ca.pem/.key, ca-chain.pem (intermediate + root),
<client>.pem/.key and <client>-fullchain.pem (leaf + intermediate), server.pem/.key and
server-fullchain.pem. Existing files are never overwritten without --force.

Examples:
  express-mtls pki ./pki
  express-mtls pki ./pki --client alice --client bob --host api.example.test --days 30
  express-mtls verify ./pki/alice.pem --ca ./pki/root-ca.pem --intermediate ./pki/intermediate-ca.pem`,
  options: {
    client: {
      type: 'string',
      multiple: true,
      value: '<name>',
      description: 'A client certificate to issue (default: one named "client").',
    },
    host: {
      type: 'string',
      multiple: true,
      value: '<name>',
      description: `A DNS name or IP address of the server certificate (default: ${DEFAULT_HOSTS.join(', ')}).`,
    },
    days: {
      type: 'string',
      value: '<n>',
      description: 'Validity of every certificate, in days (default 365).',
    },
    'key-type': {
      type: 'string',
      value: '<ec|rsa>',
      description: 'EC P-256 (default) or RSA 2048 keys.',
    },
    force: { type: 'boolean', description: 'Replace existing files.' },
    json: JSON_OPTION,
  },
  async execute(args, io) {
    const dir = onePositional(args, 'output directory');
    const clients = args.strings('client').length > 0 ? args.strings('client') : ['client'];
    const hosts = args.strings('host').length > 0 ? args.strings('host') : DEFAULT_HOSTS;
    const days = integerValue('days', args.string('days'), 365, 1, 36_500);
    const keyType = choiceValue<PkiKeyType>(
      'key-type',
      args.string('key-type'),
      ['ec', 'rsa'],
      'ec',
    );
    const force = args.flag('force');
    checkNames(clients, hosts);

    const state = await exists(dir);
    if (state === 'file') throw new CliError(`${dir} exists and is not a directory`);
    const planned = plannedFiles(clients);
    const existing: string[] = [];
    for (const name of planned) {
      if (state === 'directory' && (await exists(join(dir, name))) !== 'missing') {
        existing.push(name);
      }
    }
    if (existing.length > 0 && !force) {
      throw new CliError(
        `refusing to overwrite ${existing.length} existing file(s) in ${dir}: ${existing.join(', ')}`,
        'Use --force to replace them, or choose another directory.',
      );
    }

    const pki = await generatePki({ clients, hosts, days, keyType, now: new Date() });
    await writeFiles(dir, pki.files, existing);

    const certificates: PkiReport['certificates'] = pki.certificates.map((entry) => ({
      name: entry.name,
      role: entry.role,
      subject: entry.certificate.subject,
      thumbprint: entry.certificate.thumbprint,
      certificate: join(dir, entry.certificateFile),
      key: join(dir, entry.keyFile),
      fullchain: entry.fullchainFile === null ? null : join(dir, entry.fullchainFile),
    }));
    if (args.flag('json')) {
      const report: PkiReport = {
        directory: dir,
        key: pki.keyDescription,
        notBefore: pki.notBefore.toISOString(),
        notAfter: pki.notAfter.toISOString(),
        files: pki.files.map((file) => ({
          path: join(dir, file.name),
          kind: file.kind,
          mode: file.kind === 'key' ? '0600' : '0644',
        })),
        certificates,
      };
      writeJson(io, report);
      return EXIT.ok;
    }
    const client = certificates.find(
      (entry) => entry.role === 'client',
    ) as (typeof certificates)[number];
    const lines = [
      `Wrote a test PKI to ${dir} (${pki.keyDescription}, valid ${pki.notBefore.toISOString()} to ${pki.notAfter.toISOString()}):`,
      ...rows(
        pki.files.map((file): [string, string] => [
          file.name,
          file.kind === 'key'
            ? 'private key (mode 0600)'
            : file.kind === 'chain'
              ? 'chain'
              : 'certificate',
        ]),
      ),
      '',
      'Certificates and their x5t#S256 thumbprints:',
      ...rows(
        certificates.map((entry): [string, string] => [
          entry.name,
          `${entry.thumbprint}  ${entry.subject}`,
        ]),
      ),
      '',
      'Try:',
      `  express-mtls verify ${client.certificate} --ca ${join(dir, 'root-ca.pem')} --intermediate ${join(dir, 'intermediate-ca.pem')}`,
      `  curl --cacert ${join(dir, 'root-ca.pem')} --cert ${client.fullchain as string} --key ${client.key} https://localhost/`,
      'For tests and development only: these keys are unprotected.',
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  },
};
