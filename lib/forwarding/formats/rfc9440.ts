import { parseByteSequenceItem, parseByteSequenceList } from '../structured-field';
import type { FormatCodec } from './codec';

/**
 * RFC 9440: `Client-Cert` is one RFC 8941 Byte Sequence (`:base64-of-DER:`), a singleton;
 * `Client-Cert-Chain` is a List of Byte Sequences in TLS order, without the leaf, possibly split
 * over several field lines. Parameters on items are ignored (RFC 9440 defines none).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440#section-2 | RFC 9440 §2}
 */
export const rfc9440Format: FormatCodec = {
  name: 'rfc9440',
  header: 'client-cert',
  chainHeader: 'client-cert-chain',
  chain: 'list',
  hints: ['client-cert'],
  detect: { rank: 5, test: (text) => text.startsWith(':') },
  decode: (value) => [parseByteSequenceItem(value)],
  decodeChain: (value, limits) => parseByteSequenceList(value, limits.maxCertificates),
  encode: (certificate) => ({
    value: `:${certificate.der.toString('base64')}:`,
    chain:
      certificate.chain.length === 0
        ? undefined
        : certificate.chain.map((member) => `:${member.der.toString('base64')}:`).join(', '),
  }),
};
