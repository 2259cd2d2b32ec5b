/**
 * The OpenTelemetry SDK of the `full-otel` case: metrics aggregated in memory (a reader that is
 * never collected, as between two scrapes) and spans batched to an exporter that drops them,
 * so that the case measures the instrumentation and the SDK, not an export.
 *
 * @packageDocumentation
 */
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { instrumentMtls, type MtlsInstrumentation } from '../../lib/index';

class IdleReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const discard: SpanExporter = {
  export(_spans, done) {
    // ExportResultCode.SUCCESS (of @opentelemetry/core, not a direct dependency)
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};

/** The SDK's providers: an idle metric reader, spans batched to an exporter that drops them. */
export interface BenchSdk {
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: BasicTracerProvider;
}

/** Makes the providers of the `full-otel` case. */
export function benchSdk(): BenchSdk {
  return {
    meterProvider: new MeterProvider({ readers: [new IdleReader()] }),
    tracerProvider: new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(discard)],
    }),
  };
}

/** Registers the SDK's providers with `instrumentMtls()` for this process. */
export function instrumentWithSdk(sdk: BenchSdk = benchSdk()): MtlsInstrumentation {
  return instrumentMtls({ meterProvider: sdk.meterProvider, tracerProvider: sdk.tracerProvider });
}
