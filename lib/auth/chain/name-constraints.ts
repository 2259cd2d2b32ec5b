/**
 * Name constraints (RFC 5280 §4.2.1.10, §6.1.3(b)(c), §6.1.4(g)): the permitted and excluded
 * subtrees of every CA certificate of a path, applied to the names of each certificate below it
 * — its subject DN (directoryName), the emailAddress attributes of its subject (rfc822Name), its
 * subjectAltName entries and, for the leaf without a dNSName, a common name that looks like a
 * host name (as OpenSSL does). Pure code: it takes decoded certificates and returns a
 * {@link Decision} per certificate.
 *
 * Accumulation along the path is kept as the list of the constraints of the CAs above a
 * certificate: a name must lie within the permitted subtrees of its form of each of them (when
 * that CA has any) and outside all their excluded subtrees of its form, which is §6.1's
 * intersection of permitted and union of excluded subtrees. Self-issued intermediates are exempt
 * (§6.1.4(b)); the leaf is not. The trust anchor's own constraints apply, as OpenSSL applies them.
 *
 * Fails closed: a constraint of a form not supported here (otherName, x400Address, ediPartyName,
 * registeredID), a `minimum` or `maximum`, or malformed DER refuses the path; a name that cannot
 * be compared with a constraint of its form (a host that is not ASCII LDH, an IDN U-label, a URI
 * without a host or with an IP-literal host, a mailbox without `@`, an address of 3 octets)
 * refuses the certificate whenever a constraint of that form applies. The names × constraints
 * compared per path are capped at {@link MAX_NAME_CONSTRAINT_CHECKS}.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.10 | RFC 5280 §4.2.1.10}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.1.3 | RFC 5280 §6.1.3 (b), (c)}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.1.4 | RFC 5280 §6.1.4 (g)}
 * @packageDocumentation
 */
import { decodeName, formatName, type RelativeDistinguishedName } from '../../distinguished-name';
import { CertificateUntrustedError } from '../../errors';
import { accept, reject, type Decision } from '../../decision';
import { DerError, readChildren, readTlv, type Tlv } from '../../internal/der';
import { formatIp } from '../../internal/ip';
import { describeUntrusted } from '../../internal/sanitize';
import { canonicalName, type CertificateInfo } from '../../x509/certificate-info';
import { EXTENSION } from '../../x509/extensions';

/**
 * Most name-to-subtree comparisons (names of a form × subtrees of that form) made for one path.
 * A path that needs more is refused with `name_constraints` before any comparison is made.
 */
export const MAX_NAME_CONSTRAINT_CHECKS = 1024;

/** The name forms whose constraints are enforced. */
export type NameForm = 'directoryName' | 'dNSName' | 'rfc822Name' | 'iPAddress' | 'uri';

const FORM_LABEL: Readonly<Record<NameForm, string>> = {
  directoryName: 'DirName',
  dNSName: 'DNS',
  rfc822Name: 'email',
  iPAddress: 'IP',
  uri: 'URI',
};

const UNSUPPORTED: Readonly<Record<number, string>> = {
  0xa0: 'otherName',
  0xa3: 'x400Address',
  0xa5: 'ediPartyName',
  0x88: 'registeredID',
};

const EMAIL_ADDRESS = '1.2.840.113549.1.9.1';
const COMMON_NAME = '2.5.4.3';
const IA5_STRING = 0x16;

/** One subtree (`base`) of a name constraints extension. */
export interface Subtree {
  readonly form: NameForm;
  /** The constraint for explanations (`DNS:example.com`, `IP:10.0.0.0/8`, `DirName:O=Example`). */
  readonly label: string;
  /** dNSName, URI and rfc822Name host or domain, lower-cased; iPAddress `address/prefix`; else `''`. */
  readonly text: string;
  /** rfc822Name `local@host`: the local part (compared case-sensitively). */
  readonly local?: string | undefined;
  /** directoryName: the canonical key of each RDN. */
  readonly rdns?: readonly string[] | undefined;
  /** iPAddress: address and mask octets. */
  readonly address?: Buffer | undefined;
  readonly mask?: Buffer | undefined;
}

/** A decoded name constraints extension. */
export interface NameConstraints {
  readonly permitted: readonly Subtree[];
  readonly excluded: readonly Subtree[];
}

/** One name of a certificate, prepared for comparison; `value` undefined when it cannot be. */
interface CertificateName {
  readonly form: NameForm;
  /** For explanations: `DNS name "a.example.com"` (untrusted text escaped). */
  readonly label: string;
  readonly value: string | undefined;
  readonly local?: string | undefined;
  readonly rdns?: readonly string[] | undefined;
  readonly address?: Buffer | undefined;
  /** Why it cannot be compared, when `value` is undefined. */
  readonly unusable?: string | undefined;
}

