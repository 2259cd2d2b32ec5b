/**
 * One instance of the sample API (`samples/api/`) that accepts DPoP-bound tokens as well as
 * certificate-bound ones, ready to run beside other instances behind one load balancer: proof
 * `jti`s go to a shared Redis (`redisReplayStore()`), so a proof accepted by one instance is
 * refused by every other; DPoP nonces are HMACs under a shared secret, so a nonce issued by one
 * instance is accepted by every other; and `htu` is taken from the public URL, not from each
 * instance's own address.
 *
 * A sample: in your own code import from `'express-mtls'` instead of `'../../lib'`.
 *
 * @packageDocumentation
 */
import type { Express } from 'express';
import Redis from 'ioredis';
import { redisReplayStore } from '../../lib';
import { createApi, type ApiOptions } from '../api/api';

/** Options of {@link createInstance}. */
export interface InstanceOptions extends Omit<ApiOptions, 'dpop'> {
  /** The Redis every instance shares, `redis://host:port`. Required. */
  readonly redisUrl: string;
  /** The URL clients call (the load balancer's), for the proofs' `htu`. Required. */
  readonly publicUrl: string;
  /** The DPoP nonce secrets, current first, each at least 32 bytes; shared by every instance. */
  readonly nonceSecrets: readonly string[];
}

/** A running instance's app, and how to let go of its Redis connection. */
export interface Instance {
  readonly app: Express;
  close(): Promise<void>;
}

/**
 * Creates one API instance on the shared Redis.
 *
 * @throws {TypeError} on invalid options (from the library's factories).
 */
export function createInstance(options: InstanceOptions): Instance {
  const { redisUrl, publicUrl, nonceSecrets, ...api } = options;
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  // A Redis outage answers 503 through the middleware; the client's own reports stay quiet.
  client.on('error', () => undefined);
  const app = createApi({
    ...api,
    dpop: {
      publicUrl,
      replay: redisReplayStore({ client, prefix: 'payments-api:dpop:' }),
      nonce: { secrets: nonceSecrets },
    },
  });
  return {
    app,
    close: async () => {
      await client.quit().catch(() => {
        client.disconnect();
      });
    },
  };
}
