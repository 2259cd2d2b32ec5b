/**
 * One header per platform we can only read about, written exactly as the vendor documents it and
 * built from the shared fixture certificates, decoded with the `format`/`header` options
 * docs/proxies/cloud.md gives. Documented, not tested against the real platforms.
 */
import express from 'express';
import request from 'supertest';
import { clientCertificate, mtlsErrorHandler, type ClientCertificateOptions } from '../../lib';
import { der, X5T_S256 } from '../helpers/fixtures';

const B64 = {
  leaf: der('client-a').toString('base64'),
  intermediate: der('intermediate-ca').toString('base64'),
};

async function decode(
  options: Omit<ClientCertificateOptions, 'trustProxy'>,
  headers: Record<string, string>,
): Promise<{ status: number; thumbprint?: string; chain?: string[]; error?: string }> {
  const app = express();
  app.use(clientCertificate({ ...options, trustProxy: 'loopback' }));
  app.get('/', (req, res) => {
    res.json({
      thumbprint: req.clientCert?.thumbprint,
      chain: req.clientCert?.chain.map((c) => c.thumbprint),
    });
  });
  app.use(mtlsErrorHandler());
  const res = await request(app).get('/').set(headers);
  return {
    status: res.status,
    ...(res.body as { thumbprint?: string; chain?: string[]; error?: string }),
  };
}

describe('vendor vectors (documented, not tested against the real platforms)', () => {
  it('Cloudflare Transform Rules: Client-Cert / Client-Cert-Chain from cert_rfc9440 / cert_chain_rfc9440', async () => {
    const result = await decode(
      { format: 'rfc9440' },
      { 'Client-Cert': `:${B64.leaf}:`, 'Client-Cert-Chain': `:${B64.intermediate}:` },
    );
    expect(result).toEqual({
      status: 200,
      thumbprint: X5T_S256['client-a'],
      chain: [X5T_S256['intermediate-ca']],
    });
  });

  it('Cloudflare: "" (no certificate, or over the 10 KiB / 16 KiB limits) is no certificate', async () => {
    expect(
      await decode({ format: 'rfc9440' }, { 'Client-Cert': '', 'Client-Cert-Chain': '' }),
    ).toEqual({ status: 200, chain: undefined, thumbprint: undefined });
  });

  it('Cloudflare: a chain without its leaf (the leaf was over 10 KiB) is refused: 400', async () => {
    const result = await decode(
      { format: 'rfc9440' },
      { 'Client-Cert': '', 'Client-Cert-Chain': `:${B64.intermediate}:` },
    );
    expect(result).toMatchObject({ status: 400, error: 'invalid_request' });
  });

  it('Cloudflare Access: Cf-Client-Cert-Der-Base64 (base64 DER)', async () => {
    const result = await decode(
      { format: 'der-base64', header: 'cf-client-cert-der-base64' },
      { 'Cf-Client-Cert-Der-Base64': B64.leaf },
    );
    expect(result).toEqual({ status: 200, thumbprint: X5T_S256['client-a'], chain: [] });
  });

  it('Azure App Service: X-ARR-ClientCert (base64 DER)', async () => {
    const result = await decode(
      { format: 'der-base64', header: 'x-arr-clientcert' },
      { 'X-ARR-ClientCert': B64.leaf },
    );
    expect(result).toEqual({ status: 200, thumbprint: X5T_S256['client-a'], chain: [] });
  });

  it('Google Cloud LB: {client_cert_leaf} / {client_cert_chain} in custom headers, verdict in {client_cert_chain_verified}', async () => {
    const options = {
      format: 'rfc9440',
      header: 'x-client-cert-leaf',
      chainHeader: 'x-client-cert-chain',
      proxyVerification: { header: 'x-client-cert-chain-verified', value: 'true' },
    } as const;
    const headers = {
      'X-Client-Cert-Present': 'true',
      'X-Client-Cert-Leaf': `:${B64.leaf}:`,
      'X-Client-Cert-Chain': `:${B64.intermediate}:`,
    };
    expect(await decode(options, { ...headers, 'X-Client-Cert-Chain-Verified': 'true' })).toEqual({
      status: 200,
      thumbprint: X5T_S256['client-a'],
      chain: [X5T_S256['intermediate-ca']],
    });
    expect(await decode(options, { ...headers, 'X-Client-Cert-Chain-Verified': 'false' })).toEqual({
      status: 200,
      chain: undefined,
      thumbprint: undefined,
    });
  });

  it('Google Cloud LB: the presence / verdict / hash headers alone carry no certificate', async () => {
    const result = await decode(
      { format: 'rfc9440', header: 'x-client-cert-leaf' },
      {
        'X-Client-Cert-Present': 'true',
        'X-Client-Cert-Chain-Verified': 'true',
        'X-Client-Cert-Hash': 'g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw',
      },
    );
    expect(result).toEqual({ status: 200, chain: undefined, thumbprint: undefined });
  });
});
