/**
 * An API behind a TLS-terminating proxy that authenticates clients by certificate and exposes
 * express-mtls metrics to Prometheus at `GET /metrics`, with the OpenTelemetry SDK and its
 * Prometheus exporter (`@opentelemetry/sdk-metrics`, `@opentelemetry/exporter-prometheus`).
 *
 * @packageDocumentation
 */
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import express, { type Express } from 'express';
import {
  clientCertificate,
  instrumentMtls,
  mtlsErrorHandler,
  requireClientCertificate,
  type BuiltInFormat,
  type MtlsInstrumentation,
} from '../../lib';

/** What the sample needs: the client CA and how the proxy forwards certificates. */
export interface PrometheusSampleOptions {
  readonly trustAnchors: readonly string[];
  readonly certificate: { readonly format: BuiltInFormat; readonly trustProxy: string[] };
}

/** The app, and what to shut down with it. */
export interface PrometheusSample {
  readonly app: Express;
  readonly instrumentation: MtlsInstrumentation;
  shutdown(): Promise<void>;
}

/** Builds the app: `GET /metrics` (Prometheus text format) and `GET /hello` (mTLS clients). */
export function createPrometheusSample(options: PrometheusSampleOptions): PrometheusSample {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const instrumentation = instrumentMtls({ meterProvider });
  const app = express();
  app.get('/metrics', (req, res) => {
    exporter.getMetricsRequestHandler(req, res);
  });
  app.use(clientCertificate(options.certificate));
  app.get(
    '/hello',
    requireClientCertificate({ trustAnchors: options.trustAnchors }),
    (req, res) => {
      res.json({ hello: req.clientCert?.subject });
    },
  );
  app.use(mtlsErrorHandler());
  return {
    app,
    instrumentation,
    async shutdown() {
      instrumentation.disable();
      await meterProvider.shutdown();
    },
  };
}
