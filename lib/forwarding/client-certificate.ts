import type { Request, RequestHandler, Response } from 'express';
import { startDebugOutput } from '../debug';
import type { ClientCertificate } from '../certificate';
import {
  DIAGNOSTICS_CHANNELS,
  decisionClock,
  publish,
  publishCache,
  publishDecision,
} from '../diagnostics';
import { markCertificateProcessed } from '../internal/request-state';
import { warnOnce } from '../warnings';
import {
  compileClientCertificateOptions,
  type ClientCertificateOptions,
} from './client-certificate-options';
import {
  createForwardingDecision,
  startupWarnings,
  type ForwardingOutcome,
} from './forwarding-decision';
import { normalizePeerAddress } from './trust-proxy';

const CAUGHT_AS_INVALID = new Set<string>([
  'ERR_MTLS_HEADER_MALFORMED',
  'ERR_MTLS_HEADER_DUPLICATE',
  'ERR_MTLS_HEADER_TOO_LARGE',
  'ERR_MTLS_CHAIN_TOO_LONG',
]);

/** Adds `fields` to `Vary`: a plain set when there is none yet (the common case), else merged. */
function addVary(res: Response, fields: string): void {
  if (res.getHeader('Vary') === undefined) res.setHeader('Vary', fields);
  else res.vary(fields);
}

/** Emits what the decision says should be reported, and sets `Vary`. */
function report(outcome: ForwardingOutcome, res: Response): void {
  for (const { code, message, key } of outcome.warnings) warnOnce(code, message, key);
  for (const { channel, detail } of outcome.events) {
    publish(DIAGNOSTICS_CHANNELS[channel], () => detail);
  }
  if (outcome.warm !== undefined) publishCache('certificate', outcome.warm);
  if (outcome.vary !== undefined) addVary(res, outcome.vary);
}

/**
 * Reads the client certificate into `req.clientCert`: from a header set by a trusted
 * TLS-terminating proxy (`format`), or from Node's own TLS socket (`source: 'tls'`). Leaves
 * `req.clientCert` undefined when no certificate was presented; it never authenticates anyone
 * by itself (mount `requireClientCertificate()` or `requireCertificateBoundToken()` after it).
 *
 * Trust: the header is honoured only when the immediate TCP peer (`req.socket.remoteAddress`,
 * never `X-Forwarded-For`) is a trusted proxy (`trustProxy`, default: the app's `trust proxy`
 * setting, unless that trusts every peer: `true`, a hop count, or a list or function that trusts
 * a whole address family); from anyone else it is ignored without being parsed. With nothing
 * trusted, no header is ever read and one warning (`MTLS_NO_TRUSTED_PROXY`) is emitted at the
 * first request; with a setting or `trustProxy` function that trusts every peer, likewise
 * (`MTLS_TRUST_PROXY_TOO_BROAD`).
 *
 * Failures go to `next(err)`: `400 ERR_MTLS_HEADER_MALFORMED` (with a precise `reason`),
 * `400 ERR_MTLS_HEADER_DUPLICATE`, `431 ERR_MTLS_HEADER_TOO_LARGE`, `400 ERR_MTLS_CHAIN_TOO_LONG`
 * — or, with `onInvalid: 'ignore'`, no certificate. Diagnostics events: `certificateAccepted`,
 * `certificateIgnored`, `certificateRejected`. The decision itself is
 * {@link createForwardingDecision}; this function only reads `req` and reports.
 *
 * @example
 * app.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
 *
 * @throws {TypeError} at creation, for invalid options.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440#section-4 | RFC 9440 §4} (trusted proxies only)
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-6.5 | RFC 8705 §6.5}
 */
export function clientCertificate(options?: ClientCertificateOptions): RequestHandler {
  startDebugOutput();
  const config = compileClientCertificateOptions(options);
  const decide = createForwardingDecision(config);
  for (const { code, message } of startupWarnings(config)) warnOnce(code, message);
  const custom = config.custom;

  return function clientCertificateMiddleware(req, res, next): void {
    const started = decisionClock();
    markCertificateProcessed(req);
    req.clientCert = undefined;
    const app = req.app as Request['app'] | undefined;
    const peer = normalizePeerAddress(req.socket.remoteAddress);
    let outcome: ForwardingOutcome;
    try {
      outcome = decide({
        peer,
        socket: req.socket,
        app:
          app === undefined
            ? undefined
            : { fn: app.get('trust proxy fn'), setting: app.get('trust proxy') },
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        custom: () => custom?.(req),
      });
    } catch (error) {
      next(error);
      return;
    }
    report(outcome, res);
    const { result, warm } = outcome;
    if (!result.ok) {
      const { error } = result;
      const ignore = config.onInvalid === 'ignore' && CAUGHT_AS_INVALID.has(error.code);
      publishDecision('clientCertificate', req, started, {
        error,
        warm,
        outcome: ignore ? 'skipped' : undefined,
      });
      publish(DIAGNOSTICS_CHANNELS.certificateRejected, () => ({
        code: error.code,
        reason: error.reason,
        message: error.message,
        peer,
        header: config.header,
        format: config.formatName,
        action: ignore ? 'ignore' : 'error',
      }));
      next(ignore ? undefined : error);
      return;
    }
    const certificate: ClientCertificate | undefined = result.value;
    if (certificate !== undefined) {
      req.clientCert = certificate;
      publishDecision('clientCertificate', req, started, { warm });
      publish(DIAGNOSTICS_CHANNELS.certificateAccepted, () => ({
        thumbprint: certificate.thumbprint,
        source: certificate.source,
        chainLength: certificate.chain.length,
        peer,
      }));
    }
    next();
  };
}
