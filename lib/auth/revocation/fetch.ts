/**
 * The default revocation fetcher (the library's one bounded HTTP client), and the guard every
 * fetcher runs under: a deadline that also bounds a custom fetcher ignoring its signal, and a
 * size limit. Every failure is an {@link HttpClientError}: the checker counts it as an outage.
 *
 * @packageDocumentation
 */
import { fetchBounded, HttpClientError } from '../../internal/http-client';
import type { RevocationFetcher, RevocationFetchRequest } from './types';

/**
 * Downloads `request.url` with node:http(s): `GET` or `POST`, no redirects, 2xx only, at most
 * `maxBytes`, aborted by `signal`.
 */
export const defaultRevocationFetcher: RevocationFetcher = async (request) =>
  (
    await fetchBounded({
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      maxBytes: request.maxBytes,
    })
  ).body;

/**
 * Runs `fetcher` with a deadline of `timeoutMs` (the signal is aborted, and the call is
 * abandoned even if the fetcher ignores it) and checks the size of what it returns.
 *
 * @throws {HttpClientError} for every failure, a custom fetcher's own errors included
 *   (as `network`).
 */
export async function guardedFetch(
  fetcher: RevocationFetcher,
  request: Omit<RevocationFetchRequest, 'signal'>,
  timeoutMs: number,
): Promise<Uint8Array> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      const detail = `no answer within ${timeoutMs} ms`;
      const message = `no answer from ${request.url} within ${timeoutMs} ms`;
      reject(new HttpClientError('timeout', detail, { message }));
    }, timeoutMs);
  });
  try {
    const body = await Promise.race([
      Promise.resolve().then(() => fetcher({ ...request, signal: controller.signal })),
      deadline,
    ]);
    if (!(body instanceof Uint8Array)) {
      throw new HttpClientError('network', 'the fetcher did not return bytes');
    }
    if (body.length > request.maxBytes) {
      throw new HttpClientError('too_large', `response larger than ${request.maxBytes} bytes`);
    }
    return body;
  } catch (error) {
    if (error instanceof HttpClientError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new HttpClientError('network', detail, {
      message: `fetching ${request.url} failed: ${detail}`,
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}
