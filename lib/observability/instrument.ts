/**
 * `instrumentMtls()`: OpenTelemetry metrics and spans for every decision, cache lookup and
 * dependency call that express-mtls publishes on `node:diagnostics_channel`. Uses
 * `@opentelemetry/api` only (an optional peer dependency, loaded by the first call); the SDK and
 * exporters are the application's.
 *
 * @packageDocumentation
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type * as OpenTelemetryApi from '@opentelemetry/api';
import {
  DECISION_CHANNEL,
  DIAGNOSTICS_CHANNELS,
  UNTIMED,
  type CacheName,
  type DependencyCall,
} from '../diagnostics';
import { MisconfiguredError } from '../errors';
import { booleanOption, checkOptions, integerOption } from '../internal/options';
import { escapeUntrusted } from '../internal/sanitize';
import { warnOnce } from '../warnings';
import { auditMtls, subscription, type AuditMtlsOptions, type MtlsSubscription } from './audit';
import { AttributeSets } from './attribute-sets';
import type { Decision, MiddlewareName } from '../decision-event';
import { ExpiryWindow } from './expiry-window';

const FACTORY = 'instrumentMtls()';

/** The instrumentation scope name of the meter and tracer. */
export const INSTRUMENTATION_NAME = 'express-mtls';

/** Names of the metrics `instrumentMtls()` records. */
export const METRIC_NAMES = Object.freeze({
  /** Counter of decisions: `express_mtls.middleware`, `express_mtls.outcome`, `express_mtls.reason`. */
  decisions: 'express_mtls.decisions',
  /** Histogram (s) of decision latency: middleware, outcome, `express_mtls.cache` (`warm`/`cold`). */
  decisionDuration: 'express_mtls.decision.duration',
  /** Counter of cache lookups: `express_mtls.cache.name`, `express_mtls.cache.result` (`hit`/`miss`). */
  cacheLookups: 'express_mtls.cache.lookups',
  /** Counter of dependency calls: `express_mtls.dependency`, `express_mtls.outcome` (`ok`/`error`). */
  dependencyCalls: 'express_mtls.dependency.calls',
  /** Histogram (s) of dependency call latency: `express_mtls.dependency`, `express_mtls.outcome`. */
  dependencyDuration: 'express_mtls.dependency.duration',
  /** Gauge (s): time left until the soonest `notAfter` of the certificates authenticated recently. */
  soonestExpiry: 'express_mtls.client_certificate.soonest_expiry',
} as const);

/** A meter provider (`MeterProvider` of `@opentelemetry/api`). */
export interface MeterProviderLike {
  /** Returns a meter. */
  getMeter(name: string, version?: string): unknown;
}

/** A tracer provider (`TracerProvider` of `@opentelemetry/api`). */
export interface TracerProviderLike {
  /** Returns a tracer. */
  getTracer(name: string, version?: string): unknown;
}

/** Options of {@link instrumentMtls}. */
export interface InstrumentMtlsOptions {
  /** Where metrics go. Default: the global provider (`metrics.getMeterProvider()`). */
  readonly meterProvider?: MeterProviderLike | undefined;
  /** Where spans go. Default: the global provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProviderLike | undefined;
  /** Record metrics. Default: `true`. */
  readonly metrics?: boolean | undefined;
  /** Record spans (decision spans only under a sampled request span). Default: `true`. */
  readonly traces?: boolean | undefined;
  /**
   * Seconds over which authenticated certificates count for the soonest-expiry gauge.
   * Default: `86400` (one day).
   */
  readonly expiryWindow?: number | undefined;
  /** Also hand audit records to a sink (the options of `auditMtls()`). Default: none. */
  readonly audit?: AuditMtlsOptions | undefined;
}

/** A running instrumentation: `disable()` (or `using`) unsubscribes everything. */
export type MtlsInstrumentation = MtlsSubscription;

type Api = typeof OpenTelemetryApi;
type Attributes = OpenTelemetryApi.Attributes;

