/**
 * Metric attribute sets built once and reused: `instrumentMtls()` looks them up by their
 * values on every event instead of building an attribute object per call, and keeps its
 * counters in them (reported by observable counters on collection).
 *
 * @packageDocumentation
 */
import type { Attributes } from '@opentelemetry/api';

/** One attribute set, and the running sum of a counter over it. */
export interface Series {
  readonly attributes: Readonly<Attributes>;
  value: number;
}

/** The attribute the OpenTelemetry SDK gives the series past its cardinality limit. */
export const OVERFLOW_ATTRIBUTES: Readonly<Attributes> = Object.freeze({
  'otel.metric.overflow': true,
});

/**
 * Attribute sets of up to three attributes, by value (an empty value leaves its attribute
 * out). Bounded: past `maxSeries` sets, every new combination shares one overflow set, as the
 * SDK does past its cardinality limit.
 */
export class AttributeSets {
  readonly #names: readonly [string, string, string?];
  readonly #maxSeries: number;
  readonly #sets = new Map<string, Map<string, Map<string, Series>>>();
  readonly #all: Series[] = [];
  #overflow: Series | undefined;

  constructor(names: readonly [string, string, string?], maxSeries: number) {
    this.#names = names;
    this.#maxSeries = maxSeries;
  }

  /** The series of the values `a`, `b` and `c` (`c` only when there is a third name). */
  get(a: string, b: string, c = ''): Series {
    let byB = this.#sets.get(a);
    if (byB === undefined) {
      byB = new Map();
      this.#sets.set(a, byB);
    }
    let byC = byB.get(b);
    if (byC === undefined) {
      byC = new Map();
      byB.set(b, byC);
    }
    return byC.get(c) ?? this.#add(byC, [a, b, c]);
  }

  /** Every series, in the order of their first use. */
  series(): readonly Series[] {
    return this.#overflow === undefined ? this.#all : [...this.#all, this.#overflow];
  }

  #add(byC: Map<string, Series>, values: readonly [string, string, string]): Series {
    if (this.#all.length >= this.#maxSeries) {
      this.#overflow ??= { attributes: OVERFLOW_ATTRIBUTES, value: 0 };
      return this.#overflow;
    }
    const attributes: Attributes = {};
    this.#names.forEach((name, i) => {
      const value = values[i] as string;
      if (name !== undefined && value !== '') attributes[name] = value;
    });
    const series: Series = { attributes: Object.freeze(attributes), value: 0 };
    byC.set(values[2], series);
    this.#all.push(series);
    return series;
  }
}
