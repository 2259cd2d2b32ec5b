/**
 * The demo itself: a throwaway PKI, the sample token server and API behind a TLS front (the
 * sample Node TLS front, or real nginx), and a walk through the RFC 8705 flow, then the DPoP
 * flow (RFC 9449), with a transcript of every request. Everything runs on loopback, on free ports, and is torn down at the end, on
 * failure and on interruption.
 *
 * @packageDocumentation
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClientCertificate,
  DIAGNOSTICS_CHANNELS,
  encodeForwardedCertificate,
  type BuiltInFormat,
} from '../../lib';
import { createApi } from '../../samples/api/api';
import { createTlsFront, type TlsFront } from '../../samples/tls-front/tls-front';
import { createTokenServer } from '../../samples/token-server/token-server';
import { send, type DemoResponse } from './client';
import { createDemoDpopClient } from './dpop-client';
import { findNginx, nginxDir, startNginx } from './nginx';
import { createDemoPki, type DemoPki } from './pki';
import { Transcript, type TranscriptSink } from './transcript';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** The TLS front: the sample Node front (default) or real nginx. */
  readonly proxy?: 'node' | 'nginx' | undefined;
  /** How the Node front forwards certificates. Default `'rfc9440'`; nginx always uses `'nginx'`. */
  readonly format?: BuiltInFormat | undefined;
  /** Where the transcript goes. */
  readonly out: TranscriptSink;
  /** Colour the transcript. Default: `false`. */
  readonly color?: boolean | undefined;
  /** After the steps, keep everything running until `signal` aborts. Default: `false`. */
  readonly keep?: boolean | undefined;
  /** Aborting it (Ctrl-C) stops the demo and cleans up. */
  readonly signal?: AbortSignal | undefined;
  /** The openssl binary. Default: `openssl` on the `PATH`. */
  readonly openssl?: string | undefined;
  /** For tests: replace a sample's factory (to prove that a misbehaving app fails a step). */
  readonly factories?:
    | {
        readonly tokenServer?: typeof createTokenServer | undefined;
        readonly api?: typeof createApi | undefined;
      }
    | undefined;
}

/** What happened. */
export interface DemoResult {
  /** 0: every step as expected; 1: a step failed; 2: setup failed; 130: interrupted. */
  readonly exitCode: 0 | 1 | 2 | 130;
  /** The temp dir used (removed by now), if one was made. */
  readonly tempDir: string | undefined;
  /** The title of the step that failed. */
  readonly failedStep?: string | undefined;
  /** Process ids of the child processes that stayed up (nginx), all stopped by now. */
  readonly pids: readonly number[];
}

/** A step's outcome differed from the expected one. */
class StepFailure extends Error {
  override readonly name = 'StepFailure';
}

/** The demo was interrupted. */
class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

interface Step {
  readonly title: string;
  run(): Promise<void>;
}

/** What the demo's apps published on the diagnostics channels during the current step. */
interface Events {
  token: Record<string, unknown>[];
  oauthClient: Record<string, unknown>[];
  ignored: Record<string, unknown>[];
  warning: Record<string, unknown>[];
}

const PAYMENTS_CLIENT = 'payments-app';
const REPORTING_CLIENT = 'reporting-app';

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}

function decodeSegment(segment: string | undefined): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const name of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}

function summary(res: DemoResponse): string {
  const body = res.text.length > 160 ? `${res.text.slice(0, 157)}...` : res.text;
  return `${res.status} ${body}`;
}