const LABEL = /^[a-z0-9_-]+$/;
const LOCAL_PART = /^[\x21-\x3f\x41-\x7e]+$/;
/** A mailbox's local part (quoted ones may hold `@`: the host follows the last one). */
const MAILBOX_LOCAL_PART = /^[\x21-\x7e]+$/;

/** A host name of ASCII letters, digits, `-` and `_` labels; lower-cased, or undefined. */
function hostName(text: string, wildcard = false): string | undefined {
  const lower = text.toLowerCase();
  const labels = lower.split('.');
  if (wildcard && labels.length > 1 && labels[0] === '*') labels.shift();
  return labels.every((label) => LABEL.test(label)) ? lower : undefined;
}

/** A dNSName, URI or rfc822Name domain constraint: `host`, `.domain` (and `''` for dNSName). */
function domainConstraint(text: string, allowEmpty: boolean): string | undefined {
  if (text === '') return allowEmpty ? '' : undefined;
  const host = text.startsWith('.') ? text.slice(1) : text;
  return hostName(host) === undefined ? undefined : text.toLowerCase();
}

function malformed(message: string): never {
  throw new DerError(message);
}

function ascii(bytes: Buffer): string {
  return bytes.toString('latin1');
}

function rdnKeys(rdns: readonly RelativeDistinguishedName[]): string[] {
  return rdns.map((rdn) => canonicalName([rdn]));
}

function contiguous(mask: Buffer): boolean {
  let zero = false;
  for (const octet of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = ((octet >> bit) & 1) === 1;
      if (one && zero) return false;
      if (!one) zero = true;
    }
  }
  return true;
}

function prefixLength(mask: Buffer): number {
  let bits = 0;
  for (const octet of mask) for (let bit = 7; bit >= 0; bit--) bits += (octet >> bit) & 1;
  return bits;
}

function decodeBase(der: Buffer, base: Tlv): Subtree {
  const content = der.subarray(base.valueStart, base.end);
  const unsupported = UNSUPPORTED[base.tag];
  if (unsupported !== undefined) malformed(`unsupported name form ${unsupported}`);
  switch (base.tag) {
    case 0x81: {
      const text = ascii(content);
      const at = text.lastIndexOf('@');
      const host = at < 0 ? domainConstraint(text, false) : hostName(text.slice(at + 1));
      const local = at < 0 ? undefined : text.slice(0, at);
      if (host === undefined || (local !== undefined && !LOCAL_PART.test(local))) {
        malformed('malformed rfc822Name constraint');
      }
      return { form: 'rfc822Name', label: `email:${text}`, text: host, local };
    }
    case 0x82:
    case 0x86: {
      const text = ascii(content);
      const value = domainConstraint(text, base.tag === 0x82);
      if (value === undefined)
        malformed(`malformed ${base.tag === 0x82 ? 'dNSName' : 'URI'} constraint`);
      const form = base.tag === 0x82 ? 'dNSName' : 'uri';
      return { form, label: `${FORM_LABEL[form]}:${text}`, text: value };
    }
    case 0x87: {
      if (content.length !== 8 && content.length !== 32) malformed('iPAddress constraint length');
      const half = content.length / 2;
      const address = Buffer.from(content.subarray(0, half));
      const mask = Buffer.from(content.subarray(half));
      if (!contiguous(mask)) malformed('iPAddress constraint mask is not contiguous');
      const text = `${formatIp(address) as string}/${prefixLength(mask)}`;
      return { form: 'iPAddress', label: `IP:${text}`, text, address, mask };
    }
    case 0xa4: {
      const [name, extra] = readChildren(der, base);
      if (!name || extra) malformed('malformed directoryName constraint');
      const rdns = decodeName(der.subarray(name.start, name.end));
      return {
        form: 'directoryName',
        label: `DirName:${formatName(rdns)}`,
        text: '',
        rdns: rdnKeys(rdns),
      };
    }
    default:
      return malformed('unknown GeneralName tag');
  }
}

function decodeSubtrees(der: Buffer, list: Tlv | undefined): Subtree[] {
  if (!list) return [];
  const subtrees = readChildren(der, list).map((subtree) => {
    const [base, ...rest] = subtree.tag === 0x30 ? readChildren(der, subtree) : [];
    if (!base) malformed('malformed GeneralSubtree');
    if (rest.length > 0) malformed('minimum and maximum must be absent (RFC 5280 §4.2.1.10)');
    return decodeBase(der, base);
  });
  if (subtrees.length === 0) malformed('empty GeneralSubtrees');
  return subtrees;
}

