import { ClientCertificate } from '../../../lib';
import { awsAlbFormat } from '../../../lib/forwarding/formats/aws-alb';
import { der, pem } from '../../helpers/fixtures';
import { DERIVED, reasonOf } from '../support/vectors';

const LIMITS = { maxCertificates: 10, xfccHops: 1 };
const PASSTHROUGH = DERIVED['aws-alb-passthrough-client-a-fullchain']!;
const VERIFY = DERIVED['aws-alb-verify-leaf-client-b']!;

describe('aws-alb format (X-Amzn-Mtls-Clientcert)', () => {
  it('has the conventional passthrough header', () => {
    expect(awsAlbFormat.header).toBe('x-amzn-mtls-clientcert');
  });

  it('keeps "+", "=" and "/" literal in the vector (the trap for form decoders)', () => {
    expect(PASSTHROUGH.value).toMatch(/[+]/);
    expect(PASSTHROUGH.value).toContain('-----BEGIN%20CERTIFICATE-----%0A');
  });

  it('decodes the passthrough value: the whole presented chain, leaf first', () => {
    expect(awsAlbFormat.decode(PASSTHROUGH.value, LIMITS)).toEqual([
      der('client-a'),
      der('intermediate-ca'),
    ]);
  });

  it('decodes the verify-mode leaf value', () => {
    expect(awsAlbFormat.decode(VERIFY.value, LIMITS)).toEqual([der('client-b')]);
  });

  it('decodes a chain header with the same encoding', () => {
    expect(awsAlbFormat.decodeChain?.(VERIFY.value, LIMITS)).toEqual([der('client-b')]);
  });

  it('encodes exactly the ALB form (percent-encoded, + = / literal)', () => {
    expect(awsAlbFormat.encode(ClientCertificate.from(pem('client-a-fullchain'))).value).toBe(
      PASSTHROUGH.value,
    );
    expect(awsAlbFormat.encode(ClientCertificate.from(pem('client-b'))).value).toBe(VERIFY.value);
  });

  it('refuses a value that was form-decoded on the way ("+" turned into spaces)', () => {
    expect(reasonOf(() => awsAlbFormat.decode(PASSTHROUGH.value.replace(/\+/g, ' '), LIMITS))).toBe(
      'pem',
    );
  });

  it('refuses a broken percent escape', () => {
    expect(reasonOf(() => awsAlbFormat.decode(`${VERIFY.value}%`, LIMITS))).toBe(
      'percent_encoding',
    );
  });
});
