import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  context,
  createNoopMeter,
  metrics,
  trace,
  TraceFlags,
  type MeterProvider,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Request } from 'express';
import { instrumentMtls, METRIC_NAMES } from '../../lib';
import {
  DECISION_CHANNEL,
  DIAGNOSTICS_CHANNELS,
  decisionClock,
  publishCache,
  publishDecision,
  traceDependency,
  UNTIMED,
  type Decision,
} from '../../lib/diagnostics';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { AttributeSets, OVERFLOW_ATTRIBUTES } from '../../lib/observability/attribute-sets';
import { ExpiryWindow } from '../../lib/observability/expiry-window';
import { testSdk } from './otel';

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

afterAll(() => {
  context.disable();
});

describe('ExpiryWindow', () => {
  it('answers the soonest notAfter among certificates seen within the window', () => {
    const window = new ExpiryWindow(1000, 10);
    expect(window.soonest(0)).toBeUndefined();
    window.see('a', 5000, 0);
    window.see('b', 3000, 100);
    window.see('c', 9000, 200);
    expect(window.soonest(200)).toBe(3000);
    expect(window.soonest(1050)).toBe(3000);
    expect(window.soonest(1150)).toBe(9000);
    window.see('c', 9000, 1500);
    expect(window.soonest(2100)).toBe(9000);
    expect(window.soonest(2600)).toBeUndefined();
  });

  it('forgets the least recently seen certificate past maxEntries', () => {
    const window = new ExpiryWindow(10_000, 2);
    window.see('a', 1000, 0);
    window.see('b', 2000, 1);
    window.see('a', 1000, 2);
    window.see('c', 3000, 3);
    expect(window.soonest(4)).toBe(1000);
    window.see('d', 4000, 5);
    expect(window.soonest(6)).toBe(3000);
  });
});

describe('AttributeSets', () => {
  it('builds each attribute set once, leaves out empty values, and overflows past maxSeries', () => {
    const sets = new AttributeSets(['a', 'b', 'c'], 2);
    const first = sets.get('x', 'y', 'z');
    first.value++;
    expect(sets.get('x', 'y', 'z')).toBe(first);
    expect(sets.get('x', 'y').attributes).toEqual({ a: 'x', b: 'y' });
    const overflow = sets.get('x', 'y', 'other');
    expect(overflow.attributes).toBe(OVERFLOW_ATTRIBUTES);
    expect(sets.get('q', 'r', 's')).toBe(overflow);
    expect(sets.series().map((series) => [series.attributes, series.value])).toEqual([
      [{ a: 'x', b: 'y', c: 'z' }, 1],
      [{ a: 'x', b: 'y' }, 0],
      [{ 'otel.metric.overflow': true }, 0],
    ]);
    expect(Object.isFrozen(first.attributes)).toBe(true);
  });
});

