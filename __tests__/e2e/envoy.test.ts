import { readSample } from './harness/template';

/**
 * No Envoy binary ships with Debian, so the sample is checked statically (its XFCC output is
 * covered by the forwarding unit tests' vectors) and no YAML parser is a dependency: the lines
 * below are the ones that make it safe.
 */
describe('samples/envoy/envoy.yaml', () => {
  const yaml = readSample('envoy', 'envoy.yaml');
  const lines = yaml.split('\n');

  it('sanitizes client XFCC and sets one element about its own peer (SANITIZE_SET)', () => {
    expect(lines).toContainEqual(
      expect.stringMatching(/^\s+forward_client_cert_details: SANITIZE_SET$/),
    );
    expect(yaml).not.toMatch(/forward_client_cert_details: (FORWARD_ONLY|APPEND_FORWARD|ALWAYS)/);
  });

  it('puts only the certificate and its chain in the element (no raw URI/DNS, issue #10)', () => {
    const start = lines.findIndex((l) => l.trim() === 'set_current_client_cert_details:');
    expect(start).toBeGreaterThan(0);
    const indent = (lines[start] as string).search(/\S/);
    const block = lines
      .slice(start + 1)
      .filter((_l, i, rest) => rest.slice(0, i + 1).every((l) => l.search(/\S/) > indent))
      .map((l) => [l.search(/\S/), l.trim()]);
    expect(block).toEqual(['cert: true', 'chain: true'].map((l) => [indent + 2, l]));
    expect(yaml).not.toMatch(/^\s+(uri|dns|subject): true$/m);
  });

  it('requests a client certificate without requiring or verifying it', () => {
    expect(yaml).toContain('require_client_certificate: false');
    expect(yaml).toContain('trust_chain_verification: ACCEPT_UNTRUSTED');
    expect(yaml).toContain(
      "'@type': type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
    );
  });

  it('is block YAML indented with spaces only', () => {
    for (const line of lines) {
      expect(line).not.toMatch(/\t/);
      expect(line.search(/\S|$/) % 2).toBe(0);
    }
  });
});
