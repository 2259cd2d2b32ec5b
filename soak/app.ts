/**
 * The app under soak, run as a child process (`node --expose-gc`) so that its heap and event loop
 * are measured alone: the full stack — `clientCertificate()` + `requireClientCertificate()` +
 * `requireCertificateBoundToken()` — once per forwarding format (`/rfc9440/…` behind the Node TLS
 * front, `/nginx/…` behind nginx), trusting only 127.0.0.1. It talks to the parent over IPC:
 * `{ type: 'ready', port }` when listening; on `{ type: 'measure', phase }` it answers with its
 * heap after a full collection, event-loop delay percentiles and error counts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import express, { type ErrorRequestHandler, type Router } from 'express';
import {
  clientCertificate,
  mtlsErrorHandler,
  requireCertificateBoundToken,
  requireClientCertificate,
} from '../lib';
import { AUDIENCE, fixture, ISSUER } from './scenarios';

/** What the app reports to the parent. */
export interface AppMeasure {
  readonly type: 'measure';
  readonly phase: string;
  readonly heapUsed: number;
  readonly eventLoop: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly unhandled: number;
  readonly serverErrors: number;
  /** The express-mtls configuration warnings emitted so far (code and message), in order. */
  readonly warnings: readonly { readonly code: string; readonly message: string }[];
}

let unhandled = 0;
let serverErrors = 0;
process.on('unhandledRejection', () => {
  unhandled++;
});
process.on('uncaughtException', () => {
  unhandled++;
});

// The forged headers sent straight from 127.0.0.2 provoke MTLS_UNTRUSTED_PEER on purpose: the
// app's configuration warnings go to the parent, which checks them, not to stderr. Other process
// warnings are printed as usual.
const warnings: { code: string; message: string }[] = [];
const printers = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning: Error & { code?: string }) => {
  if (warning.name !== 'ExpressMtlsWarning') {
    for (const print of printers) print(warning);
    return;
  }
  warnings.push({ code: warning.code ?? '', message: warning.message });
});

function stack(format: 'rfc9440' | 'nginx'): Router {
  const router = express.Router();
  router.get(
    '/resource',
    clientCertificate({ format, trustProxy: '127.0.0.1' }),
    requireClientCertificate({
      trustAnchors: [fixture('pki', 'root-ca.pem')],
      // nginx forwards the leaf only ($ssl_client_escaped_cert); the Node front forwards the chain
      ...(format === 'nginx' ? { intermediates: [fixture('pki', 'intermediate-ca.pem')] } : {}),
    }),
    requireCertificateBoundToken({
      issuer: ISSUER,
      audience: AUDIENCE,
      publicKey: fixture('binding', 'rsa.pub.pem'),
    }),
    (req, res) => {
      res.json({ thumbprint: req.auth?.thumbprint, method: req.clientCertAuth?.method });
    },
  );
  return router;
}

const app = express();
app.use('/rfc9440', stack('rfc9440'));
app.use('/nginx', stack('nginx'));
const countServerErrors: ErrorRequestHandler = (err: { status?: unknown }, _req, _res, next) => {
  if (typeof err.status !== 'number' || err.status >= 500) serverErrors++;
  next(err);
};
app.use(countServerErrors, mtlsErrorHandler());

/** Sampling interval of the event-loop delay, in ms; each sample includes it, so it is subtracted. */
const RESOLUTION_MS = 1;
const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
const gc = (globalThis as { gc?: () => void }).gc;

async function settledHeap(): Promise<number> {
  if (gc === undefined) throw new Error('soak app: run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().heapUsed;
}

const server = createServer({ keepAliveTimeout: 30_000 }, app);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', port });
});

process.on('message', (message: { type: string; phase?: string }) => {
  if (message.type === 'start-monitor') {
    histogram.reset();
    histogram.enable();
    return;
  }
  if (message.type === 'measure') {
    histogram.disable();
    const ms = (ns: number): number =>
      Math.round(Math.max(0, ns / 1e6 - RESOLUTION_MS) * 100) / 100;
    const eventLoop = {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
    };
    void settledHeap().then((heapUsed) => {
      const measure: AppMeasure = {
        type: 'measure',
        phase: message.phase ?? '',
        heapUsed,
        eventLoop,
        unhandled,
        serverErrors,
        warnings,
      };
      process.send?.(measure);
    });
    return;
  }
  if (message.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