/**
 * Decodes the `extnValue` of a name constraints extension.
 *
 * @returns the subtrees, or a `name_constraints` refusal for malformed DER, an empty extension,
 *   an unsupported name form, a `minimum` or `maximum`, or a constraint value that is not one of
 *   its form (not ASCII, an iPAddress of other than 8 or 32 octets or with a non-contiguous mask).
 */
export function decodeNameConstraints(
  value: Uint8Array,
): Decision<NameConstraints, CertificateUntrustedError> {
  try {
    const der = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const seq = readTlv(der, 0, der.length);
    if (seq.tag !== 0x30 || seq.end !== der.length) malformed('malformed NameConstraints');
    const parts = readChildren(der, seq);
    const permitted = parts.find((part) => part.tag === 0xa0);
    const excluded = parts.find((part) => part.tag === 0xa1);
    const expected = [permitted, excluded].filter((part) => part !== undefined);
    if (parts.length === 0 || parts.length !== expected.length || parts[0] !== expected[0]) {
      malformed('malformed NameConstraints');
    }
    return accept({
      permitted: decodeSubtrees(der, permitted),
      excluded: decodeSubtrees(der, excluded),
    });
  } catch (error) {
    return reject(
      new CertificateUntrustedError('name_constraints', {
        message: `nameConstraints cannot be enforced: ${(error as Error).message}`,
        cause: error,
      }),
    );
  }
}

function dnsName(text: string, label: string): CertificateName {
  const value = hostName(text, true);
  return value === undefined
    ? { form: 'dNSName', label, value, unusable: 'not an ASCII host name' }
    : { form: 'dNSName', label, value };
}

function emailName(text: string, label: string): CertificateName {
  const at = text.lastIndexOf('@');
  const local = text.slice(0, at);
  const host = at > 0 && MAILBOX_LOCAL_PART.test(local) ? hostName(text.slice(at + 1)) : undefined;
  return host === undefined
    ? { form: 'rfc822Name', label, value: undefined, unusable: 'not an ASCII mailbox' }
    : { form: 'rfc822Name', label, value: host, local };
}

const URI = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i;

function uriName(text: string, label: string): CertificateName {
  const authority = URI.exec(text)?.[1];
  const host = authority?.slice(authority.lastIndexOf('@') + 1).replace(/:\d*$/, '');
  const value = host === undefined || host === '' ? undefined : hostName(host);
  return value === undefined
    ? { form: 'uri', label, value, unusable: 'no ASCII host name in the URI' }
    : { form: 'uri', label, value };
}

function subjectAltNames(info: CertificateInfo): CertificateName[] {
  const extension = info.certificate.extensions.get(EXTENSION.subjectAltName);
  if (!extension) return [];
  const der = extension.value;
  const seq = readTlv(der, 0, der.length);
  if (seq.tag !== 0x30 || seq.end !== der.length) malformed('malformed subjectAltName');
  const names: CertificateName[] = [];
  for (const name of readChildren(der, seq)) {
    const content = der.subarray(name.valueStart, name.end);
    const text = ascii(content);
    if (name.tag === 0x81) names.push(emailName(text, `email ${describeUntrusted(text)}`));
    else if (name.tag === 0x82) names.push(dnsName(text, `DNS name ${describeUntrusted(text)}`));
    else if (name.tag === 0x86) names.push(uriName(text, `URI ${describeUntrusted(text)}`));
    else if (name.tag === 0x87) {
      const ip = formatIp(content);
      names.push(
        ip === undefined
          ? {
              form: 'iPAddress',
              label: 'IP address of bad length',
              value: undefined,
              unusable: `${content.length} octets`,
            }
          : {
              form: 'iPAddress',
              label: `IP address ${ip}`,
              value: ip,
              address: Buffer.from(content),
            },
      );
    } else if (name.tag === 0xa4) {
      const [inner, extra] = readChildren(der, name);
      if (!inner || extra) malformed('malformed directoryName');
      const rdns = decodeName(der.subarray(inner.start, inner.end));
      names.push({
        form: 'directoryName',
        label: `directoryName ${describeUntrusted(formatName(rdns))}`,
        value: '',
        rdns: rdnKeys(rdns),
      });
    }
  }
  return names;
}

