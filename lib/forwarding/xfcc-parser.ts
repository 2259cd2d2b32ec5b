import { ForwardedCertificateError } from './decode-error';

/** One `key=value` pair of an XFCC element; `key` is lower-cased, `value` unquoted. */
export interface XfccPair {
  readonly key: string;
  readonly value: string;
  /** `true` when the value was written in double quotes (absent otherwise). */
  readonly quoted?: true;
}

/** One XFCC element: what one proxy hop said about its own downstream peer. */
export type XfccElement = readonly XfccPair[];

const KEY = /[ \t]*([A-Za-z][A-Za-z0-9_-]*)=/y;
/** After a separator inside an unquoted value: a known key and `=`, or the end of the value. */
const NEXT_PAIR = /[ \t]*(?:(?:by|hash|cert|chain|subject|uri|dns)=|$)/iy;

function syntax(what: string): ForwardedCertificateError {
  return new ForwardedCertificateError('xfcc_syntax', `invalid x-forwarded-client-cert: ${what}`);
}

/** Reads a quoted value starting at the opening quote; returns it and the position after it. */
function readQuoted(text: string, start: number): [string, number] {
  let value = '';
  let chunk = start + 1;
  for (let i = chunk; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) {
      const next = text.charAt(i + 1);
      if (next === '"' || next === '\\') {
        value += text.slice(chunk, i) + next;
        chunk = i + 2;
        i++;
      }
    } else if (c === 0x22 /* " */) {
      return [value + text.slice(chunk, i), i + 1];
    }
  }
  throw syntax('unterminated quoted value');
}

/**
 * Reads an unquoted value. Envoy does not quote `By`, `URI` and `DNS`, whose values may contain
 * `;` or `,`; so a separator ends the value only when a known key (or the end) follows it. This
 * is a best effort: a client's SAN can still forge a boundary, which the xfcc codec detects by
 * checking that each element renders its own certificate.
 */
function readUnquoted(text: string, start: number): [string, number] {
  for (let i = start; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === ';' || c === ',') {
      NEXT_PAIR.lastIndex = i + 1;
      if (NEXT_PAIR.test(text)) return [text.slice(start, i), i];
    }
  }
  return [text.slice(start), text.length];
}

/**
 * Parses an Envoy `x-forwarded-client-cert` value into its elements, left to right: elements
 * are separated by `,`, pairs by `;`, keys are case-insensitive, values may be quoted (with
 * `\"` and `\\` escapes). A trailing `;` (as Azure Container Apps sends) is accepted. The scan
 * is linear in the length of the value.
 *
 * @throws {ForwardedCertificateError} `xfcc_syntax`.
 * @see {@link https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert | Envoy: x-forwarded-client-cert}
 */
export function parseXfcc(text: string): XfccElement[] {
  const elements: XfccElement[] = [];
  let pairs: XfccPair[] = [];
  let position = 0;
  for (;;) {
    KEY.lastIndex = position;
    const key = KEY.exec(text);
    if (key === null) {
      if (pairs.length > 0 && /^[ \t]*$/.test(text.slice(position))) break;
      throw syntax(pairs.length === 0 ? 'empty element or missing key' : 'missing "key="');
    }
    position = KEY.lastIndex;
    const quoted = text.charAt(position) === '"';
    const [value, end] = quoted ? readQuoted(text, position) : readUnquoted(text, position);
    const name = (key[1] as string).toLowerCase();
    pairs.push(quoted ? { key: name, value, quoted } : { key: name, value });
    position = end;
    while (text.charAt(position) === ' ' || text.charAt(position) === '\t') position++;
    if (position >= text.length) break;
    const separator = text.charAt(position++);
    if (separator === ',') {
      elements.push(pairs);
      pairs = [];
    } else if (separator !== ';') {
      throw syntax('expected ";" or "," after a quoted value');
    }
  }
  elements.push(pairs);
  return elements;
}
