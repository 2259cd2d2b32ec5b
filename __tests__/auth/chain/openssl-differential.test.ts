/**
 * The chain validator against the real oracle: each case of the committed fixture matrix is
 * judged by createChainValidator() and by `openssl verify -purpose sslclient` on the same
 * files, and the verdicts must agree. Our `reason` (and the certificate that failed) is pinned
 * per case. Where OpenSSL and RFC 5280 path building legitimately differ, the case says so and
 * asserts both verdicts.
 *
 * OpenSSL flags: `-auth_level 2` (RSA ≥ 2048, EC ≥ 224 bits, no MD5/SHA-1 signatures: the
 * policy we apply), `-verify_depth 8` (our default maxPathDepth), `-partial_chain` (any trust
 * anchor ends a path, as in our trustAnchors).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientCertificate } from '../../../lib/certificate';
import { createChainValidator } from '../../../lib/auth/chain';
import type { CertificateRejectionReason } from '../../../lib/errors';
import { CHAIN_X5T, CHAINS_DIR, chainPem } from './chain-fixtures';

interface Case {
  readonly name: string;
  readonly leaf: string;
  readonly presented?: readonly string[];
  readonly anchors: readonly string[];
  readonly intermediates?: readonly string[];
  /** Validation time (ISO), passed to openssl as -attime. */
  readonly at?: string;
  readonly expect:
    { ok: true } | { ok: false; reason: CertificateRejectionReason; failing: string };
  /** Set when OpenSSL's verdict legitimately differs: its verdict and why. */
  readonly openssl?: { ok: boolean; why: string };
}

