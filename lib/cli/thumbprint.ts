/**
 * `express-mtls thumbprint`: the x5t#S256 of each certificate in a file or header value, next
 * to the hex fingerprints people confuse it with.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.1 | RFC 8705 §3.1}
 * @packageDocumentation
 */
import { leafWithChain, parseCertificates } from './certificates';
import { EXIT } from './cli-error';
import type { InputFormat } from './decode-input';
import { fingerprints } from './describe-certificate';
import {
  INPUT_OPTIONS,
  inputName,
  JSON_OPTION,
  readCertificateInput,
  type Command,
} from './command';
import { rows, writeJson } from './output';

/** What `express-mtls thumbprint --json` prints for each certificate. */
export interface ThumbprintEntry {
  readonly subject: string;
  /** `x5t#S256`: base64url, no padding, of SHA-256 over the DER. */
  readonly thumbprint: string;
  /** The same SHA-256 in hex: not an x5t#S256. */
  readonly sha256Hex: string;
  /** The legacy SHA-1 fingerprint in hex: not an x5t#S256. */
  readonly sha1Hex: string;
}

/** What `express-mtls thumbprint --json` prints. */
export interface ThumbprintReport {
  /** The format the input was read in. */
  readonly format: InputFormat;
  /** Leaf first, then the certificates presented after it. */
  readonly certificates: readonly ThumbprintEntry[];
}

/** The `thumbprint` command. */
export const thumbprintCommand: Command = {
  name: 'thumbprint',
  summary: 'Print the x5t#S256 thumbprint of each certificate (and the fingerprints it is not).',
  usage: 'thumbprint <file|-> [--short] [--json] [--format <name>]',
  help: `Reads PEM (every CERTIFICATE block), DER, or any proxy header value (as "inspect" does), and
prints for each certificate its x5t#S256 — base64url, without padding, of SHA-256 over the DER (RFC 8705 §3.1):
the value of a token's cnf["x5t#S256"] and of requireClientCertificate({ thumbprints }).
The hex SHA-256 and SHA-1 fingerprints that openssl and browsers show are printed too, labelled:
neither is an x5t#S256.

Examples:
  express-mtls thumbprint client.pem
  express-mtls thumbprint client.pem --short
  openssl x509 -in client.pem -outform DER | express-mtls thumbprint -`,
  options: {
    short: { type: 'boolean', description: 'Print only the x5t#S256 values, one per line.' },
    json: JSON_OPTION,
    ...INPUT_OPTIONS,
  },
  async execute(args, io) {
    const { input, decoded } = await readCertificateInput(args, io);
    const leaf = leafWithChain(parseCertificates(decoded.ders, inputName(input)));
    const entries: ThumbprintEntry[] = [leaf, ...leaf.chain].map((certificate) => ({
      subject: certificate.subject,
      ...fingerprints(certificate),
    }));
    if (args.flag('json')) {
      const report: ThumbprintReport = { format: decoded.format, certificates: entries };
      writeJson(io, report);
    } else if (args.flag('short')) {
      io.stdout.write(entries.map((entry) => `${entry.thumbprint}\n`).join(''));
    } else {
      const lines = entries.flatMap((entry, index) => [
        `${entries.length === 1 ? 'certificate' : `certificate ${index + 1} of ${entries.length}`}: ${entry.subject}`,
        ...rows([
          ['x5t#S256', entry.thumbprint],
          ['SHA-256 (hex)', `${entry.sha256Hex}  (same hash in hex: NOT an x5t#S256)`],
          ['SHA-1 (hex)', `${entry.sha1Hex}  (legacy fingerprint: NOT an x5t#S256)`],
        ]),
      ]);
      io.stdout.write(`${lines.join('\n')}\n`);
    }
    return EXIT.ok;
  },
};
