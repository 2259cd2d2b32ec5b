/**
 * `express-mtls verify`: the middleware's chain validation (`createChainValidator`), run on a
 * certificate from the command line and explained certificate by certificate.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6 | RFC 5280 §6}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.1 | RFC 8705 §2.1}
 * @packageDocumentation
 */
import {
  certificateInfo,
  decodePem,
  parseCrl,
  type PemBlock,
  type PemError,
} from '../cli-internal';
import { createChainValidator, type ChainValidationResult, type ClientCertificate } from '../index';
import { leafWithChain, parseCertificates } from './certificates';
import { CliError, EXIT } from './cli-error';
import {
  INPUT_OPTIONS,
  inputName,
  JSON_OPTION,
  readCertificateInput,
  type Command,
} from './command';
import { decodeInput } from './decode-input';
import { readInput, type CliIo } from './input';
import { choiceValue, dateOption, integerValue } from './option-values';
import { writeJson } from './output';

/** Certificates one `--ca` or `--intermediate` file may hold (a trust store bundle). */
const MAX_BUNDLE = 1000;
/** Largest `--crl` file read, in bytes. */
const MAX_CRL_BYTES = 10 * 1024 * 1024;

async function readCaFiles(
  io: CliIo,
  option: 'ca' | 'intermediate',
  files: readonly string[],
): Promise<ClientCertificate[]> {
  const certificates: ClientCertificate[] = [];
  for (const file of files) {
    const what = `--${option} ${file}`;
    const input = await readInput(io, file, {
      allowValue: false,
      maxBytes: 1024 * 1024,
      what: `--${option}`,
    });
    const { ders } = decodeInput(input, { xfccHops: 1, maxCertificates: MAX_BUNDLE });
    for (const certificate of parseCertificates(ders, what)) {
      if (certificateInfo(certificate, 1024).basicConstraints?.ca !== true) {
        throw new CliError(
          `${what}: "${certificate.subject}" is not a CA certificate (no basicConstraints cA=true)`,
          option === 'ca'
            ? 'A trust anchor must be a CA. To accept one specific certificate, pin its x5t#S256 (express-mtls thumbprint) instead.'
            : 'Give only CA certificates with --intermediate; the leaf is the positional argument.',
        );
      }
      certificates.push(certificate);
    }
  }
  return certificates;
}

function crlDers(file: string, bytes: Buffer): Buffer[] {
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN')) return [bytes];
  let blocks: PemBlock[];
  try {
    blocks = decodePem(text);
  } catch (error) {
    throw new CliError(`--crl ${file}: ${(error as PemError).message}`);
  }
  const ders = blocks.filter((block) => block.label === 'X509 CRL').map((block) => block.der);
  if (ders.length === 0) throw new CliError(`--crl ${file}: no "X509 CRL" PEM block`);
  return ders;
}

async function readCrlFiles(io: CliIo, files: readonly string[]): Promise<Buffer[]> {
  const crls: Buffer[] = [];
  for (const file of files) {
    const { bytes } = await readInput(io, file, {
      allowValue: false,
      maxBytes: MAX_CRL_BYTES,
      what: '--crl',
    });
    const ders = crlDers(file, bytes);
    for (const der of ders) {
      try {
        parseCrl(der);
      } catch (error) {
        throw new CliError(`--crl ${file}: not a CRL (${(error as Error).message})`);
      }
      crls.push(der);
    }
  }
  return crls;
}

/** What `express-mtls verify --json` prints. */
export interface VerifyReport {
  readonly valid: boolean;
  /** The rejection reason (the `reason` of `ERR_MTLS_CERTIFICATE_UNTRUSTED`), or `null`. */
  readonly reason: string | null;
  readonly detail: string | null;
  /** The time validated at (ISO 8601). */
  readonly at: string;
  readonly certificate: { readonly subject: string; readonly thumbprint: string };
  /** The validated path, leaf first, anchor last; `null` when invalid. */
  readonly path: readonly { readonly subject: string; readonly thumbprint: string }[] | null;
  /** Every certificate examined, with each check applied to it. */
  readonly trace: readonly {
    readonly role: 'leaf' | 'intermediate' | 'anchor';
    readonly subject: string;
    readonly issuer: string;
    readonly thumbprint: string;
    readonly checks: readonly {
      readonly name: string;
      readonly ok: boolean;
      readonly detail: string | null;
      readonly reason: string | null;
    }[];
  }[];
}

function orNull<T>(value: T | undefined): T | null {
  return value ?? null;
}

function report(leaf: ClientCertificate, result: ChainValidationResult, at: Date): VerifyReport {
  const name = (certificate: ClientCertificate): { subject: string; thumbprint: string } => ({
    subject: certificate.subject,
    thumbprint: certificate.thumbprint,
  });
  return {
    valid: result.ok,
    reason: result.ok ? null : result.reason,
    detail: result.ok ? null : result.detail,
    at: at.toISOString(),
    certificate: name(leaf),
    path: result.ok ? result.path.map(name) : null,
    trace: result.trace.map((entry) => ({
      role: entry.role,
      ...name(entry.certificate),
      issuer: entry.certificate.issuer,
      checks: entry.checks.map((check) => ({
        name: check.name,
        ok: check.ok,
        detail: orNull(check.detail),
        reason: orNull(check.reason),
      })),
    })),
  };
}