const REASON = /^[A-Za-z0-9_:]{1,64}$/;

/** A reason as a metric attribute: a known-shaped literal, else `other` (bounded cardinality). */
function reasonAttribute(reason: string | undefined): string {
  if (reason === undefined) return 'none';
  return REASON.test(reason) ? reason : 'other';
}

let loaded: Api | undefined;

/** Loads `@opentelemetry/api` on first use, so that the middleware import path never needs it. */
function loadApi(): Api {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded ??= require('@opentelemetry/api') as Api;
  } catch (error) {
    throw new MisconfiguredError(
      `${FACTORY}: @opentelemetry/api is not installed. Install it next to your OpenTelemetry SDK: npm install @opentelemetry/api`,
      { cause: error },
    );
  }
  return loaded;
}

/** `tls.client.*` attributes by certificate (certificates are shared through the parse cache). */
const certificateAttributeCache = new WeakMap<object, Readonly<Attributes>>();

/** The `tls.client.*` span attributes of a certificate (names sanitised: the client chose them). */
function certificateAttributes(decision: Decision, attributes: Attributes): void {
  const certificate = decision.certificate;
  if (certificate === undefined) return;
  let cached = certificateAttributeCache.get(certificate);
  if (cached === undefined) {
    const computed: Attributes = {
      'tls.client.hash.sha256': Buffer.from(certificate.thumbprint, 'base64url')
        .toString('hex')
        .toUpperCase(),
    };
    try {
      computed['tls.client.subject'] = escapeUntrusted(certificate.subject);
      computed['tls.client.issuer'] = escapeUntrusted(certificate.issuer);
      computed['tls.client.not_before'] = certificate.notBefore.toISOString();
      computed['tls.client.not_after'] = certificate.notAfter.toISOString();
    } catch {
      // a certificate whose names or dates cannot be decoded keeps its hash only
    }
    cached = Object.freeze(computed);
    certificateAttributeCache.set(certificate, cached);
  }
  Object.assign(attributes, cached);
}

/** Series per metric past which new attribute sets share one overflow set (the SDK's default limit). */
const MAX_SERIES = 2000;

/** The span name of each middleware's decision. */
const SPAN_NAMES: Readonly<Record<MiddlewareName, string>> = Object.freeze({
  clientCertificate: 'express_mtls clientCertificate',
  requireClientCertificate: 'express_mtls requireClientCertificate',
  mtlsClientAuthentication: 'express_mtls mtlsClientAuthentication',
  requireCertificateBoundToken: 'express_mtls requireCertificateBoundToken',
  requireSenderConstrainedToken: 'express_mtls requireSenderConstrainedToken',
  requireScopes: 'express_mtls requireScopes',
});

/**
 * The tracer provider behind `provider` (the global one is a proxy), or `undefined` when it is
 * the API's no-op provider: nothing registered, nothing to record.
 */
function realTracerProvider(
  api: Api,
  provider: OpenTelemetryApi.TracerProvider,
): OpenTelemetryApi.TracerProvider | undefined {
  const real = provider instanceof api.ProxyTracerProvider ? provider.getDelegate() : provider;
  return real === new api.ProxyTracerProvider().getDelegate() ? undefined : real;
}

/** Subscribes `handler` to `name` until the instrumentation stops. */
function listen(stops: (() => void)[], name: string, handler: (message: unknown) => void): void {
  subscribe(name, handler);
  stops.push(() => unsubscribe(name, handler));
}

/** Registers `callback` on an observable instrument until the instrumentation stops. */
function observe(
  stops: (() => void)[],
  instrument: OpenTelemetryApi.Observable,
  callback: OpenTelemetryApi.ObservableCallback,
): void {
  instrument.addCallback(callback);
  stops.push(() => {
    instrument.removeCallback(callback);
  });
}

/** The counters of one meter, kept in process and reported by its observable counters. */
interface Counters {
  readonly decisionCounts: AttributeSets;
  readonly decisionTimings: AttributeSets;
  readonly cacheCounts: AttributeSets;
  readonly dependencyCounts: AttributeSets;
}

