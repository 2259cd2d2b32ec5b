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

/** Every built-in format by name. */
export const FORMATS: Readonly<Record<BuiltInFormat, FormatCodec>> = Object.freeze({
  nginx: nginxFormat,
  pem: pemFormat,
  'der-base64': derBase64Format,
  rfc9440: rfc9440Format,
  xfcc: xfccFormat,
  'aws-alb': awsAlbFormat,
  traefik: traefikFormat,
});

/** The names of the built-in formats, in documentation order. */
export const FORMAT_NAMES = Object.freeze(Object.keys(FORMATS)) as readonly BuiltInFormat[];
