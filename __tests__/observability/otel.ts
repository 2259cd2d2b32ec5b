import { context, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** A reader that collects on demand (cumulative). */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {
    // nothing buffered
  }
  protected override async onShutdown(): Promise<void> {
    // nothing to release
  }
}

/** A real OpenTelemetry SDK (metrics and traces) with in-memory exporters. */
export interface TestSdk {
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: BasicTracerProvider;
  readonly exporter: InMemorySpanExporter;
  metrics(): Promise<MetricData[]>;
  points(name: string): Promise<DataPoint<unknown>[]>;
  /** The sum of the counter `name` over points whose attributes include `attributes`. */
  count(name: string, attributes: Record<string, string>): Promise<number>;
  spans(name?: string): ReadableSpan[];
  /**
   * Runs `fn` inside a sampled request span (`http test`), as an HTTP server instrumentation
   * does (needs a global context manager).
   */
  inRequest<T>(fn: () => T): T;
  shutdown(): Promise<void>;
}

export function testSdk(): TestSdk {
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const metrics = async (): Promise<MetricData[]> => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  };
  const points = async (name: string): Promise<DataPoint<unknown>[]> =>
    (await metrics())
      .filter((m) => m.descriptor.name === name)
      .flatMap((m) => m.dataPoints as DataPoint<unknown>[]);
  return {
    meterProvider,
    tracerProvider,
    exporter,
    metrics,
    points,
    async count(name, attributes) {
      let total = 0;
      for (const point of await points(name)) {
        const matches = Object.entries(attributes).every(
          ([key, value]) => point.attributes[key] === value,
        );
        if (matches) total += point.value as number;
      }
      return total;
    },
    spans: (name) =>
      exporter.getFinishedSpans().filter((span) => name === undefined || span.name === name),
    inRequest(fn) {
      const span = tracerProvider.getTracer('test-http').startSpan('http test');
      try {
        return context.with(trace.setSpan(context.active(), span), fn);
      } finally {
        span.end();
      }
    },
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}
