import { pemBlockDecoder } from '../forwarded-pem';
import { certificatePemText, type FormatCodec } from './codec';
import { ESCAPED_PEM } from './nginx';

const KEPT_LITERAL = /%(?:2B|2F|3D)/g;
const ALB_LITERALS = /[+/=]/;

const decodeAlbPem = pemBlockDecoder(true);

/**
 * AWS Application Load Balancer mutual TLS: URL-encoded PEM in which `+`, `=` and `/` stay
 * literal. In passthrough mode `X-Amzn-Mtls-Clientcert` holds the whole presented chain as
 * several PEM blocks, leaf first; in verify mode `X-Amzn-Mtls-Clientcert-Leaf` holds the leaf
 * (set `header` for it). Decoded by percent-decoding only: a `+` stays a `+`.
 *
 * @see {@link https://docs.aws.amazon.com/elasticloadbalancing/latest/application/mutual-authentication.html | AWS: ALB mutual authentication}
 */
export const awsAlbFormat: FormatCodec = {
  name: 'aws-alb',
  header: 'x-amzn-mtls-clientcert',
  chain: 'same-encoding',
  hints: ['alb', 'aws'],
  detect: { rank: 3, test: (text) => ESCAPED_PEM.test(text) && ALB_LITERALS.test(text) },
  decode: decodeAlbPem,
  decodeChain: decodeAlbPem,
  encode: (certificate) => ({
    value: encodeURIComponent(certificatePemText(certificate)).replace(KEPT_LITERAL, (escape) =>
      decodeURIComponent(escape),
    ),
  }),
};