describe('instrumentMtls() without @opentelemetry/api', () => {
  it('throws ERR_MTLS_MISCONFIGURED with the install command', () => {
    jest.isolateModules(() => {
      jest.doMock('@opentelemetry/api', () => {
        throw new Error("Cannot find module '@opentelemetry/api'");
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const isolated = require('../../lib') as typeof import('../../lib');
      let caught: unknown;
      try {
        isolated.instrumentMtls();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(isolated.MisconfiguredError);
      expect(caught).toMatchObject({
        code: 'ERR_MTLS_MISCONFIGURED',
        message: expect.stringContaining('npm install @opentelemetry/api'),
        cause: expect.objectContaining({ message: "Cannot find module '@opentelemetry/api'" }),
      });
    });
    jest.dontMock('@opentelemetry/api');
  });

  it('the middlewares load without it', () => {
    jest.isolateModules(() => {
      jest.doMock('@opentelemetry/api', () => {
        throw new Error('must not be loaded');
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const isolated = require('../../lib') as typeof import('../../lib');
      expect(typeof isolated.requireCertificateBoundToken).toBe('function');
      expect(() =>
        isolated.clientCertificate({ format: 'nginx', trustProxy: 'loopback' }),
      ).not.toThrow();
    });
    jest.dontMock('@opentelemetry/api');
  });
});

describe('decision and dependency events, seen by instrumentMtls()', () => {
  const request = { headers: {} } as unknown as Request;

  function decision(overrides: Partial<Decision>): Decision {
    return {
      middleware: 'requireClientCertificate',
      outcome: 'accepted',
      code: undefined,
      reason: undefined,
      request,
      certificate: undefined,
      authenticated: false,
      clientId: undefined,
      subject: undefined,
      startTime: performance.now(),
      durationMs: 0.5,
      warm: undefined,
      ...overrides,
    };
  }

  it('a certificate whose names or dates cannot be decoded: hash only, no expiry, no crash', async () => {
    const sdk = testSdk();
    const instrumentation = instrumentMtls({
      meterProvider: sdk.meterProvider,
      tracerProvider: sdk.tracerProvider,
    });
    const broken = {
      thumbprint: 'g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw',
      get subject(): string {
        throw new Error('undecodable');
      },
      get notAfter(): Date {
        throw new Error('undecodable');
      },
    };
    try {
      sdk.inRequest(() => {
        channel(DECISION_CHANNEL).publish(
          decision({ certificate: broken as never, authenticated: true }),
        );
      });
    } finally {
      instrumentation.disable();
    }
    const [span] = sdk.spans('express_mtls requireClientCertificate');
    expect(span?.attributes['tls.client.hash.sha256']).toBe(
      '83C51F5506A15B3E569A3B74A30DA97F3931C4B96D1C112353AB8FCBDD7729FC',
    );
    expect(span?.attributes).not.toHaveProperty('tls.client.subject');
    expect(await sdk.points(METRIC_NAMES.soonestExpiry)).toEqual([]);
    await sdk.shutdown();
  });

  it('a reason outside the literal shape is counted as "other" (bounded cardinality)', async () => {
    const sdk = testSdk();
    const instrumentation = instrumentMtls({
      meterProvider: sdk.meterProvider,
      tracerProvider: sdk.tracerProvider,
    });
    try {
      sdk.inRequest(() => {
        channel(DECISION_CHANNEL).publish(
          decision({ outcome: 'rejected', reason: 'chain:expired' }),
        );
        channel(DECISION_CHANNEL).publish(
          decision({ outcome: 'rejected', reason: 'x'.repeat(65) }),
        );
        channel(DECISION_CHANNEL).publish(decision({ outcome: 'rejected', reason: 'a b\n' }));
      });
    } finally {
      instrumentation.disable();
    }
    const reasons = (await sdk.points(METRIC_NAMES.decisions)).map((p) => [
      p.attributes['express_mtls.reason'],
      p.value,
    ]);
    expect(reasons).toEqual([
      ['chain:expired', 1],
      ['other', 2],
    ]);
    expect(
      sdk
        .spans('express_mtls requireClientCertificate')
        .map((s) => s.attributes['express_mtls.reason']),
    ).toEqual(['chain:expired', `${'x'.repeat(64)}...`, 'a b\\u000a']);
    await sdk.shutdown();
  });

  it('publishDecision() classifies a foreign error as outcome error, and builds nothing without subscribers', () => {
    const seen: Decision[] = [];
    const listener = (message: unknown): void => {
      seen.push(message as Decision);
    };
    publishDecision('requireScopes', request, 0, { error: new Error('boom') });
    subscribe(DECISION_CHANNEL, listener);
    try {
      publishDecision('requireScopes', request, performance.now(), { error: new Error('boom') });
      publishDecision('requireScopes', request, performance.now(), {
        error: { status: 403, code: 7, reason: 'r' },
      });
    } finally {
      unsubscribe(DECISION_CHANNEL, listener);
    }
    expect(seen.map((d) => [d.outcome, d.code, d.reason])).toEqual([
      ['error', undefined, undefined],
      ['rejected', undefined, 'r'],
    ]);
  });

  it('traceDependency(): a plain call without subscribers; a synchronous throw is an error with subscribers', async () => {
    expect(await traceDependency('crl', () => Promise.resolve(1))).toBe(1);
    const sdk = testSdk();
    const instrumentation = instrumentMtls({
      meterProvider: sdk.meterProvider,
      tracerProvider: sdk.tracerProvider,
    });
    try {
      expect(() =>
        traceDependency('ocsp', () => {
          throw new RangeError('sync');
        }),
      ).toThrow('sync');
      await expect(
        traceDependency('ocsp', () => Promise.reject(new Error('async'))),
      ).rejects.toThrow('async');
      expect(await traceDependency('crl', () => Promise.resolve('ok'))).toBe('ok');
      expect(
        await traceDependency(
          'crl',
          () => Promise.resolve('ok'),
          () => false,
        ),
      ).toBe('ok');
    } finally {
      instrumentation.disable();
    }
    expect(
      await sdk.count(METRIC_NAMES.dependencyCalls, {
        'express_mtls.dependency': 'ocsp',
        'express_mtls.outcome': 'error',
      }),
    ).toBe(2);
    expect(
      await sdk.count(METRIC_NAMES.dependencyCalls, {
        'express_mtls.dependency': 'crl',
        'express_mtls.outcome': 'ok',
      }),
    ).toBe(2);
    expect(
      sdk
        .spans('express_mtls.dependency ocsp')
        .map((s) => s.attributes['error.type'])
        .sort(),
    ).toEqual(['Error', 'RangeError']);
    await sdk.shutdown();
  });

  it('a call that started before instrumentMtls() is not recorded when it ends', async () => {
    const sdk = testSdk();
    const first = instrumentMtls({ meterProvider: testSdk().meterProvider, traces: false });
    let finish: (value: number) => void = () => undefined;
    const pending = traceDependency(
      'jwks',
      () => new Promise<number>((resolve) => (finish = resolve)),
    );
    const instrumentation = instrumentMtls({
      meterProvider: sdk.meterProvider,
      tracerProvider: sdk.tracerProvider,
    });
    finish(5);
    expect(await pending).toBe(5);
    instrumentation.disable();
    first.disable();
    expect(await sdk.count(METRIC_NAMES.dependencyCalls, {})).toBe(0);
    await sdk.shutdown();
  });

  it('metrics: false still traces dependency calls', async () => {
    const sdk = testSdk();
    const instrumentation = instrumentMtls({
      meterProvider: sdk.meterProvider,
      tracerProvider: sdk.tracerProvider,
      metrics: false,
    });
    try {
      expect(await traceDependency('crl', () => Promise.resolve(3))).toBe(3);
    } finally {
      instrumentation.disable();
    }
    expect(sdk.spans('express_mtls.dependency crl').map((s) => s.attributes)).toEqual([
      { 'express_mtls.dependency': 'crl', 'express_mtls.outcome': 'ok' },
    ]);
    expect(await sdk.count(METRIC_NAMES.dependencyCalls, {})).toBe(0);
    await sdk.shutdown();
  });
});

describe('cost: nothing is done that nobody records', () => {
  const request = { headers: {} } as unknown as Request;
  const noopMeterProvider: MeterProvider = { getMeter: () => createNoopMeter() };
  const subscribed = (): boolean[] =>
    [DECISION_CHANNEL, DIAGNOSTICS_CHANNELS.cache, 'tracing:express-mtls:dependency:start'].map(
      (name) => channel(name).hasSubscribers,
    );

  it('with no provider registered, instrumentMtls() subscribes to nothing and no clock is read', () => {
    expect(decisionClock()).toBe(UNTIMED);
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const global = instrumentMtls();
    try {
      expect(subscribed()).toEqual([false, false, false]);
      expect(decisionClock()).toBe(UNTIMED);
      expect(emitWarning).toHaveBeenCalledWith(expect.any(String), {
        type: 'ExpressMtlsWarning',
        code: 'MTLS_OTEL_NO_PROVIDER',
      });
    } finally {
      emitWarning.mockRestore();
      global.disable();
    }
    const explicit = instrumentMtls({
      meterProvider: noopMeterProvider,
      tracerProvider: trace.getTracerProvider(),
    });
    expect(subscribed()).toEqual([false, false, false]);
    explicit.disable();
  });

  it('with audit and no provider, only the audit subscribes (records keep a 0 ms duration when untimed)', () => {
    const records: unknown[] = [];
    const instrumentation = instrumentMtls({ audit: { sink: (record) => records.push(record) } });
    try {
      expect(channel(DIAGNOSTICS_CHANNELS.cache).hasSubscribers).toBe(false);
      publishDecision('requireScopes', request, UNTIMED, { error: { status: 403, code: 'X' } });
    } finally {
      instrumentation.disable();
    }
    expect(records).toEqual([
      expect.objectContaining({ middleware: 'requireScopes', outcome: 'rejected', durationMs: 0 }),
    ]);
  });

  it('a provider registered globally is used (behind the API proxy), metrics only when traces: false', async () => {
    const sdk = testSdk();
    metrics.setGlobalMeterProvider(sdk.meterProvider);
    trace.setGlobalTracerProvider(sdk.tracerProvider);
    const instrumentation = instrumentMtls({ traces: false });
    try {
      expect(subscribed()).toEqual([true, true, true]);
      expect(decisionClock()).toBeGreaterThan(0);
      sdk.inRequest(() => {
        publishCache('token', true);
        publishDecision('requireScopes', request, decisionClock(), {});
      });
    } finally {
      instrumentation.disable();
      metrics.disable();
      trace.disable();
    }
    expect(
      await sdk.count(METRIC_NAMES.decisions, { 'express_mtls.middleware': 'requireScopes' }),
    ).toBe(1);
    expect(await sdk.count(METRIC_NAMES.cacheLookups, { 'express_mtls.cache.result': 'hit' })).toBe(
      1,
    );
    expect(sdk.spans('express_mtls requireScopes')).toEqual([]);
    await sdk.shutdown();
  });

  it('a tracer provider only: spans, no metric instrument; no-op meter detected', async () => {
    const sdk = testSdk();
    const instrumentation = instrumentMtls({
      meterProvider: noopMeterProvider,
      tracerProvider: sdk.tracerProvider,
    });
    try {
      expect(subscribed()).toEqual([true, false, true]);
      sdk.inRequest(() => {
        publishDecision('requireScopes', request, decisionClock(), {});
      });
    } finally {
      instrumentation.disable();
    }
    expect(sdk.spans('express_mtls requireScopes')).toHaveLength(1);
    await sdk.shutdown();
  });

  it('decision spans only under a sampled request span: none at the root, none under an unsampled parent', async () => {
    const sdk = testSdk();
    const instrumentation = instrumentMtls({
      meterProvider: sdk.meterProvider,
      tracerProvider: sdk.tracerProvider,
    });
    const unsampled = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
    });
    try {
      publishDecision('requireScopes', request, decisionClock(), {});
      context.with(trace.setSpan(context.active(), unsampled), () => {
        publishDecision('requireScopes', request, decisionClock(), {});
      });
    } finally {
      instrumentation.disable();
    }
    expect(sdk.spans('express_mtls requireScopes')).toEqual([]);
    expect(await sdk.count(METRIC_NAMES.decisions, {})).toBe(2);
    await sdk.shutdown();
  });

  it('a tracer whose sampler drops the decision span: nothing built, nothing exported', async () => {
    const sdk = testSdk();
    const exporter = new InMemorySpanExporter();
    const dropping = new BasicTracerProvider({
      sampler: new AlwaysOffSampler(),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const instrumentation = instrumentMtls({
      meterProvider: noopMeterProvider,
      tracerProvider: dropping,
    });
    try {
      sdk.inRequest(() => {
        publishDecision('requireScopes', request, decisionClock(), {});
      });
    } finally {
      instrumentation.disable();
    }
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(sdk.spans('http test')).toHaveLength(1);
    await dropping.shutdown();
    await sdk.shutdown();
  });

  it('a decision started before instrumentMtls() (untimed): counted, no duration point, a span without a start time of ours', async () => {
    const sdk = testSdk();
    const instrumentation = instrumentMtls({
      meterProvider: sdk.meterProvider,
      tracerProvider: sdk.tracerProvider,
    });
    try {
      sdk.inRequest(() => {
        publishDecision('requireScopes', request, UNTIMED, {});
      });
    } finally {
      instrumentation.disable();
    }
    expect(await sdk.count(METRIC_NAMES.decisions, {})).toBe(1);
    expect(await sdk.points(METRIC_NAMES.decisionDuration)).toEqual([]);
    const [span] = sdk.spans('express_mtls requireScopes');
    expect(span?.parentSpanContext?.spanId).toBe(sdk.spans('http test')[0]?.spanContext().spanId);
    await sdk.shutdown();
  });

  it('counts outlive disable() (as synchronous counters do), and a later instrumentMtls() on the meter adds to them', async () => {
    const sdk = testSdk();
    const options = { meterProvider: sdk.meterProvider, traces: false };
    const first = instrumentMtls(options);
    publishDecision('requireScopes', request, decisionClock(), {});
    first.disable();
    publishDecision('requireScopes', request, decisionClock(), {});
    expect(await sdk.count(METRIC_NAMES.decisions, {})).toBe(1);
    const second = instrumentMtls(options);
    publishDecision('requireScopes', request, decisionClock(), {});
    second.disable();
    expect(await sdk.count(METRIC_NAMES.decisions, {})).toBe(2);
    await sdk.shutdown();
  });
});
