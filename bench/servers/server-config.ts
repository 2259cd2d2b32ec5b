/**
 * What the orchestrator tells a server process (as one JSON argument), and how the process
 * reports back: its port over IPC once it listens.
 *
 * @packageDocumentation
 */
import type { ServerKind } from '../cases';

/** A server process's configuration. */
export interface ServerConfig {
  readonly kind: ServerKind;
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  /** The client CA's root (PEM), for the full stack. */
  readonly trustAnchor: string;
  /** The client CA's intermediate (PEM): nginx forwards the leaf alone. */
  readonly intermediate: string;
  /** `redis://127.0.0.1:<port>`: the redis-server of the `dpop-redis` case. */
  readonly redisUrl?: string | undefined;
}

/** The message a server sends once it listens. */
export interface ReadyMessage {
  readonly port: number;
}

/** A server's answer to the `'stats'` message: its CPU time (µs) and requests so far. */
export interface StatsMessage {
  readonly stats: { readonly cpu: number; readonly requests: number };
}