function reportText(r: VerifyReport, sources: string): string {
  const lines = [
    `Certificate: ${r.certificate.subject} (x5t#S256 ${r.certificate.thumbprint})`,
    `Validated at ${r.at} against ${sources}`,
  ];
  for (const entry of r.trace) {
    lines.push('', `${entry.role}: ${entry.subject}`);
    const width = Math.max(...entry.checks.map((check) => check.name.length));
    for (const check of entry.checks) {
      const parts = [
        check.ok ? 'ok  ' : 'FAIL',
        check.name.padEnd(width),
        check.detail,
        check.reason === null ? null : `[${check.reason}]`,
      ];
      lines.push(`  ${parts.filter((part) => part !== null).join('  ')}`.trimEnd());
    }
  }
  lines.push(
    '',
    r.path === null
      ? `INVALID: ${r.reason as string} — ${r.detail as string}`
      : `VALID: ${r.path.map((member) => member.subject).join(' → ')}`,
  );
  return `${lines.join('\n')}\n`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The `verify` command. */
export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Validate a certificate chain the way requireClientCertificate() does, and explain it.',
  usage:
    'verify <cert> --ca <file> [--ca <file> …] [--intermediate <file> …] [--crl <file> …] [--at <date>] [--allow-no-eku] [--json]',
  help: `Runs the chain validation of requireClientCertificate() and mtlsClientAuthentication()
(createChainValidator): builds a path from the certificate, through the certificates presented
after it in the input and the --intermediate files, to a --ca trust anchor, and checks every
certificate of it (signature, validity, algorithm, key size, critical extensions, CA basic
constraints and path length, name constraints, clientAuth purpose, and revocation against
--crl files). No network: CRLs are read only from --crl files, OCSP is not used.

Prints every check of every certificate, then VALID or INVALID with the reason the middleware
would put on ERR_MTLS_CERTIFICATE_UNTRUSTED. A name refused by name constraints is printed with
the constraint that refused it (the excluded subtree, or the permitted ones it lies outside). Exit code 0: valid; 1: invalid; 2: usage error.

Examples:
  express-mtls verify client.pem --ca root-ca.pem --intermediate intermediate-ca.pem
  express-mtls verify client-fullchain.pem --ca root-ca.pem --crl intermediate.crl --crl-scope leaf
  express-mtls verify client.pem --ca root-ca.pem --at 2030-01-01 --json`,
  options: {
    ca: {
      type: 'string',
      multiple: true,
      value: '<file>',
      description: 'Trust anchor(s): CA certificates, PEM (any number of blocks) or DER. Required.',
    },
    intermediate: {
      type: 'string',
      multiple: true,
      value: '<file>',
      description: 'Untrusted intermediate CA certificate(s) used to build the path.',
    },
    crl: {
      type: 'string',
      multiple: true,
      value: '<file>',
      description: 'CRL(s), PEM or DER: check revocation (unknown status is a failure).',
    },
    'crl-scope': {
      type: 'string',
      value: '<leaf|chain>',
      description: 'With --crl: check the leaf only, or every non-anchor certificate (default).',
    },
    at: {
      type: 'string',
      value: '<date>',
      description: 'Validate at this ISO 8601 time instead of now.',
    },
    'clock-tolerance': {
      type: 'string',
      value: '<seconds>',
      description: 'Clock skew tolerated on validity dates (default 0).',
    },
    'allow-no-eku': {
      type: 'boolean',
      description:
        'Do not require the clientAuth purpose (requireClientAuthEku: false), e.g. for a server certificate.',
    },
    json: JSON_OPTION,
    ...INPUT_OPTIONS,
  },
  async execute(args, io) {
    const at = dateOption('at', args.string('at'), new Date());
    const clockTolerance = integerValue(
      'clock-tolerance',
      args.string('clock-tolerance'),
      0,
      0,
      31_536_000,
    );
    const scope = choiceValue('crl-scope', args.string('crl-scope'), ['leaf', 'chain'], 'chain');
    if (args.strings('ca').length === 0) {
      throw new CliError(
        'missing --ca <file>: the trust anchor(s) to validate against',
        'Run "express-mtls verify --help".',
      );
    }
    const { input, decoded } = await readCertificateInput(args, io);
    const leaf = leafWithChain(parseCertificates(decoded.ders, inputName(input)));
    const trustAnchors = await readCaFiles(io, 'ca', args.strings('ca'));
    const intermediates = await readCaFiles(io, 'intermediate', args.strings('intermediate'));
    const crls = await readCrlFiles(io, args.strings('crl'));
    const validator = createChainValidator(
      {
        trustAnchors,
        intermediates,
        clockTolerance,
        requireClientAuthEku: !args.flag('allow-no-eku'),
        cacheSize: 0,
        revocation:
          crls.length === 0
            ? undefined
            : { methods: ['crl'], crls, fetchCrls: false, scope, onUnknown: 'reject' },
      },
      'express-mtls verify',
    );
    const result = report(leaf, await validator.validate(leaf, { now: at }), at);
    if (args.flag('json')) {
      writeJson(io, result);
    } else {
      const sources = [
        count(trustAnchors.length, 'trust anchor'),
        count(intermediates.length, 'configured intermediate'),
        count(leaf.chain.length, 'presented certificate'),
        count(crls.length, 'CRL'),
      ].join(', ');
      io.stdout.write(reportText(result, sources));
    }
    return result.valid ? EXIT.ok : EXIT.failed;
  },
};
