import { awsAlbFormat } from './aws-alb';
import type { FormatCodec } from './codec';
import { derBase64Format } from './der-base64';
import { nginxFormat } from './nginx';
import { pemFormat } from './pem';
import { rfc9440Format } from './rfc9440';
import { traefikFormat } from './traefik';
import { xfccFormat } from './xfcc';

/** The names of the built-in forwarding formats. */
export type BuiltInFormat =
  'nginx' | 'pem' | 'der-base64' | 'rfc9440' | 'xfcc' | 'aws-alb' | 'traefik';

/**
 * The registry: every built-in codec, in documentation order. Everything else — names, default
 * headers, option hints, detection, extra options — is read from the codecs themselves.
 */
const CODECS: readonly FormatCodec[] = [
  nginxFormat,
  pemFormat,
  derBase64Format,
  rfc9440Format,
  xfccFormat,
  awsAlbFormat,
  traefikFormat,
];

/** Every built-in format by name. */
export const FORMATS: Readonly<Record<BuiltInFormat, FormatCodec>> = Object.freeze(
  Object.fromEntries(CODECS.map((codec) => [codec.name, codec])) as Record<
    BuiltInFormat,
    FormatCodec
  >,
);

/** The names of the built-in formats, in documentation order. */
export const FORMAT_NAMES = Object.freeze(
  CODECS.map((codec) => codec.name),
) as readonly BuiltInFormat[];

/** The codecs in the order detection asks them (ascending `detect.rank`). */
export const DETECTION_ORDER: readonly FormatCodec[] = Object.freeze(
  [...CODECS].sort((a, b) => a.detect.rank - b.detect.rank),
);

/** Proxy names (lower case) to the format their users should pick. */
export const FORMAT_HINTS: ReadonlyMap<string, BuiltInFormat> = new Map(
  CODECS.flatMap((codec) => codec.hints.map((hint) => [hint, codec.name as BuiltInFormat])),
);

/** The names of every format-specific option, with the format each belongs to. */
export const CODEC_OPTIONS: ReadonlyMap<string, FormatCodec> = new Map(
  CODECS.flatMap((codec) => (codec.options?.names ?? []).map((name) => [name, codec])),
);