const CASES: readonly Case[] = [
  {
    name: 'valid RSA chain',
    leaf: 'rsa-leaf',
    presented: ['rsa-int'],
    anchors: ['rsa-root'],
    expect: { ok: true },
  },
  {
    name: 'valid EC chain',
    leaf: 'ec-leaf',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    expect: { ok: true },
  },
  {
    name: 'intermediate configured, not presented',
    leaf: 'ec-leaf',
    anchors: ['ec-root'],
    intermediates: ['ec-int'],
    expect: { ok: true },
  },
  {
    name: 'presented root equal to the anchor',
    leaf: 'ec-leaf',
    presented: ['ec-int', 'ec-root'],
    anchors: ['ec-root'],
    expect: { ok: true },
  },
  {
    name: 'trusted intermediate as anchor',
    leaf: 'ec-leaf',
    anchors: ['ec-int'],
    expect: { ok: true },
  },
  {
    name: 'EKU absent',
    leaf: 'leaf-eku-absent',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    expect: { ok: true },
  },
  {
    name: 'unknown non-critical extension',
    leaf: 'leaf-noncritical-unknown',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    expect: { ok: true },
  },
  {
    name: 'future leaf, checked at a time it is valid (-attime)',
    leaf: 'leaf-not-yet-valid',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    at: '2100-06-01T00:00:00Z',
    expect: { ok: true },
  },
  {
    name: 'expired leaf',
    leaf: 'leaf-expired',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'expired', failing: 'leaf-expired' },
  },
  {
    name: 'leaf not yet valid',
    leaf: 'leaf-not-yet-valid',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'not_yet_valid', failing: 'leaf-not-yet-valid' },
  },
  {
    name: 'expired intermediate',
    leaf: 'leaf-under-int-expired',
    presented: ['int-expired'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'expired', failing: 'int-expired' },
  },
  {
    name: 'intermediate not yet valid',
    leaf: 'leaf-under-int-not-yet-valid',
    presented: ['int-not-yet-valid'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'not_yet_valid', failing: 'int-not-yet-valid' },
  },
  {
    name: 'expired trust anchor',
    leaf: 'leaf-under-old-root',
    presented: ['old-root-int'],
    anchors: ['old-root'],
    expect: { ok: false, reason: 'expired', failing: 'old-root' },
  },
  {
    name: 'wrong issuer (another PKI)',
    leaf: 'other-leaf',
    presented: ['other-int'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'unknown_issuer', failing: 'other-int' },
  },
  {
    name: 'another PKI, its self-signed root presented by the peer',
    leaf: 'other-leaf',
    presented: ['other-int', 'other-root'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'unknown_issuer', failing: 'other-root' },
  },
  {
    name: 'valid chain under a root that is not trusted',
    leaf: 'ec-leaf',
    presented: ['ec-int'],
    anchors: ['rsa-root'],
    expect: { ok: false, reason: 'unknown_issuer', failing: 'ec-int' },
  },
  {
    name: 'missing intermediate',
    leaf: 'ec-leaf',
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'unknown_issuer', failing: 'ec-leaf' },
  },
  {
    name: 'tampered signature',
    leaf: 'leaf-tampered',
    presented: ['rsa-int'],
    anchors: ['rsa-root'],
    expect: { ok: false, reason: 'bad_signature', failing: 'leaf-tampered' },
  },
  {
    name: 'issuer name matches, key does not (no AKI)',
    leaf: 'leaf-imposter',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'bad_signature', failing: 'leaf-imposter' },
  },
  {
    name: 'issuer name matches, AKI names another key',
    leaf: 'leaf-imposter-aki',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'unknown_issuer', failing: 'leaf-imposter-aki' },
  },
  {
    name: 'issuer with cA=false',
    leaf: 'leaf-under-notca',
    presented: ['int-notca'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'issuer_not_ca', failing: 'int-notca' },
  },
  {
    name: 'issuer without basicConstraints',
    leaf: 'leaf-under-nobc',
    presented: ['int-nobc'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'issuer_not_ca', failing: 'int-nobc' },
  },
  {
    name: 'CA whose keyUsage lacks keyCertSign',
    leaf: 'leaf-under-noks',
    presented: ['int-noks'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'issuer_not_ca', failing: 'int-noks' },
  },
  {
    name: 'pathLenConstraint 0 exceeded',
    leaf: 'leaf-under-sub',
    presented: ['sub-int', 'ec-int'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'path_length_exceeded', failing: 'ec-int' },
  },
  {
    name: 'nine intermediates (maxPathDepth 8)',
    leaf: 'deep-leaf',
    presented: ['deep-chain'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'path_length_exceeded', failing: 'deep-int-1' },
  },
  {
    name: 'leaf EKU serverAuth only',
    leaf: 'leaf-eku-server',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'eku_not_client_auth', failing: 'leaf-eku-server' },
  },
  {
    name: 'leaf keyUsage keyEncipherment only',
    leaf: 'leaf-ku-keyenc',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'eku_not_client_auth', failing: 'leaf-ku-keyenc' },
  },
  {
    name: 'intermediate EKU serverAuth only',
    leaf: 'leaf-under-eku-server',
    presented: ['int-eku-server'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'eku_not_client_auth', failing: 'int-eku-server' },
  },
  {
    name: 'trust anchor EKU serverAuth only',
    leaf: 'leaf-under-eku-root',
    presented: ['int-under-eku-root'],
    anchors: ['root-eku-server'],
    expect: { ok: false, reason: 'eku_not_client_auth', failing: 'root-eku-server' },
  },
  {
    name: 'name-constrained CA, leaf within the constraint',
    leaf: 'leaf-under-nc',
    presented: ['int-nc'],
    anchors: ['ec-root'],
    expect: { ok: true },
  },
  {
    name: 'SHA-1 signature',
    leaf: 'leaf-sha1',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'weak_algorithm', failing: 'leaf-sha1' },
  },
  {
    name: 'MD5 signature',
    leaf: 'leaf-md5',
    presented: ['rsa-int'],
    anchors: ['rsa-root'],
    expect: { ok: false, reason: 'weak_algorithm', failing: 'leaf-md5' },
  },
  {
    name: 'RSA-1024 leaf',
    leaf: 'leaf-rsa1024',
    presented: ['rsa-int'],
    anchors: ['rsa-root'],
    expect: { ok: false, reason: 'weak_key', failing: 'leaf-rsa1024' },
  },
  {
    name: 'RSA-1024 intermediate',
    leaf: 'leaf-under-rsa1024',
    presented: ['int-rsa1024'],
    anchors: ['rsa-root'],
    expect: { ok: false, reason: 'weak_key', failing: 'int-rsa1024' },
  },
  {
    name: 'EC P-192 leaf',
    leaf: 'leaf-p192',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'weak_key', failing: 'leaf-p192' },
  },
  {
    name: 'unknown critical extension on the leaf',
    leaf: 'leaf-critical',
    presented: ['ec-int'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'unknown_critical_extension', failing: 'leaf-critical' },
  },
  {
    name: 'unknown critical extension on the intermediate',
    leaf: 'leaf-under-critical',
    presented: ['int-critical'],
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'unknown_critical_extension', failing: 'int-critical' },
  },
  {
    name: 'self-signed leaf',
    leaf: 'self-signed',
    anchors: ['ec-root'],
    expect: { ok: false, reason: 'self_signed_not_allowed', failing: 'self-signed' },
  },
  {
    name: 'cross-signed: old root trusted, cross certificate presented first',
    leaf: 'xs-leaf',
    presented: ['xs-int', 'xs-cross', 'xs-new-root'],
    anchors: ['xs-old-root'],
    expect: { ok: true },
  },
  {
    name: 'cross-signed: old root trusted, new self-signed root presented first',
    leaf: 'xs-leaf',
    presented: ['xs-int', 'xs-new-root', 'xs-cross'],
    anchors: ['xs-old-root'],
    expect: { ok: true },
    openssl: {
      ok: false,
      why: 'OpenSSL takes the first untrusted issuer by name (the self-signed new root) and does not backtrack (error 19); RFC 4158 path building tries the cross certificate next',
    },
  },
  {
    name: 'cross-signed: new root trusted',
    leaf: 'xs-leaf',
    presented: ['xs-int', 'xs-cross'],
    anchors: ['xs-new-root'],
    expect: { ok: true },
  },
  {
    name: 'cross-signed: old root trusted, cross certificate missing',
    leaf: 'xs-leaf',
    presented: ['xs-int', 'xs-new-root'],
    anchors: ['xs-old-root'],
    expect: { ok: false, reason: 'unknown_issuer', failing: 'xs-new-root' },
  },
  {
    name: 're-keyed root, AKI selects the new key',
    leaf: 'rk-leaf',
    presented: ['rk-int'],
    anchors: ['rk-root-old', 'rk-root-new'],
    expect: { ok: true },
  },
  {
    name: 're-keyed root, no AKI, new key listed first',
    leaf: 'rk-leaf-noaki',
    presented: ['rk-int-noaki'],
    anchors: ['rk-root-new', 'rk-root-old'],
    expect: { ok: true },
  },
  {
    name: 're-keyed root, no AKI, old key listed first',
    leaf: 'rk-leaf-noaki',
    presented: ['rk-int-noaki'],
    anchors: ['rk-root-old', 'rk-root-new'],
    expect: { ok: true },
    openssl: {
      ok: false,
      why: 'without an AKI OpenSSL picks the first anchor by name and reports its signature failure (error 7); we verify each candidate and use the one whose key verifies',
    },
  },
  {
    name: 'dNSName permitted example.com: client.example.com',
    leaf: 'nc/dns-in',
    presented: ['nc/int-dns'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'dNSName permitted example.com: example.com itself',
    leaf: 'nc/dns-exact',
    presented: ['nc/int-dns'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'dNSName permitted example.com: CLIENT.Example.COM (case)',
    leaf: 'nc/dns-case',
    presented: ['nc/int-dns'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'dNSName permitted example.com: client.badexample.com (near miss)',
    leaf: 'nc/dns-near',
    presented: ['nc/int-dns'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/dns-near' },
  },
  {
    name: 'dNSName permitted example.com: one of two names outside',
    leaf: 'nc/dns-one-out',
    presented: ['nc/int-dns'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/dns-one-out' },
  },
  {
    name: 'dNSName permitted example.com: no SAN, CN host.badexample.com (OpenSSL reads it as a host name)',
    leaf: 'nc/dns-cn-out',
    presented: ['nc/int-dns'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/dns-cn-out' },
  },
  {
    name: 'dNSName permitted example.com: no SAN, CN that is not a host name',
    leaf: 'nc/dns-cn-plain',
    presented: ['nc/int-dns'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'dNSName permitted example.com: CN host.badexample.com ignored when a dNSName is present',
    leaf: 'nc/dns-cn-san',
    presented: ['nc/int-dns'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'dNSName permitted .example.com: a.example.com',
    leaf: 'nc/dot-sub',
    presented: ['nc/int-dns-dot'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'dNSName permitted .example.com: example.com (leading period: subdomains only)',
    leaf: 'nc/dot-apex',
    presented: ['nc/int-dns-dot'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/dot-apex' },
  },
  {
    name: 'dNSName excluded bad.example.com: x.bad.example.com',
    leaf: 'nc/excl-in',
    presented: ['nc/int-dns-excl'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/excl-in' },
  },
  {
    name: 'dNSName excluded bad.example.com: notbad.example.com (near miss)',
    leaf: 'nc/excl-near',
    presented: ['nc/int-dns-excl'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'dNSName excluded bad.example.com: BAD.example.com (case)',
    leaf: 'nc/excl-apex',
    presented: ['nc/int-dns-excl'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/excl-apex' },
  },
  {
    name: 'non-critical nameConstraints are enforced too',
    leaf: 'nc/noncrit-out',
    presented: ['nc/int-dns-noncrit'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/noncrit-out' },
  },
  {
    name: 'constraint on the root: name within',
    leaf: 'nc/root-in',
    presented: ['nc/ncr-int'],
    anchors: ['nc/ncr-root'],
    expect: { ok: true },
  },
  {
    name: 'constraint on the root: name outside',
    leaf: 'nc/root-out',
    presented: ['nc/ncr-int'],
    anchors: ['nc/ncr-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/root-out' },
  },
  {
    name: 'root example.com, intermediate other.test: the root constraint still applies',
    leaf: 'nc/acc-out',
    presented: ['nc/ncr-int-other'],
    anchors: ['nc/ncr-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/acc-out' },
  },
  {
    name: 'root example.com, intermediate a.example.com: within both',
    leaf: 'nc/acc-in',
    presented: ['nc/ncr-int-narrow'],
    anchors: ['nc/ncr-root'],
    expect: { ok: true },
  },
  {
    name: 'root example.com, intermediate a.example.com: within the root only',
    leaf: 'nc/acc-narrow-out',
    presented: ['nc/ncr-int-narrow'],
    anchors: ['nc/ncr-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/acc-narrow-out' },
  },
  {
    name: 'rfc822Name host example.com: alice@example.com',
    leaf: 'nc/mail-host-in',
    presented: ['nc/int-mail-host'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'rfc822Name host example.com: alice@sub.example.com',
    leaf: 'nc/mail-host-sub',
    presented: ['nc/int-mail-host'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/mail-host-sub' },
  },
  {
    name: 'rfc822Name host example.com: alice@EXAMPLE.com (case)',
    leaf: 'nc/mail-host-case',
    presented: ['nc/int-mail-host'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'rfc822Name host example.com: subject emailAddress bob@evil.test',
    leaf: 'nc/mail-subject-out',
    presented: ['nc/int-mail-host'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/mail-subject-out' },
  },
  {
    name: 'rfc822Name host example.com: subject emailAddress bob@example.com',
    leaf: 'nc/mail-subject-in',
    presented: ['nc/int-mail-host'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'rfc822Name domain .example.com: alice@sub.example.com',
    leaf: 'nc/mail-domain-sub',
    presented: ['nc/int-mail-domain'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'rfc822Name domain .example.com: alice@example.com',
    leaf: 'nc/mail-domain-apex',
    presented: ['nc/int-mail-domain'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/mail-domain-apex' },
  },
  {
    name: 'rfc822Name mailbox alice@example.com: alice@Example.com (host case)',
    leaf: 'nc/mailbox-in',
    presented: ['nc/int-mailbox'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'rfc822Name mailbox alice@example.com: Alice@example.com (local part is case-sensitive)',
    leaf: 'nc/mailbox-case',
    presented: ['nc/int-mailbox'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/mailbox-case' },
  },
  {
    name: 'iPAddress permitted 10.0.0.0/8: 10.1.2.3',
    leaf: 'nc/ip4-in',
    presented: ['nc/int-ip4'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'iPAddress permitted 10.0.0.0/8: 11.1.2.3',
    leaf: 'nc/ip4-out',
    presented: ['nc/int-ip4'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/ip4-out' },
  },
  {
    name: 'iPAddress permitted 10.0.0.0/8: ::ffff:10.1.2.3 (IPv6, never within an IPv4 subtree)',
    leaf: 'nc/ip4-v6',
    presented: ['nc/int-ip4'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/ip4-v6' },
  },
  {
    name: 'iPAddress permitted 2001:db8::/32: 2001:db8:1::1',
    leaf: 'nc/ip6-in',
    presented: ['nc/int-ip6'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'iPAddress permitted 2001:db8::/32: 2001:db9::1 (mask near miss)',
    leaf: 'nc/ip6-out',
    presented: ['nc/int-ip6'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/ip6-out' },
  },
  {
    name: 'iPAddress permitted 2001:db8::/32: 10.1.2.3 (IPv4 under an IPv6 subtree)',
    leaf: 'nc/ip6-v4',
    presented: ['nc/int-ip6'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/ip6-v4' },
  },
  {
    name: 'iPAddress excluded 192.168.0.0/16: 192.168.1.1',
    leaf: 'nc/ipx-in',
    presented: ['nc/int-ip-excl'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/ipx-in' },
  },
  {
    name: 'iPAddress excluded 192.168.0.0/16: 192.169.1.1',
    leaf: 'nc/ipx-out',
    presented: ['nc/int-ip-excl'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'URI permitted .example.com: https://svc.example.com:8443/path',
    leaf: 'nc/uri-in',
    presented: ['nc/int-uri'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'URI permitted .example.com: https://svc.badexample.com/ (near miss)',
    leaf: 'nc/uri-near',
    presented: ['nc/int-uri'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/uri-near' },
  },
  {
    name: 'URI permitted .example.com: urn:example:svc (no host)',
    leaf: 'nc/uri-nohost',
    presented: ['nc/int-uri'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/uri-nohost' },
  },
  {
    name: 'URI permitted svc.example.com: spiffe://svc.example.com/workload',
    leaf: 'nc/uri-spiffe',
    presented: ['nc/int-uri-host'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'URI permitted svc.example.com: spiffe://a.svc.example.com/workload (host form: no subdomains)',
    leaf: 'nc/uri-sub',
    presented: ['nc/int-uri-host'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/uri-sub' },
  },
  {
    name: 'directoryName permitted O=express-mtls nc,OU=Team A: within',
    leaf: 'nc/dn-in',
    presented: ['nc/int-dn'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'directoryName permitted O=express-mtls nc,OU=Team A: case and spaces differ',
    leaf: 'nc/dn-case',
    presented: ['nc/int-dn'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'directoryName permitted O=express-mtls nc,OU=Team A: OU=Team B',
    leaf: 'nc/dn-out',
    presented: ['nc/int-dn'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/dn-out' },
  },
  {
    name: 'directoryName permitted O=express-mtls nc,OU=Team A: shorter than the base',
    leaf: 'nc/dn-short',
    presented: ['nc/int-dn'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/dn-short' },
  },
  {
    name: 'directoryName excluded OU=Blocked: within',
    leaf: 'nc/dnx-in',
    presented: ['nc/int-dn-excl'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/dnx-in' },
  },
  {
    name: 'directoryName excluded OU=Blocked: OU=Blockedx (near miss)',
    leaf: 'nc/dnx-out',
    presented: ['nc/int-dn-excl'],
    anchors: ['nc/nc-root'],
    expect: { ok: true },
  },
  {
    name: 'self-issued intermediate outside the root constraint is exempt',
    leaf: 'nc/si-leaf-in',
    presented: ['nc/si-int'],
    anchors: ['nc/si-root'],
    expect: { ok: true },
  },
  {
    name: 'self-issued intermediate: the leaf is not exempt',
    leaf: 'nc/si-leaf-out',
    presented: ['nc/si-int'],
    anchors: ['nc/si-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/si-leaf-out' },
  },
  {
    name: 'an intermediate that is not self-issued: its subject outside the root constraint',
    leaf: 'nc/si-other-leaf',
    presented: ['nc/si-other-int'],
    anchors: ['nc/si-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/si-other-int' },
  },
  {
    name: 'unsupported constraint form (registeredID)',
    leaf: 'nc/rid-leaf',
    presented: ['nc/int-rid'],
    anchors: ['nc/nc-root'],
    expect: { ok: false, reason: 'name_constraints', failing: 'nc/int-rid' },
    openssl: {
      ok: true,
      why: 'OpenSSL checks a constraint only against names of its form, and the leaf has no registeredID; we refuse a constraint form we cannot enforce (fail closed, as Go does)',
    },
  },
];

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'express-mtls-differential-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function bundle(name: string, files: readonly string[]): string {
  const path = join(work, `${name}.pem`);
  writeFileSync(path, files.map(chainPem).join(''));
  return path;
}

function opensslVerdict(c: Case, id: number): { ok: boolean; output: string } {
  const args = [
    'verify',
    '-purpose',
    'sslclient',
    '-auth_level',
    '2',
    '-verify_depth',
    '8',
    '-partial_chain',
  ];
  args.push('-CAfile', bundle(`anchors-${id}`, c.anchors));
  const untrusted = [...(c.presented ?? []), ...(c.intermediates ?? [])];
  if (untrusted.length > 0) args.push('-untrusted', bundle(`untrusted-${id}`, untrusted));
  if (c.at) args.push('-attime', String(Date.parse(c.at) / 1000));
  args.push(join(CHAINS_DIR, `${c.leaf}.pem`));
  try {
    return { ok: true, output: execFileSync('openssl', args, { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return { ok: false, output: `${stdout}${stderr}` };
  }
}

describe('chain validation agrees with openssl verify -purpose sslclient', () => {
  test.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, id) => {
    const validator = createChainValidator({
      trustAnchors: c.anchors.map(chainPem),
      intermediates: (c.intermediates ?? []).map(chainPem),
    });
    const leaf = ClientCertificate.from(chainPem(c.leaf), {
      chain: (c.presented ?? []).map(chainPem),
    });
    const result = await validator.validate(leaf, c.at ? { now: new Date(c.at) } : undefined);
    const openssl = opensslVerdict(c, id);

    expect({ ok: result.ok, reason: result.ok ? undefined : result.reason }).toEqual({
      ok: c.expect.ok,
      reason: c.expect.ok ? undefined : c.expect.reason,
    });
    if (!c.expect.ok && !result.ok) {
      expect(result.certificate?.thumbprint).toBe(CHAIN_X5T.get(c.expect.failing));
    }
    expect(openssl.ok).toBe(c.openssl ? c.openssl.ok : c.expect.ok);
  });
});
