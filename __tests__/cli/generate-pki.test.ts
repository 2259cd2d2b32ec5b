import {
  generatePki,
  isValidClientName,
  isValidHost,
  PKI_ORGANIZATION,
  plannedFiles,
} from '../../lib/cli/generate-pki';

describe('isValidClientName()', () => {
  it.each(['client', 'alice', 'bob@example.test', 'svc_1.prod-eu', 'A', 'a'.repeat(64)])(
    'accepts %j',
    (name) => {
      expect(isValidClientName(name)).toBe(true);
    },
  );
  it.each(['', '.hidden', '-x', '../x', 'a/b', 'a b', 'é', 'a'.repeat(65), 'x\n'])(
    'refuses %j',
    (name) => {
      expect(isValidClientName(name)).toBe(false);
    },
  );
});

describe('isValidHost()', () => {
  it.each([
    'localhost',
    'api.example.test',
    '*.example.test',
    'xn--bcher-kva.example',
    '127.0.0.1',
    '::1',
    '2001:db8::1',
    'a'.repeat(63),
  ])('accepts %j', (host) => {
    expect(isValidHost(host)).toBe(true);
  });
  it.each([
    '',
    'bad host',
    '-x.example',
    'x-.example',
    'a..b',
    '*',
    'a.*.b',
    'a'.repeat(64),
    `${'a.'.repeat(127)}a`,
    'fe80::1%eth0',
    '1.2.3.256',
  ])('refuses %j', (host) => {
    expect(isValidHost(host)).toBe(false);
  });
});

describe('plannedFiles()', () => {
  it('lists the CA files, three per client, then the server files', () => {
    expect(plannedFiles(['a'])).toEqual([
      'root-ca.pem',
      'root-ca.key',
      'intermediate-ca.pem',
      'intermediate-ca.key',
      'ca-chain.pem',
      'a.pem',
      'a.key',
      'a-fullchain.pem',
      'server.pem',
      'server.key',
      'server-fullchain.pem',
    ]);
  });
});

describe('generatePki()', () => {
  it('returns the planned files, the certificates by role, and the validity window', async () => {
    const now = new Date('2030-01-01T00:00:00.750Z');
    const pki = await generatePki({
      clients: ['a', 'b'],
      hosts: ['h.test'],
      days: 2,
      keyType: 'ec',
      now,
    });
    expect(pki.files.map((file) => file.name)).toEqual(plannedFiles(['a', 'b']));
    expect(pki.files.filter((file) => file.kind === 'key').map((file) => file.name)).toEqual([
      'root-ca.key',
      'intermediate-ca.key',
      'a.key',
      'b.key',
      'server.key',
    ]);
    expect(pki.notBefore.toISOString()).toBe('2029-12-31T23:55:00.000Z');
    expect(pki.notAfter.toISOString()).toBe('2030-01-03T00:00:00.000Z');
    expect(pki.keyDescription).toBe('EC P-256');
    expect(pki.certificates.map((c) => [c.name, c.role, c.certificate.subject])).toEqual([
      ['root-ca', 'root', `CN=express-mtls test root CA,O=${PKI_ORGANIZATION}`],
      [
        'intermediate-ca',
        'intermediate',
        `CN=express-mtls test intermediate CA,O=${PKI_ORGANIZATION}`,
      ],
      ['a', 'client', `CN=a,O=${PKI_ORGANIZATION}`],
      ['b', 'client', `CN=b,O=${PKI_ORGANIZATION}`],
      ['server', 'server', `CN=h.test,O=${PKI_ORGANIZATION}`],
    ]);
    expect(pki.certificates[4]!.certificate.notBefore.toISOString()).toBe(
      '2029-12-31T23:55:00.000Z',
    );
  });
});
