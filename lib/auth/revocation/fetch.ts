/**
 * The default revocation fetcher (node:http / node:https, no redirects), and the guard every
 * fetcher runs under: a deadline that also bounds a custom fetcher ignoring its signal, and a
 * size limit.
 *
 * @packageDocumentation
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { RevocationFetcher, RevocationFetchRequest } from './types';

/** A revocation download failed (network, status, size, timeout). */
export class RevocationFetchError extends Error {
  override readonly name = 'RevocationFetchError';
}

/**
 * Downloads `request.url` with node:http(s): `GET` or `POST`, no redirects, 2xx only, at most
 * `maxBytes`, aborted by `signal`.
 */
export const defaultRevocationFetcher: RevocationFetcher = (request) =>
  new Promise<Uint8Array>((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      reject(new RevocationFetchError(`invalid URL ${request.url}`));
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      reject(new RevocationFetchError(`unsupported URL scheme ${url.protocol}`));
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { ...request.headers };
    if (request.body) headers['Content-Length'] = String(request.body.length);
    const req = send(
      url,
      { method: request.method, headers, signal: request.signal },
      (res: IncomingMessage) => {
        const status = res.statusCode as number;
        if (status < 200 || status > 299) {
          res.resume();
          reject(new RevocationFetchError(`HTTP ${status} from ${url.origin}`));
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (declared > request.maxBytes) {
          res.destroy();
          reject(new RevocationFetchError(`response larger than ${request.maxBytes} bytes`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > request.maxBytes) {
            res.destroy();
            reject(new RevocationFetchError(`response larger than ${request.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          resolve(Buffer.concat(chunks));
        });
        res.on('error', (error) => {
          reject(new RevocationFetchError(`download from ${url.origin} failed: ${error.message}`));
        });
      },
    );
    req.on('error', (error) => {
      reject(new RevocationFetchError(`request to ${url.origin} failed: ${error.message}`));
    });
    req.end(request.body);
  });

/**
 * Runs `fetcher` with a deadline of `timeoutMs` (the signal is aborted, and the call is
 * abandoned even if the fetcher ignores it) and checks the size of what it returns.
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
      reject(new RevocationFetchError(`no answer from ${request.url} within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const body = await Promise.race([
      Promise.resolve().then(() => fetcher({ ...request, signal: controller.signal })),
      deadline,
    ]);
    if (!(body instanceof Uint8Array))
      throw new RevocationFetchError('the fetcher did not return bytes');
    if (body.length > request.maxBytes) {
      throw new RevocationFetchError(`response larger than ${request.maxBytes} bytes`);
    }
    return body;
  } catch (error) {
    if (error instanceof RevocationFetchError) throw error;
    throw new RevocationFetchError(
      `fetching ${request.url} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}