/** A common name that is a host name, as OpenSSL reads one: LDH and `_`, two labels or more. */
const COMMON_NAME_HOST = /^[a-z0-9_]+(?:-+[a-z0-9_]+)*(?:\.[a-z0-9_]+(?:-+[a-z0-9_]+)*)+$/i;

function commonNameHost(value: string): string | undefined {
  const trimmed = value.replace(/\0+$/, '');
  if (trimmed.includes('\0')) return trimmed;
  return COMMON_NAME_HOST.test(trimmed) ? trimmed : undefined;
}

/** Every name of `info` that name constraints apply to (RFC 5280 §6.1.3(b)(c)). */
function certificateNames(info: CertificateInfo, leaf: boolean): CertificateName[] {
  const certificate = info.certificate;
  const rdns = certificate.subjectRdns;
  const names: CertificateName[] = [];
  if (rdns.length > 0) {
    names.push({
      form: 'directoryName',
      label: `subject ${describeUntrusted(info.subject)}`,
      value: '',
      rdns: rdnKeys(rdns),
    });
  }
  for (const attribute of rdns.flat()) {
    if (attribute.oid !== EMAIL_ADDRESS) continue;
    const text = attribute.tag === IA5_STRING ? attribute.value : undefined;
    const shown = attribute.value ?? `#${attribute.der.toString('hex')}`;
    const label = `subject emailAddress ${describeUntrusted(shown)}`;
    names.push(
      text === undefined
        ? { form: 'rfc822Name', label, value: undefined, unusable: 'not an ASCII IA5String' }
        : emailName(text, label),
    );
  }
  const alternative = subjectAltNames(info);
  names.push(...alternative);
  if (leaf && !alternative.some((name) => name.form === 'dNSName')) {
    for (const attribute of rdns.flat()) {
      if (attribute.oid !== COMMON_NAME || attribute.value === undefined) continue;
      const host = commonNameHost(attribute.value);
      if (host !== undefined) {
        names.push(dnsName(host, `common name ${describeUntrusted(attribute.value)}`));
      }
    }
  }
  return names;
}

function within(name: CertificateName, subtree: Subtree): boolean {
  const value = name.value as string;
  switch (subtree.form) {
    case 'directoryName': {
      const base = subtree.rdns as readonly string[];
      const rdns = name.rdns as readonly string[];
      return base.length <= rdns.length && base.every((rdn, i) => rdn === rdns[i]);
    }
    case 'iPAddress': {
      const address = name.address as Buffer;
      const base = subtree.address as Buffer;
      const mask = subtree.mask as Buffer;
      if (address.length !== base.length) return false;
      return address.every(
        (octet, i) => ((octet ^ (base[i] as number)) & (mask[i] as number)) === 0,
      );
    }
    case 'rfc822Name':
      if (subtree.local !== undefined)
        return name.local === subtree.local && value === subtree.text;
      return subtree.text.startsWith('.') ? value.endsWith(subtree.text) : value === subtree.text;
    case 'uri':
      return subtree.text.startsWith('.') ? value.endsWith(subtree.text) : value === subtree.text;
    case 'dNSName':
      return (
        subtree.text === '' ||
        value === subtree.text ||
        value.endsWith(subtree.text.startsWith('.') ? subtree.text : `.${subtree.text}`)
      );
  }
}

interface Cache {
  readonly constraints: WeakMap<
    CertificateInfo,
    Decision<NameConstraints, CertificateUntrustedError> | null
  >;
  readonly names: WeakMap<CertificateInfo, Decision<CertificateName[], CertificateUntrustedError>>;
  readonly leafNames: WeakMap<
    CertificateInfo,
    Decision<CertificateName[], CertificateUntrustedError>
  >;
}

const CACHE: Cache = { constraints: new WeakMap(), names: new WeakMap(), leafNames: new WeakMap() };

/** The decoded name constraints of `info` (decoded once per certificate), or `null` when none. */
export function nameConstraintsOf(
  info: CertificateInfo,
): Decision<NameConstraints, CertificateUntrustedError> | null {
  let decided = CACHE.constraints.get(info);
  if (decided === undefined) {
    const extension = info.certificate.extensions.get(EXTENSION.nameConstraints);
    decided = extension ? decodeNameConstraints(extension.value) : null;
    CACHE.constraints.set(info, decided);
  }
  return decided;
}

function namesOf(
  info: CertificateInfo,
  leaf: boolean,
): Decision<CertificateName[], CertificateUntrustedError> {
  const cache = leaf ? CACHE.leafNames : CACHE.names;
  let decided = cache.get(info);
  if (decided === undefined) {
    try {
      decided = accept(certificateNames(info, leaf));
    } catch (error) {
      decided = reject(
        new CertificateUntrustedError('name_constraints', {
          message: `names cannot be read for name constraints: ${(error as Error).message}`,
          cause: error,
        }),
      );
    }
    cache.set(info, decided);
  }
  return decided;
}

