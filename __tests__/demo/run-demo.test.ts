import { existsSync } from 'node:fs';
import express from 'express';
import { createApi } from '../../samples/api/api';
import { createTokenServer } from '../../samples/token-server/token-server';
import { runDemo, type DemoOptions, type DemoResult } from '../../scripts/demo/run-demo';
import { captureProcessWarnings, type CapturedWarnings } from '../helpers/process-warnings';

/** Runs the demo in this process and collects its transcript. */
async function run(
  options: Omit<DemoOptions, 'out'> = {},
  onLine?: (line: string) => void,
): Promise<{ result: DemoResult; text: string }> {
  const chunks: string[] = [];
  const result = await runDemo({
    ...options,
    out: {
      write: (s: string) => {
        chunks.push(s);
        onLine?.(s);
      },
    },
  });
  return { result, text: chunks.join('') };
}

/** An API that answers 200 to everything: the demo must notice. */
function acceptEverything(): express.Express {
  const app = express();
  app.use((_req, res) => {
    res.json({ bound_to: 'anything' });
  });
  return app;
}

describe('runDemo() in process', () => {
  // Alone, the demo keeps its apps' warnings off stderr with its own 'warning' listener; in Jest's
  // sandbox Node's printer is out of its reach, so the tests capture them (and assert them once).
  let warnings: CapturedWarnings;
  beforeEach(() => {
    warnings = captureProcessWarnings();
  });
  afterEach(() => {
    warnings.restore();
  });

  it('walks every step with another forwarding format (xfcc), coloured, and cleans up', async () => {
    const { result, text } = await run({ format: 'xfcc', color: true });
    expect(result).toEqual({
      exitCode: 0,
      tempDir: expect.any(String),
      failedStep: undefined,
      pids: [],
    });
    expect(existsSync(result.tempDir as string)).toBe(false);
    expect(text).toContain('the front forwards the certificate in the "xfcc" format');
    expect(text).toContain('\u001b[32m✓ refused: 401 invalid_token (binding_mismatch)\u001b[39m');
    expect(text).toContain('All 13 steps behaved as expected.');
    expect(text).toContain('express-mtls:warning → MTLS_UNTRUSTED_PEER (once per process)');
    expect(warnings.all()).toEqual([
      {
        code: 'MTLS_UNTRUSTED_PEER',
        type: 'ExpressMtlsWarning',
        message: expect.stringContaining(
          'the x-forwarded-client-cert header arrived from 127.0.0.2, which is not a trusted proxy',
        ) as string,
      },
      {
        code: 'MTLS_REPLAY_STORE_LOCAL',
        type: 'ExpressMtlsWarning',
        message: expect.stringContaining(
          'memoryReplayStore(), which protects this process only',
        ) as string,
      },
    ]);
  });

  it('fails the step whose outcome differs, names it, exits 1 and still cleans up', async () => {
    const lines: string[] = [];
    const { result, text } = await run({ factories: { api: () => acceptEverything() } }, (line) =>
      lines.push(line),
    );
    expect(result.exitCode).toBe(1);
    expect(result.failedStep).toBe("API call with the token and client-a's certificate");
    expect(text).toContain(
      `✗ Demo failed: step 4/13 "API call with the token and client-a's certificate" failed: expected bound_to to be client-a's thumbprint`,
    );
    expect(text).not.toContain('All 13 steps');
    expect(existsSync(result.tempDir as string)).toBe(false);
    expect(text).toMatch(/Cleaned up: .*stopped the TLS fronts; .*removed \/.*express-mtls-demo-/);
  });

  it('fails a refusal step that lets the request through (a front stuck on one certificate)', async () => {
    const { result, text } = await run({
      factories: {
        api: (options) => {
          let remembered: string | undefined;
          const app = express();
          app.use((req, _res, next) => {
            const forwarded = req.headers['client-cert'];
            remembered ??= typeof forwarded === 'string' ? forwarded : undefined;
            if (remembered !== undefined) req.headers['client-cert'] = remembered;
            next();
          });
          app.use(createApi(options));
          return app;
        },
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.failedStep).toBe("The same token with client-b's certificate (a stolen token)");
    expect(text).toMatch(/✗ expected HTTP 401, got 200 \{"client_id":"payments-app"/);
  });

  it('fails the replay step when the API forgets proofs (a replay store that says every jti is new)', async () => {
    const { result, text } = await run({
      factories: {
        api: (options) =>
          createApi({
            ...options,
            dpop: { ...options.dpop, replay: { add: () => Promise.resolve(true) } },
          }),
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.failedStep).toBe('DPoP: the same request replayed (a captured proof)');
    expect(text).toMatch(
      /✗ expected HTTP 401, got 200 \{"client_id":"payments-app","binding":"dpop"/,
    );
  });

  it('fails the DPoP token step when the token server ignores the proof (a certificate-bound token)', async () => {
    const { result, text } = await run({
      factories: {
        tokenServer: (options) => {
          const app = express();
          app.use((req, _res, next) => {
            const others = Object.fromEntries(
              Object.entries(req.headersDistinct).filter(([name]) => name !== 'dpop'),
            );
            Object.defineProperty(req, 'headersDistinct', { value: others });
            next();
          });
          return createTokenServer(options, app);
        },
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.failedStep).toBe(
      'DPoP: token request over mTLS with a DPoP proof (payments-app)',
    );
    expect(text).toContain("✗ expected a DPoP token with cnf.jkt of the client's key");
  });

  it('fails the Bearer step when the API lets a DPoP-bound token through as Bearer', async () => {
    const { result, text } = await run({
      factories: {
        api: (options) => {
          const app = express();
          app.use((req, res, next) => {
            if (req.headers.authorization?.startsWith('Bearer ') === true && req.headers.dpop) {
              res.json({ accepted: true });
              return;
            }
            next();
          });
          return createApi(options, app);
        },
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.failedStep).toBe('DPoP: the DPoP-bound token sent as a Bearer token');
    expect(text).toContain('✗ expected HTTP 401, got 200 {"accepted":true}');
  });

  it('reports a setup failure (no openssl) with exit status 2, and removes the temp dir', async () => {
    const { result, text } = await run({ openssl: '/nonexistent/openssl' });
    expect(result.exitCode).toBe(2);
    expect(text).toContain('✗ Demo setup failed: the openssl command was not found');
    expect(existsSync(result.tempDir as string)).toBe(false);
  });

  it('stops with exit status 130 when interrupted, and cleans up', async () => {
    const controller = new AbortController();
    controller.abort();
    const { result, text } = await run({ signal: controller.signal });
    expect(result.exitCode).toBe(130);
    expect(text).toContain('Interrupted.');
    expect(text).not.toContain('[1/13]');
    expect(existsSync(result.tempDir as string)).toBe(false);
  });

  it('--keep: stays up after the steps until the signal, then cleans up and exits 0', async () => {
    const controller = new AbortController();
    let apiUrl: string | undefined;
    const { result, text } = await run({ keep: true, signal: controller.signal }, (line) => {
      apiUrl ??= /(https:\/\/mtls\.localhost:\d+)\/payments/.exec(line)?.[1];
      if (line.startsWith('Press Ctrl-C')) controller.abort();
    });
    expect(result.exitCode).toBe(0);
    expect(text).toMatch(/TOKEN=ey[\w-]+\.[\w-]+\.[\w-]+\n/);
    expect(text).toContain('curl --cacert');
    expect(apiUrl).toBeDefined();
    expect(existsSync(result.tempDir as string)).toBe(false);
  });
});
