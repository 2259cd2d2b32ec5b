/**
 * `express-mtls inspect`: what a certificate file or a proxy's header value holds, decoded the
 * way `clientCertificate()` decodes it.
 *
 * @packageDocumentation
 */
import { leafWithChain, parseCertificates } from './certificates';
import { EXIT } from './cli-error';
import {
  INPUT_OPTIONS,
  inputName,
  JSON_OPTION,
  readCertificateInput,
  type Command,
} from './command';
import { FORMAT_LABELS, type InputFormat } from './decode-input';
import {
  describeCertificate,
  type CertificateDescription,
  type DescribedExtension,
} from './describe-certificate';
import { dateOption } from './option-values';
import { rows, writeJson } from './output';

function extension<T>(described: DescribedExtension<T> | null, text: (value: T) => string): string {
  if (described === null) return 'none';
  return `${text(described.value)}${described.critical ? ' (critical)' : ''}`;
}

const VALIDITY_TEXT: Readonly<Record<CertificateDescription['validity'], string>> = {
  valid: 'valid',
  expired: 'EXPIRED',
  not_yet_valid: 'NOT YET VALID',
};

function describeText(d: CertificateDescription, at: Date): string[] {
  const sans = [
    ...d.subjectAltNames.dns.map((name) => `DNS:${name}`),
    ...d.subjectAltNames.uri.map((name) => `URI:${name}`),
    ...d.subjectAltNames.email.map((name) => `email:${name}`),
    ...d.subjectAltNames.ip.map((name) => `IP:${name}`),
  ];
  return rows([
    ['Subject', d.subject],
    ['Issuer', d.issuer],
    ['Serial', d.serialNumber],
    ['Not before', d.notBefore],
    ['Not after', d.notAfter],
    ['Validity', `${VALIDITY_TEXT[d.validity]} at ${at.toISOString()}`],
    ['Public key', d.publicKey],
    ['Signature', d.signatureAlgorithm],
    ['Self-signed', d.selfSigned ? 'yes' : 'no'],
    [
      'Basic constraints',
      extension(d.basicConstraints, ({ ca, pathLength }) =>
        ca ? `CA:TRUE${pathLength === null ? '' : `, pathlen:${pathLength}`}` : 'CA:FALSE',
      ),
    ],
    ['Key usage', extension(d.keyUsage, (usages) => usages.join(', '))],
    ['Extended key usage', extension(d.extendedKeyUsage, (usages) => usages.join(', '))],
    ['Alternative names', sans.length === 0 ? 'none' : sans.join(', ')],
    ['Subject key id', d.subjectKeyIdentifier ?? 'none'],
    ['Authority key id', d.authorityKeyIdentifier ?? 'none'],
    ['x5t#S256', d.thumbprint],
    ['SHA-256 (hex)', `${d.sha256Hex}  (NOT an x5t#S256)`],
    ['SHA-1 (hex)', `${d.sha1Hex}  (NOT an x5t#S256)`],
    ...d.warnings.map((warning): [string, string] => ['Warning', warning]),
  ]);
}

/** What `express-mtls inspect --json` prints. */
export interface InspectReport {
  /** The format the input was read in. */
  readonly format: InputFormat;
  /** `true` when detected, `false` when given with `--format`. */
  readonly detected: boolean;
  /** The header name, when the input was a `Name: value` line. */
  readonly header: string | null;
  /** A remark about the input (text ignored around PEM blocks), or `null`. */
  readonly note: string | null;
  /** The time validity was judged at (ISO 8601). */
  readonly at: string;
  /** The leaf (`role: 'leaf'`), then each certificate presented after it (`'chain'`). */
  readonly certificates: readonly (CertificateDescription & { readonly role: 'leaf' | 'chain' })[];
}

/** The `inspect` command. */
export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Decode a certificate file or proxy header value and show what it holds.',
  usage: 'inspect <file|header-value|-> [--format <name>] [--at <date>] [--json]',
  help: `Detects the encoding — PEM (raw or space-folded), DER, URL-escaped PEM (nginx, Envoy
Cert, AWS ALB), base64 DER (HAProxy, Caddy), an RFC 9440 Byte Sequence, an Envoy XFCC element,
a Traefik list — and decodes it with the same decoders as clientCertificate(). A "Name: value"
header line is accepted too. Prints, for the leaf and every certificate presented after it:
names, validity (flagging expired and not-yet-valid), key, signature algorithm, basic
constraints, key usage, extended key usage, alternative names, key identifiers and thumbprints.
The presented chain is not validated here: use "express-mtls verify".

Examples:
  express-mtls inspect client.pem
  express-mtls inspect "$(cat captured-header.txt)"
  express-mtls inspect 'x-forwarded-client-cert: Hash=…;Cert="…"'
  express-mtls inspect header.txt --format xfcc --xfcc-hops 2`,
  options: {
    at: {
      type: 'string',
      value: '<date>',
      description: 'Judge validity at this ISO 8601 time instead of now.',
    },
    json: JSON_OPTION,
    ...INPUT_OPTIONS,
  },
  async execute(args, io) {
    const at = dateOption('at', args.string('at'), new Date());
    const { input, decoded } = await readCertificateInput(args, io);
    const leaf = leafWithChain(parseCertificates(decoded.ders, inputName(input)));
    const certificates = [leaf, ...leaf.chain].map((certificate, index) => ({
      role: index === 0 ? ('leaf' as const) : ('chain' as const),
      ...describeCertificate(certificate, at),
    }));
    if (args.flag('json')) {
      const report: InspectReport = {
        format: decoded.format,
        detected: decoded.detected,
        header: decoded.header ?? null,
        note: decoded.note ?? null,
        at: at.toISOString(),
        certificates,
      };
      writeJson(io, report);
      return EXIT.ok;
    }
    const lines = [
      `Format: ${decoded.format} — ${FORMAT_LABELS[decoded.format]}${decoded.detected ? ' (detected)' : ''}`,
    ];
    if (decoded.header !== undefined) lines.push(`Header: ${decoded.header}`);
    if (decoded.note !== undefined) lines.push(`Note: ${decoded.note}`);
    certificates.forEach((certificate, index) => {
      const title =
        certificate.role === 'leaf'
          ? 'leaf'
          : 'presented after the leaf (untrusted; "express-mtls verify" checks the path)';
      lines.push('', `Certificate ${index + 1} of ${certificates.length}: ${title}`);
      lines.push(...describeText(certificate, at));
    });
    io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  },
};