function refuse(message: string): Decision<never, CertificateUntrustedError> {
  return reject(new CertificateUntrustedError('name_constraints', { message }));
}

function count(names: readonly CertificateName[], subtrees: readonly Subtree[]): number {
  let total = 0;
  for (const name of names) {
    for (const subtree of subtrees) if (subtree.form === name.form) total++;
  }
  return total;
}

function checkName(
  name: CertificateName,
  constraints: NameConstraints,
  issuer: string,
): Decision<undefined, CertificateUntrustedError> {
  const permitted = constraints.permitted.filter((subtree) => subtree.form === name.form);
  const excluded = constraints.excluded.filter((subtree) => subtree.form === name.form);
  if (permitted.length === 0 && excluded.length === 0) return accept(undefined);
  if (name.value === undefined) {
    return refuse(
      `${name.label} cannot be checked against the ${FORM_LABEL[name.form]} name constraints of ${issuer} (${name.unusable as string})`,
    );
  }
  if (permitted.length > 0 && !permitted.some((subtree) => within(name, subtree))) {
    const listed = permitted.map((subtree) => describeUntrusted(subtree.label, 64));
    return refuse(
      `${name.label} is not within the permitted subtrees of ${issuer}: ${listed.slice(0, 4).join(', ')}${listed.length > 4 ? `, and ${listed.length - 4} more` : ''}`,
    );
  }
  const hit = excluded.find((subtree) => within(name, subtree));
  if (hit) {
    return refuse(
      `${name.label} is excluded by ${describeUntrusted(hit.label)} (excluded subtree of ${issuer})`,
    );
  }
  return accept(undefined);
}

function firstViolation(
  names: readonly CertificateName[],
  above: readonly (readonly [NameConstraints, string])[],
): Decision<never, CertificateUntrustedError> | undefined {
  for (const [constraints, issuer] of above) {
    for (const name of names) {
      const verdict = checkName(name, constraints, issuer);
      if (!verdict.ok) return verdict;
    }
  }
  return undefined;
}

/**
 * Applies name constraints to every certificate of a complete path (leaf first, anchor last).
 * Entry `i` is `undefined` when nothing applies to `path[i]` and it has no name constraints of
 * its own; otherwise an accepted explanation, or the `name_constraints` refusal: its own
 * extension cannot be enforced, or one of its names lies outside a permitted subtree or inside
 * an excluded one of a CA above it (the message names the name and the constraint).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.1.3 | RFC 5280 §6.1.3 (b), (c)}
 */
export function checkNameConstraints(
  path: readonly CertificateInfo[],
  limit = MAX_NAME_CONSTRAINT_CHECKS,
): (Decision<string, CertificateUntrustedError> | undefined)[] {
  const results: (Decision<string, CertificateUntrustedError> | undefined)[] = [];
  let budget = limit;
  for (let i = path.length - 1; i >= 0; i--) {
    const info = path[i] as CertificateInfo;
    const own = nameConstraintsOf(info);
    if (own?.ok === false) {
      results[i] = own;
      continue;
    }
    const above: [NameConstraints, string][] = [];
    for (let j = path.length - 1; j > i; j--) {
      const constraints = nameConstraintsOf(path[j] as CertificateInfo);
      if (constraints?.ok)
        above.push([constraints.value, describeUntrusted((path[j] as CertificateInfo).subject)]);
    }
    if (above.length === 0 || (i > 0 && info.selfIssued)) {
      results[i] =
        own === null
          ? above.length === 0
            ? undefined
            : accept('self-issued: exempt from the name constraints above (RFC 5280 §6.1.4(b))')
          : accept(
              `has name constraints (${own.value.permitted.length} permitted, ${own.value.excluded.length} excluded subtrees)`,
            );
      continue;
    }
    const names = namesOf(info, i === 0);
    if (!names.ok) {
      results[i] = names;
      continue;
    }
    for (const [constraints] of above) {
      budget -= count(names.value, [...constraints.permitted, ...constraints.excluded]);
    }
    if (budget < 0) {
      results[i] = refuse(
        `more than ${limit} name constraint comparisons on this path (names × subtrees of the same form)`,
      );
      continue;
    }
    results[i] =
      firstViolation(names.value, above) ??
      accept(`${names.value.length} name(s) within the constraints of ${above.length} CA(s) above`);
  }
  return results;
}