const countersByMeter = new WeakMap<object, Counters>();

/**
 * The counters of `meter`, created (with their observable counters) on first use. They outlive
 * `disable()`, as the sums of synchronous counters would: the counts so far stay reported, and
 * a later `instrumentMtls()` on the same meter adds to them.
 */
function counters(meter: OpenTelemetryApi.Meter): Counters {
  let found = countersByMeter.get(meter);
  if (found !== undefined) return found;
  found = {
    decisionCounts: new AttributeSets(
      ['express_mtls.middleware', 'express_mtls.outcome', 'express_mtls.reason'],
      MAX_SERIES,
    ),
    decisionTimings: new AttributeSets(
      ['express_mtls.middleware', 'express_mtls.outcome', 'express_mtls.cache'],
      MAX_SERIES,
    ),
    cacheCounts: new AttributeSets(
      ['express_mtls.cache.name', 'express_mtls.cache.result'],
      MAX_SERIES,
    ),
    dependencyCounts: new AttributeSets(
      ['express_mtls.dependency', 'express_mtls.outcome'],
      MAX_SERIES,
    ),
  };
  const reported: [string, string, AttributeSets][] = [
    [
      METRIC_NAMES.decisions,
      'Decisions of express-mtls middlewares, by middleware, outcome and reason.',
      found.decisionCounts,
    ],
    [
      METRIC_NAMES.cacheLookups,
      'Cache lookups, by cache and result (hit/miss).',
      found.cacheCounts,
    ],
    [
      METRIC_NAMES.dependencyCalls,
      'Calls to dependencies (JWKS, introspection, OCSP, CRL, client registry).',
      found.dependencyCounts,
    ],
  ];
  for (const [name, description, sets] of reported) {
    meter.createObservableCounter(name, { description }).addCallback((result) => {
      for (const series of sets.series()) result.observe(series.value, series.attributes);
    });
  }
  countersByMeter.set(meter, found);
  return found;
}

/**
 * Records OpenTelemetry metrics and spans for express-mtls, through `@opentelemetry/api`.
 * Call it once at start-up, after registering your SDK (or pass the providers): the providers
 * are looked at once, and when both are the API's no-op providers nothing is subscribed (with the
 * warning `MTLS_OTEL_NO_PROVIDER`, once).
 *
 * Metrics ({@link METRIC_NAMES}; attributes are low-cardinality — never a thumbprint, subject
 * or client id): decisions per middleware, outcome and reason; decision latency split
 * warm/cold; cache lookups by cache and result; dependency calls (JWKS, introspection, OCSP,
 * CRL, client registry, client `jwks_uri`) by outcome, with latency; and the seconds until the
 * soonest `notAfter` of the client certificates authenticated within `expiryWindow`.
 *
 * Spans: one per middleware decision, named `express_mtls <middleware>`, parented to the
 * active context (the HTTP server span of your HTTP instrumentation) and made only when that
 * holds a sampled span: no orphan root span per middleware. Decisions are observed
 * once complete, so these spans get an explicit start time (when the middleware was entered)
 * and end immediately. They carry `tls.client.hash.sha256` (uppercase hex SHA-256 of the DER),
 * `tls.client.subject`, `tls.client.issuer`, `tls.client.not_before`, `tls.client.not_after`,
 * `express_mtls.outcome`, `express_mtls.reason` and `error.type` (the `ERR_MTLS_…` code).
 * Outbound dependency calls get a `CLIENT` span each (`express_mtls.dependency <name>`),
 * started and ended around the call.
 *
 * Cost: counters are sums kept in process per attribute set (built once), reported by
 * observable counters on collection (they outlive `disable()`, as synchronous counters' sums
 * would); histograms get cached attribute objects. With no provider registered, or without
 * `instrumentMtls()`, nothing subscribes: the middlewares build no event and read no clock.
 *
 * @example
 * ```ts
 * const instrumentation = instrumentMtls({ audit: { sink: (r) => logger.info(r) } });
 * // on shutdown: instrumentation.disable();
 * ```
 * @throws {MisconfiguredError} `ERR_MTLS_MISCONFIGURED` when `@opentelemetry/api` is not installed.
 * @throws {TypeError} on invalid options.
 * @see {@link https://opentelemetry.io/docs/specs/semconv/attributes-registry/tls/ | OpenTelemetry TLS attributes}
 */