/**
 * Runs the demo and resolves with its outcome; never rejects. Writes the transcript to
 * `options.out`.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const proxy = options.proxy ?? 'node';
  const format: BuiltInFormat = proxy === 'nginx' ? 'nginx' : (options.format ?? 'rfc9440');
  const t = new Transcript(options.out, options.color ?? false);
  const signal = options.signal;
  const cleanups: { label: string; run: () => Promise<void> }[] = [];
  const pids: number[] = [];
  let tempDir: string | undefined;
  let exitCode: DemoResult['exitCode'] = 0;
  let failedStep: string | undefined;
  const events: Events = { token: [], oauthClient: [], ignored: [], warning: [] };
  const collect =
    (list: keyof Events) =>
    (message: unknown): void => {
      events[list].push(message as Record<string, unknown>);
    };
  const listeners = [
    [DIAGNOSTICS_CHANNELS.token, collect('token')],
    [DIAGNOSTICS_CHANNELS.oauthClient, collect('oauthClient')],
    [DIAGNOSTICS_CHANNELS.certificateIgnored, collect('ignored')],
    [DIAGNOSTICS_CHANNELS.warning, collect('warning')],
  ] as const;
  for (const [name, listener] of listeners) subscribe(name, listener);
  // The app's configuration warnings belong to the transcript (the forged-header step shows the
  // one it triggers), not to stderr; other process warnings are printed as usual.
  const printers = process.listeners('warning');
  const onWarning = (warning: Error): void => {
    if (warning.name === 'ExpressMtlsWarning') return;
    for (const print of printers) print(warning);
  };
  process.removeAllListeners('warning');
  process.on('warning', onWarning);
  const checkInterrupted = (): void => {
    if (signal?.aborted === true) throw new Interrupted('interrupted');
  };

  const front =
    proxy === 'nginx' ? 'nginx (samples/nginx/express-mtls.conf)' : 'the Node TLS front';
  t.title(`express-mtls demo: certificate-bound access tokens (RFC 8705) behind ${front}`);
  let steps: Step[] = [];
  try {
    t.heading('Setup');
    tempDir = await mkdtemp(join(tmpdir(), 'express-mtls-demo-'));
    const dir = tempDir;
    cleanups.push({
      label: `removed ${dir}`,
      run: () => rm(dir, { recursive: true, force: true }),
    });
    const pki: DemoPki = await createDemoPki(dir, options.openssl);
    checkInterrupted();
    t.detail(`made by ${pki.opensslVersion} in ${dir}`, 'PKI');
    t.detail(
      'root CA → intermediate CA → client-a, client-b, server (localhost, mtls.localhost, 127.0.0.1)',
      '',
    );
    t.detail(`${pki.clientA.subject}  x5t#S256 ${pki.clientA.thumbprint}`, 'client-a');
    t.detail(`${pki.clientB.subject}  x5t#S256 ${pki.clientB.thumbprint}`, 'client-b');

    const asServer = createServer();
    const apiServer = createServer();
    cleanups.push({
      label: 'stopped the token server and the API',
      run: async () => {
        await Promise.all([close(asServer), close(apiServer)]);
      },
    });
    const asPort = await listen(asServer);
    const apiPort = await listen(apiServer);

    let asMain: number;
    let asMtls: number;
    let apiMtls: number;
    if (proxy === 'nginx') {
      const binary = findNginx();
      if (binary === undefined) {
        throw new Error(
          'nginx is not installed (Debian: apt-get install nginx); run `npm run demo` without --proxy for the Node TLS front',
        );
      }
      const started: { stop(): Promise<void> }[] = [];
      cleanups.push({
        label: 'stopped nginx',
        run: async () => {
          await Promise.all(started.map((p) => p.stop()));
        },
      });
      const asNginx = await startNginx(
        binary,
        nginxDir(dir, 'token-server'),
        `127.0.0.1:${asPort}`,
        pki.serverChainFile,
        pki.server.keyFile,
      );
      started.push(asNginx.process);
      pids.push(asNginx.process.pid);
      const apiNginx = await startNginx(
        binary,
        nginxDir(dir, 'api'),
        `127.0.0.1:${apiPort}`,
        pki.serverChainFile,
        pki.server.keyFile,
      );
      started.push(apiNginx.process);
      pids.push(apiNginx.process.pid);
      asMain = asNginx.mainPort;
      asMtls = asNginx.mtlsPort;
      apiMtls = apiNginx.mtlsPort;
      t.detail(`pids ${pids.join(', ')} (${binary})`, 'nginx');
    } else {
      const fronts: TlsFront[] = [];
      cleanups.push({
        label: 'stopped the TLS fronts',
        run: async () => {
          await Promise.all(fronts.map((f) => f.close()));
        },
      });
      const common = { key: pki.server.key, cert: pki.serverChain, ca: pki.root.pem, format };
      const asFront = createTlsFront({ ...common, upstream: `http://127.0.0.1:${asPort}` });
      fronts.push(asFront);
      const apiFront = createTlsFront({ ...common, upstream: `http://127.0.0.1:${apiPort}` });
      fronts.push(apiFront);
      const loopback = { host: '127.0.0.1', port: 0 };
      const asAddresses = await asFront.listen({ main: loopback, mtls: loopback });
      const apiAddresses = await apiFront.listen({ mtls: loopback });
      asMain = (asAddresses.main as AddressInfo).port;
      asMtls = (asAddresses.mtls as AddressInfo).port;
      apiMtls = (apiAddresses.mtls as AddressInfo).port;
    }

    const issuer = `https://localhost:${asMain}`;
    const mtlsBaseUrl = `https://mtls.localhost:${asMtls}`;
    const apiBase = `https://mtls.localhost:${apiMtls}`;
    const audience = `${apiBase}/`;
    const certificate = { format, trustProxy: '127.0.0.1' } as const;
    const jwksAgent = new Agent({ ca: pki.root.pem, family: 4 });
    cleanups.push({
      label: 'closed the JWKS connections',
      run: async () => {
        jwksAgent.destroy();
      },
    });
    const tokenServerFactory = options.factories?.tokenServer ?? createTokenServer;
    const apiFactory = options.factories?.api ?? createApi;
    asServer.on(
      'request',
      tokenServerFactory({
        issuer,
        mtlsBaseUrl,
        audience,
        signingKey: pki.signingKey,
        trustAnchors: [pki.root.pem],
        intermediates: [pki.intermediate.pem],
        clients: [
          {
            client_id: PAYMENTS_CLIENT,
            token_endpoint_auth_method: 'tls_client_auth',
            tls_client_auth_subject_dn: pki.clientA.subject,
            scope: 'payments:read payments:write',
          },
          {
            client_id: REPORTING_CLIENT,
            token_endpoint_auth_method: 'tls_client_auth',
            tls_client_auth_san_dns: 'client-b.demo.test',
            scope: 'payments:read',
          },
        ],
        certificate,
      }),
    );
    apiServer.on(
      'request',
      apiFactory({
        issuer,
        audience,
        jwksUri: `${issuer}/jwks`,
        jwksOptions: { agent: jwksAgent },
        certificate,
        dpop: { publicUrl: apiBase },
      }),
    );
    t.detail(
      `http://127.0.0.1:${asPort}  behind  ${issuer} (main host)  and  ${mtlsBaseUrl} (mTLS host)`,
      'token server',
    );
    t.detail(`http://127.0.0.1:${apiPort}  behind  ${apiBase} (mTLS host)`, 'API');
    t.detail(
      `the front forwards the certificate in the "${format}" format; the apps trust that header from 127.0.0.1 only`,
      '',
    );

    const ca = pki.root.pem;
    const clientA = { cert: pki.clientAChain, key: pki.clientA.key };
    const clientB = { cert: pki.clientB.pem, key: pki.clientB.key };
    let tokenEndpoint = `${mtlsBaseUrl}/token`;
    let accessToken = '';
    const request = (
      description: string,
      req: Parameters<typeof send>[0],
    ): Promise<DemoResponse> => {
      t.detail(`${req.method ?? 'GET'} ${req.url}  ${description}`.trimEnd(), 'request');
      return send({ ca, ...req, ...(signal === undefined ? {} : { signal }) });
    };
    const expectStatus = (res: DemoResponse, status: number): void => {
      t.detail(summary(res), 'response');
      if (res.status !== status) {
        throw new StepFailure(`expected HTTP ${status}, got ${summary(res)}`);
      }
    };
    const expectRefusedToken = (res: DemoResponse, reason: string): void => {
      expectStatus(res, 401);
      const challenge = res.headers['www-authenticate'] ?? '';
      t.detail(challenge, 'challenge');
      const event = events.token.at(-1);
      const seen = field(event, 'reason');
      t.detail(`express-mtls:token → reason ${String(seen)}`, 'diagnostics');
      if (!challenge.includes('error="invalid_token"') || seen !== reason) {
        throw new StepFailure(
          `expected invalid_token (${reason}), got challenge ${JSON.stringify(challenge)} and reason ${String(seen)}`,
        );
      }
    };
    const payments = (
      label: string,
      who: { cert?: string; key?: string },
      headers: Record<string, string> = {},
    ): Promise<DemoResponse> =>
      request(label, {
        url: `${apiBase}/payments`,
        headers: { authorization: `Bearer ${accessToken}`, ...headers },
        ...who,
      });
    const forged = encodeForwardedCertificate(ClientCertificate.from(pki.clientA.pem), format);
    const dpopClient = createDemoDpopClient(pki.dpopKey);
    const thief = createDemoDpopClient(pki.dpopOtherKey);
    const paymentsUrl = `${apiBase}/payments`;
    let dpopToken = '';
    let lastProof = '';
    /** Prints status, error code and reason of a DPoP refusal, and checks them. */
    const expectDpopRefusal = (
      res: DemoResponse,
      code: string,
      reason: string,
      scheme: 'DPoP' | 'Bearer',
    ): void => {
      expectStatus(res, 401);
      const challenge = res.headers['www-authenticate'] ?? '';
      t.detail(challenge, 'challenge');
      const event = events.token.at(-1);
      const seen = `${res.status} ${String(field(event, 'code'))} (${String(field(event, 'reason'))})`;
      t.detail(`express-mtls:token → ${seen}`, 'diagnostics');
      const error = code === 'ERR_MTLS_INVALID_DPOP_PROOF' ? 'invalid_dpop_proof' : 'invalid_token';
      if (
        field(event, 'code') !== code ||
        field(event, 'reason') !== reason ||
        !challenge
          .split(/, (?=(?:Bearer|DPoP) )/)
          .some((part) => part.startsWith(`${scheme} `) && part.includes(`error="${error}"`))
      ) {
        throw new StepFailure(
          `expected 401 ${code} (${reason}) with a ${scheme} error="${error}" challenge, got ${seen} and ${JSON.stringify(challenge)}`,
        );
      }
    };
    const dpopPayments = (label: string, headers: Record<string, string>): Promise<DemoResponse> =>
      request(label, { url: paymentsUrl, headers });

    steps = [
      {
        title: 'Discovery on the main host, which never asks for a client certificate',
        run: async () => {
          const res = await request('', {
            url: `${issuer}/.well-known/oauth-authorization-server`,
          });
          expectStatus(res, 200);
          const alias = field(res.json, 'mtls_endpoint_aliases', 'token_endpoint');
          t.detail(String(alias), 'mTLS alias');
          if (alias !== `${mtlsBaseUrl}/token`) {
            throw new StepFailure(
              `expected mtls_endpoint_aliases.token_endpoint ${mtlsBaseUrl}/token`,
            );
          }
          tokenEndpoint = alias;
          t.pass('the token endpoint for mTLS clients is on the mTLS host (RFC 8705 §5)');
        },
      },
      {
        title: `Token request over mTLS with client-a's certificate (${PAYMENTS_CLIENT}, tls_client_auth)`,
        run: async () => {
          const res = await request('(client-a)', {
            method: 'POST',
            url: tokenEndpoint,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: `grant_type=client_credentials&client_id=${PAYMENTS_CLIENT}&scope=payments%3Aread`,
            ...clientA,
          });
          expectStatus(res, 200);
          accessToken = String(field(res.json, 'access_token'));
          const [header, payload] = accessToken.split('.');
          const claims = decodeSegment(payload);
          t.detail(JSON.stringify(decodeSegment(header)), 'JWT header');
          t.detail(JSON.stringify(claims.cnf), 'cnf');
          t.detail(`${pki.clientA.thumbprint} (client-a, from openssl)`, 'expected');
          if (field(claims, 'cnf', 'x5t#S256') !== pki.clientA.thumbprint) {
            throw new StepFailure(`cnf["x5t#S256"] is not client-a's thumbprint`);
          }
          t.pass(`bound token: cnf["x5t#S256"] is client-a's certificate thumbprint`);
        },
      },
      {
        title: 'Token request without a client certificate',
        run: async () => {
          const res = await request('(no client certificate)', {
            method: 'POST',
            url: tokenEndpoint,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: `grant_type=client_credentials&client_id=${PAYMENTS_CLIENT}`,
          });
          expectStatus(res, 401);
          const reason = field(events.oauthClient.at(-1), 'reason');
          t.detail(`express-mtls:oauth-client → reason ${String(reason)}`, 'diagnostics');
          if (field(res.json, 'error') !== 'invalid_client' || reason !== 'certificate_missing') {
            throw new StepFailure('expected invalid_client (certificate_missing)');
          }
          t.pass('refused: 401 invalid_client (certificate_missing)');
        },
      },
      {
        title: "API call with the token and client-a's certificate",
        run: async () => {
          const res = await payments('(client-a)', clientA);
          expectStatus(res, 200);
          if (field(res.json, 'bound_to') !== pki.clientA.thumbprint) {
            throw new StepFailure("expected bound_to to be client-a's thumbprint");
          }
          t.pass('accepted: 200, the token is bound to the certificate presented');
        },
      },
      {
        title: "The same token with client-b's certificate (a stolen token)",
        run: async () => {
          expectRefusedToken(await payments('(client-b)', clientB), 'binding_mismatch');
          t.pass('refused: 401 invalid_token (binding_mismatch)');
        },
      },
      {
        title: 'The same token without a client certificate',
        run: async () => {
          expectRefusedToken(await payments('(no client certificate)', {}), 'certificate_missing');
          t.pass('refused: 401 invalid_token (certificate_missing)');
        },
      },
      {
        title: `A forged certificate header sent through the ${proxy === 'nginx' ? 'nginx' : 'Node'} front`,
        run: async () => {
          t.detail(
            `${Object.keys(forged).join(', ')} = client-a's certificate, sent by the client`,
            'forged',
          );
          expectRefusedToken(
            await payments('(no client certificate, forged header)', {}, forged),
            'certificate_missing',
          );
          t.pass('the front removed it: 401 invalid_token (certificate_missing)');
        },
      },
      {
        title:
          'A forged certificate header straight to the API port, from 127.0.0.2 (not a trusted proxy)',
        run: async () => {
          t.detail(`${Object.keys(forged).join(', ')} = client-a's certificate`, 'forged');
          const res = await request('(from 127.0.0.2)', {
            url: `http://127.0.0.1:${apiPort}/payments`,
            localAddress: '127.0.0.2',
            headers: { authorization: `Bearer ${accessToken}`, ...forged },
          });
          expectRefusedToken(res, 'certificate_missing');
          const ignored = field(events.ignored.at(-1), 'reason');
          t.detail(`express-mtls:certificate:ignored → reason ${String(ignored)}`, 'diagnostics');
          const warned = events.warning.find((w) => w.code === 'MTLS_UNTRUSTED_PEER');
          if (warned !== undefined) {
            t.detail(
              'express-mtls:warning → MTLS_UNTRUSTED_PEER (once per process)',
              'diagnostics',
            );
          }
          if (ignored !== 'untrusted_peer') {
            throw new StepFailure(
              `expected the header to be ignored as untrusted_peer, got ${String(ignored)}`,
            );
          }
          t.pass('ignored (untrusted peer): 401 invalid_token (certificate_missing), not 200');
        },
      },
      {
        title: `DPoP: token request over mTLS with a DPoP proof (${PAYMENTS_CLIENT})`,
        run: async () => {
          const res = await request('(client-a, DPoP proof of the client key)', {
            method: 'POST',
            url: tokenEndpoint,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              dpop: dpopClient.proof('POST', tokenEndpoint),
            },
            body: `grant_type=client_credentials&client_id=${PAYMENTS_CLIENT}&scope=payments%3Aread`,
            ...clientA,
          });
          expectStatus(res, 200);
          dpopToken = String(field(res.json, 'access_token'));
          const claims = decodeSegment(dpopToken.split('.')[1]);
          t.detail(String(field(res.json, 'token_type')), 'token_type');
          t.detail(JSON.stringify(claims.cnf), 'cnf');
          t.detail(`${dpopClient.jkt} (RFC 7638 thumbprint of the client's key)`, 'expected');
          if (
            field(claims, 'cnf', 'jkt') !== dpopClient.jkt ||
            field(res.json, 'token_type') !== 'DPoP'
          ) {
            throw new StepFailure("expected a DPoP token with cnf.jkt of the client's key");
          }
          t.pass("DPoP-bound token: cnf.jkt is the thumbprint of the client's key (RFC 9449 §6)");
        },
      },
      {
        title: 'DPoP: API call with the token and a fresh proof (no client certificate)',
        run: async () => {
          lastProof = dpopClient.proof('GET', paymentsUrl, dpopToken);
          const res = await dpopPayments('(DPoP proof, no certificate)', {
            authorization: `DPoP ${dpopToken}`,
            dpop: lastProof,
          });
          expectStatus(res, 200);
          if (
            field(res.json, 'binding') !== 'dpop' ||
            field(res.json, 'bound_to') !== dpopClient.jkt
          ) {
            throw new StepFailure("expected binding dpop, bound to the client's key");
          }
          t.pass(
            'accepted: 200, binding dpop, the proof is signed by the key the token is bound to',
          );
        },
      },
      {
        title: 'DPoP: the same request replayed (a captured proof)',
        run: async () => {
          const res = await dpopPayments('(the same proof again)', {
            authorization: `DPoP ${dpopToken}`,
            dpop: lastProof,
          });
          expectDpopRefusal(res, 'ERR_MTLS_INVALID_DPOP_PROOF', 'replayed', 'DPoP');
          t.pass('refused: 401 ERR_MTLS_INVALID_DPOP_PROOF (replayed): its jti was seen');
        },
      },
      {
        title: 'DPoP: the token with a proof by another key (a stolen token)',
        run: async () => {
          const res = await dpopPayments("(the thief's proof)", {
            authorization: `DPoP ${dpopToken}`,
            dpop: thief.proof('GET', paymentsUrl, dpopToken),
          });
          expectDpopRefusal(res, 'ERR_MTLS_INVALID_DPOP_PROOF', 'key_mismatch', 'DPoP');
          t.pass('refused: 401 ERR_MTLS_INVALID_DPOP_PROOF (key_mismatch)');
        },
      },
      {
        title: 'DPoP: the DPoP-bound token sent as a Bearer token',
        run: async () => {
          const res = await dpopPayments('(Authorization: Bearer, with a proof)', {
            authorization: `Bearer ${dpopToken}`,
            dpop: dpopClient.proof('GET', paymentsUrl, dpopToken),
          });
          expectDpopRefusal(res, 'ERR_MTLS_INVALID_TOKEN', 'scheme_mismatch', 'Bearer');
          t.pass('refused: 401 ERR_MTLS_INVALID_TOKEN (scheme_mismatch), RFC 9449 §7.2');
        },
      },
    ];

    for (const [index, step] of steps.entries()) {
      checkInterrupted();
      t.step(index + 1, steps.length, step.title);
      events.token = [];
      events.oauthClient = [];
      events.ignored = [];
      try {
        await step.run();
      } catch (error) {
        checkInterrupted();
        failedStep = step.title;
        const message = error instanceof Error ? error.message : String(error);
        t.fail(message);
        throw new StepFailure(
          `step ${index + 1}/${steps.length} "${step.title}" failed: ${message}`,
        );
      }
    }
    t.heading(t.paint('green', `✓ All ${steps.length} steps behaved as expected.`));

    if (options.keep === true && signal !== undefined) {
      t.heading('Still running, try it yourself:');
      t.plain(`  TOKEN=${accessToken}`);
      t.plain(
        `  curl --cacert ${pki.root.certFile} --cert ${pki.clientA.certFile} --key ${pki.clientA.keyFile} ` +
          `--resolve mtls.localhost:${apiMtls}:127.0.0.1 -H "Authorization: Bearer $TOKEN" ${apiBase}/payments`,
      );
      t.plain('Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => {
          resolve();
        });
      });
    }
  } catch (error) {
    if (error instanceof StepFailure) {
      exitCode = 1;
      t.heading(t.paint('red', `✗ Demo failed: ${error.message}`));
    } else if (error instanceof Interrupted || signal?.aborted === true) {
      exitCode = 130;
      t.heading(t.paint('yellow', 'Interrupted.'));
    } else {
      exitCode = 2;
      const message = error instanceof Error ? error.message : String(error);
      t.heading(t.paint('red', `✗ Demo setup failed: ${message}`));
    }
  } finally {
    for (const [name, listener] of listeners) unsubscribe(name, listener);
    process.off('warning', onWarning);
    for (const print of printers) process.on('warning', print);
    const done: string[] = [];
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup.run();
        done.push(cleanup.label);
      } catch (error) {
        t.warn(`cleanup failed (${cleanup.label}): ${(error as Error).message}`);
      }
    }
    if (done.length > 0) t.plain(t.paint('dim', `Cleaned up: ${done.join('; ')}.`));
  }
  return { exitCode, tempDir, failedStep, pids };
}
