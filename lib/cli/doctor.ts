/**
 * `express-mtls doctor`: reads a captured request (raw HTTP, `curl -v` output or a proxy's debug
 * log), names the proxy and format that wrote the certificate header, says whether given
 * `clientCertificate()` options would read it, what the certificate is, and what to change.
 *
 * @packageDocumentation
 */
import { compileTrustProxy, normalizePeerAddress } from '../cli-internal';
import type { BuiltInFormat } from '../index';
import { leafWithChain, parseCertificates } from './certificates';
import { CliError, EXIT } from './cli-error';
import { JSON_OPTION, onePositional, type Command } from './command';
import { FORMAT_LABELS } from './decode-input';
import { fingerprints, validityAt } from './describe-certificate';
import {
  checkOptions,
  findCertificateHeaders,
  parseCapture,
  type DoctorFinding,
} from './doctor-analysis';
import { MAX_CERTIFICATE_INPUT, readInput } from './input';
import { formatOption } from './option-values';
import { rows, writeJson } from './output';

/** What `express-mtls doctor --json` prints. */
export interface DoctorReport {
  /** The certificate header found, or `null` when the capture holds none. */
  readonly header: string | null;
  readonly format: BuiltInFormat | null;
  /** The proxy or platform that writes this header in this format, when known. */
  readonly proxy: string | null;
  readonly certificate: {
    readonly subject: string;
    readonly issuer: string;
    readonly thumbprint: string;
    readonly notBefore: string;
    readonly notAfter: string;
    readonly validity: string;
    readonly chainLength: number;
  } | null;
  readonly findings: readonly DoctorFinding[];
}

function peerTrusted(
  trustProxy: string | undefined,
  peer: string | undefined,
): boolean | undefined {
  if (trustProxy === undefined) return undefined;
  let trust;
  try {
    trust = compileTrustProxy(
      'express-mtls doctor --trust-proxy',
      trustProxy.split(',').map((part) => part.trim()),
    );
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  return peer === undefined ? undefined : trust(normalizePeerAddress(peer), 0);
}

/** The `doctor` command. */
export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Read a captured request: which proxy and format sent the certificate, and what to fix.',
  usage:
    'doctor <capture|-> [--format <name>] [--header <name>] [--trust-proxy <list>] [--peer <addr>] [--json]',
  help: `Reads a captured request — raw HTTP, "curl -v" output (lines starting with "> "), or the
"Name: value" lines of a proxy's debug log — and finds the header that holds a client certificate.
It names the proxy and format that wrote it, shows the certificate (subject, issuer, x5t#S256,
validity), and checks the options your app gives clientCertificate(): --format, --header, and
--trust-proxy with --peer (the address the proxy connects from). Each mismatch comes with its fix.
Exit code 1 when the options would not read the certificate.

Examples:
  curl -v --cert client.pem --key client.key https://api.example/ 2>&1 | express-mtls doctor -
  express-mtls doctor request.txt --format nginx --trust-proxy loopback --peer 127.0.0.1`,
  options: {
    format: {
      type: 'string',
      value: '<name>',
      description: "The app's clientCertificate() format.",
    },
    header: { type: 'string', value: '<name>', description: "The app's header option." },
    'trust-proxy': {
      type: 'string',
      value: '<list>',
      description: "The app's trustProxy: comma-separated addresses, CIDRs or names (loopback, …).",
    },
    peer: {
      type: 'string',
      value: '<addr>',
      description: 'The address the proxy connects to the app from.',
    },
    json: JSON_OPTION,
  },
  async execute(args, io) {
    const arg = onePositional(args, 'capture (a file, or - for standard input)');
    const formatArg = formatOption(args.string('format'));
    if (formatArg === 'der') throw new CliError('--format der is not a header format');
    const trustProxy = args.string('trust-proxy');
    const trusted = peerTrusted(trustProxy, args.string('peer'));
    const input = await readInput(io, arg, {
      allowValue: false,
      maxBytes: MAX_CERTIFICATE_INPUT,
      what: 'capture',
    });
    const found = findCertificateHeaders(parseCapture(input.bytes.toString('utf8')));
    const first = found[0];
    let report: DoctorReport;
    if (first === undefined) {
      report = {
        header: null,
        format: null,
        proxy: null,
        certificate: null,
        findings: [
          {
            ok: false,
            message: 'no header of the capture holds a client certificate',
            fix: 'check that the proxy asks for a client certificate and sets the header (see docs/proxies/)',
          },
        ],
      };
    } else {
      const leaf = leafWithChain(parseCertificates(first.decoded.ders, first.header));
      const now = new Date();
      report = {
        header: first.header,
        format: first.format,
        proxy: first.proxy ?? null,
        certificate: {
          subject: leaf.subject,
          issuer: leaf.issuer,
          thumbprint: fingerprints(leaf).thumbprint,
          notBefore: leaf.notBefore.toISOString(),
          notAfter: leaf.notAfter.toISOString(),
          validity: validityAt(leaf, now),
          chainLength: leaf.chain.length,
        },
        findings: checkOptions(first, {
          format: formatArg,
          header: args.string('header')?.toLowerCase(),
          peerTrusted: trusted,
          trustProxyGiven: trustProxy !== undefined,
        }),
      };
    }
    const failed = report.findings.some((finding) => !finding.ok);
    if (args.flag('json')) {
      writeJson(io, report);
    } else {
      const lines: string[] = [];
      if (report.certificate !== null) {
        lines.push(
          `certificate header: ${report.header as string}, format ${report.format as string} (${FORMAT_LABELS[report.format as BuiltInFormat]})`,
          `written by: ${report.proxy ?? 'an unknown proxy (not a conventional header name)'}`,
          ...rows([
            ['Subject', report.certificate.subject],
            ['Issuer', report.certificate.issuer],
            ['x5t#S256', report.certificate.thumbprint],
            [
              'Validity',
              `${report.certificate.notBefore} to ${report.certificate.notAfter} (${report.certificate.validity})`,
            ],
            ['Chain', `${report.certificate.chainLength} certificate(s) after the leaf`],
          ]),
          'clientCertificate():',
        );
      }
      for (const finding of report.findings) {
        lines.push(`  ${finding.ok ? 'ok' : 'PROBLEM'}: ${finding.message}`);
        if (finding.fix !== undefined) lines.push(`    fix: ${finding.fix}`);
      }
      if (report.certificate !== null && !failed) {
        lines.push(
          'requireClientCertificate(): validates this certificate against your trustAnchors or thumbprints',
          `requireCertificateBoundToken(): accepts tokens whose cnf["x5t#S256"] is ${report.certificate.thumbprint}`,
        );
      }
      io.stdout.write(`${lines.join('\n')}\n`);
    }
    return failed ? EXIT.failed : EXIT.ok;
  },
};