export function instrumentMtls(options?: InstrumentMtlsOptions): MtlsInstrumentation {
  const o = checkOptions(FACTORY, options, [
    'meterProvider',
    'tracerProvider',
    'metrics',
    'traces',
    'expiryWindow',
    'audit',
  ]);
  const wantMetrics = booleanOption(FACTORY, 'metrics', o.metrics, true);
  const wantTraces = booleanOption(FACTORY, 'traces', o.traces, true);
  const windowMs = integerOption(FACTORY, 'expiryWindow', o.expiryWindow, 86400, 1) * 1000;
  const api = loadApi();
  const audit = o.audit === undefined ? undefined : auditMtls(o.audit);
  const stops: (() => void)[] = [];
  if (audit !== undefined)
    stops.push(() => {
      audit.disable();
    });
  const done = (): MtlsInstrumentation =>
    subscription(() => {
      for (const stop of stops) stop();
    });

  const meter = (
    (o.meterProvider ?? api.metrics.getMeterProvider()) as OpenTelemetryApi.MeterProvider
  ).getMeter(INSTRUMENTATION_NAME);
  const tracerProvider = realTracerProvider(
    api,
    (o.tracerProvider ?? api.trace.getTracerProvider()) as OpenTelemetryApi.TracerProvider,
  );
  const withMetrics = wantMetrics && meter !== api.createNoopMeter();
  const tracer = wantTraces ? tracerProvider?.getTracer(INSTRUMENTATION_NAME) : undefined;
  if (!withMetrics && tracer === undefined) {
    if ((wantMetrics || wantTraces) && audit === undefined) {
      warnOnce(
        'MTLS_OTEL_NO_PROVIDER',
        'instrumentMtls(): no OpenTelemetry meter or tracer provider is registered, so nothing ' +
          'will be recorded (not even after an SDK registers later). Start the SDK before ' +
          'calling instrumentMtls(), or pass meterProvider / tracerProvider.',
      );
    }
    return done();
  }

  const metered = withMetrics
    ? {
        ...counters(meter),
        dependencyDuration: meter.createHistogram(METRIC_NAMES.dependencyDuration, {
          description: 'Latency of calls to dependencies.',
          unit: 's',
        }),
      }
    : undefined;

  if (metered !== undefined) {
    const { decisionCounts, decisionTimings, cacheCounts } = metered;
    const decisionDuration = meter.createHistogram(METRIC_NAMES.decisionDuration, {
      description: 'Time from entering an express-mtls middleware to its decision.',
      unit: 's',
    });
    const window = new ExpiryWindow(windowMs, 100_000);
    const soonestExpiry = meter.createObservableGauge(METRIC_NAMES.soonestExpiry, {
      description:
        'Seconds until the soonest notAfter among client certificates authenticated within the window (negative: already expired).',
      unit: 's',
    });
    observe(stops, soonestExpiry, (result) => {
      const now = Date.now();
      const soonest = window.soonest(now);
      if (soonest !== undefined) result.observe((soonest - now) / 1000);
    });
    const onCache = (message: unknown): void => {
      const { cache, hit } = message as { cache: CacheName; hit: boolean };
      cacheCounts.get(cache, hit ? 'hit' : 'miss').value += 1;
    };
    listen(stops, DIAGNOSTICS_CHANNELS.cache, onCache);
    listen(stops, DECISION_CHANNEL, (message: unknown): void => {
      const decision = message as Decision;
      const { middleware, outcome, certificate } = decision;
      decisionCounts.get(middleware, outcome, reasonAttribute(decision.reason ?? decision.code))
        .value++;
      if (decision.startTime !== UNTIMED) {
        const warm = decision.warm === undefined ? '' : decision.warm ? 'warm' : 'cold';
        decisionDuration.record(
          decision.durationMs / 1000,
          decisionTimings.get(middleware, outcome, warm).attributes,
        );
      }
      if (decision.authenticated && certificate !== undefined) {
        try {
          window.see(certificate.thumbprint, certificate.notAfter.getTime(), Date.now());
        } catch {
          // no decodable notAfter: nothing to watch
        }
      }
    });
  }

  if (tracer !== undefined) {
    listen(stops, DECISION_CHANNEL, (message: unknown): void => {
      const decision = message as Decision;
      const parentContext = api.context.active();
      const parent = api.trace.getSpanContext(parentContext);
      if (parent === undefined || (parent.traceFlags & api.TraceFlags.SAMPLED) === 0) return;
      const { middleware, outcome } = decision;
      const span = tracer.startSpan(
        SPAN_NAMES[middleware],
        decision.startTime === UNTIMED
          ? {}
          : { startTime: performance.timeOrigin + decision.startTime },
        parentContext,
      );
      if (span.isRecording()) {
        const attributes: Attributes = {
          'express_mtls.middleware': middleware,
          'express_mtls.outcome': outcome,
        };
        if (decision.reason !== undefined) {
          attributes['express_mtls.reason'] = escapeUntrusted(decision.reason, 64);
        }
        if (decision.code !== undefined) attributes['error.type'] = decision.code;
        if (decision.clientId !== undefined) {
          attributes['express_mtls.client_id'] = escapeUntrusted(decision.clientId);
        }
        certificateAttributes(decision, attributes);
        span.setAttributes(attributes);
        if (outcome === 'error') span.setStatus({ code: api.SpanStatusCode.ERROR });
      }
      span.end();
    });
  }

  const calls = new WeakMap<object, { started: number; span?: OpenTelemetryApi.Span }>();
  const settle = (call: DependencyCall): void => {
    const state = calls.get(call);
    if (state === undefined) return;
    calls.delete(call);
    const failed = call.error !== undefined || (call.failed?.(call.result) ?? false);
    const outcome = failed ? 'error' : 'ok';
    if (metered !== undefined) {
      const series = metered.dependencyCounts.get(call.dependency, outcome);
      series.value++;
      metered.dependencyDuration.record(
        (performance.now() - state.started) / 1000,
        series.attributes,
      );
    }
    const span = state.span;
    if (span !== undefined) {
      span.setAttribute('express_mtls.outcome', outcome);
      if (failed) {
        const error = call.error;
        span.setAttribute(
          'error.type',
          error instanceof Error ? escapeUntrusted(error.name, 64) : 'unavailable',
        );
        span.setStatus({ code: api.SpanStatusCode.ERROR });
      }
      span.end();
    }
  };
  const tracing = `tracing:${DIAGNOSTICS_CHANNELS.dependency}`;
  listen(stops, `${tracing}:start`, (message: unknown): void => {
    const call = message as DependencyCall;
    calls.set(call, {
      started: metered === undefined ? 0 : performance.now(),
      ...(tracer === undefined
        ? {}
        : {
            span: tracer.startSpan(
              `express_mtls.dependency ${call.dependency}`,
              {
                kind: api.SpanKind.CLIENT,
                attributes: { 'express_mtls.dependency': call.dependency },
              },
              api.context.active(),
            ),
          }),
    });
  });
  /** `end` settles only a call that threw synchronously; a promise settles on `asyncEnd`. */
  listen(stops, `${tracing}:end`, (message: unknown): void => {
    const call = message as DependencyCall;
    if (call.error !== undefined) settle(call);
  });
  listen(stops, `${tracing}:asyncEnd`, (message: unknown): void => {
    settle(message as DependencyCall);
  });
  return done();
}
