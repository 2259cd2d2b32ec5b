import { connect, type AddressInfo } from 'node:net';
import type { Express } from 'express';

/** A parsed HTTP/1.1 response: status, lower-cased header names, JSON body (or the raw text). */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/**
 * Sends `POST path` with `headers` and no body at all: neither `Content-Length` nor
 * `Transfer-Encoding` (RFC 9112 §6.3), which Node's and supertest's clients cannot do (they add
 * `Content-Length: 0`). Express 5's body parser leaves `req.body` undefined for such a request.
 */
export async function postWithoutBody(
  app: Express,
  path: string,
  headers: Readonly<Record<string, string>>,
): Promise<RawResponse> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('end', () => {
        resolve(received);
      });
      socket.on('error', reject);
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${lines.join('')}\r\n`,
      );
    });
    const split = text.indexOf('\r\n\r\n');
    const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
    const parsed: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      parsed[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const raw = text.slice(split + 4);
    let body: unknown = raw;
    if (parsed['content-type']?.startsWith('application/json')) body = JSON.parse(raw) as unknown;
    return { status: Number(statusLine.split(' ')[1]), headers: parsed, body };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
