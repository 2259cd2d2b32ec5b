import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { DiagnosticsChannelName } from '../../../lib';

/** Collects what is published on `name` until `stop()`. */
export function collect(name: DiagnosticsChannelName): {
  messages: Record<string, unknown>[];
  stop: () => void;
} {
  const messages: Record<string, unknown>[] = [];
  const listener = (message: unknown): void =>
    void messages.push(message as Record<string, unknown>);
  subscribe(name, listener);
  return { messages, stop: () => unsubscribe(name, listener) };
}
