/**
 * Replays the committed corpus (`__tests__/fixtures/corpus/manifest.json`, made by
 * `make-corpus.py`): malformed and hostile certificates in every forwarding format, hostile header
 * values, duplicated and oversized headers, headers from an untrusted peer, and raw bytes Node's
 * parser must refuse. Each entry is sent over real HTTP to the full client-authentication stack —
 * `clientCertificate({ format, trustProxy: '127.0.0.1' })` then `requireClientCertificate({
 * trustAnchors })` — on Express 4 and 5, and its expected status, `code` and `reason` (and the
 * thumbprint, when accepted) are checked. Nothing in a response may echo the header.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorRequestHandler, Express } from 'express';
import {
  clientCertificate,
  mtlsErrorHandler,
  requireClientCertificate,
  type BuiltInFormat,
  type MtlsError,
} from '../../lib';
import { chainPem } from '../auth/chain/chain-fixtures';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { pem } from '../helpers/fixtures';
import { keepAliveAgent, send, sendRaw, serve, type Listening } from './helpers/http';
import { FORMAT_NAMES } from '../../lib/forwarding/formats';

/** The value of one header in the manifest: a string, several field lines, or a repetition. */
type ManifestValue = string | string[] | { repeat: string; count: number };

/** One corpus entry. */
export interface CorpusEntry {
  readonly id: string;
  readonly format: BuiltInFormat;
  readonly headers?: Readonly<Record<string, ManifestValue>>;
  readonly raw?: string;
  readonly peer?: string;
  readonly expect: {
    readonly status: number;
    readonly code?: string | null;
    readonly reason?: string;
    readonly thumbprint?: string;
  };
  readonly made: string;
}

/** The corpus, as committed. */
export const CORPUS: readonly CorpusEntry[] = (
  JSON.parse(
    readFileSync(join(__dirname, '..', 'fixtures', 'corpus', 'manifest.json'), 'utf8'),
  ) as { entries: CorpusEntry[] }
).entries;

function headerValue(value: ManifestValue): string | string[] {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  return value.repeat.repeat(value.count);
}

/** Every built-in format, from the registry: a new codec is tested here without an edit. */
const FORMATS: readonly BuiltInFormat[] = FORMAT_NAMES;

/** The full client-authentication stack, one router per format under `/<format>`. */
function corpusApp(makeApp: () => Express, errors: MtlsError[]): Express {
  const app = makeApp();
  const authenticate = requireClientCertificate({
    trustAnchors: [pem('root-ca'), chainPem('ec-root')],
  });
  for (const format of FORMATS) {
    app.get(
      `/${format}`,
      clientCertificate({ format, trustProxy: '127.0.0.1' }),
      authenticate,
      (req, res) => {
        res.json({ thumbprint: req.clientCert?.thumbprint ?? null });
      },
    );
  }
  const record: ErrorRequestHandler = (err: MtlsError, _req, _res, next) => {
    errors.push(err);
    next(err);
  };
  app.use(record, mtlsErrorHandler());
  return app;
}

test('the corpus holds every kind of entry, each with how it was made', () => {
  expect(CORPUS.length).toBeGreaterThanOrEqual(250);
  expect(new Set(CORPUS.map((entry) => entry.id)).size).toBe(CORPUS.length);
  for (const entry of CORPUS) expect(entry.made.length).toBeGreaterThan(5);
  const statuses = new Set(CORPUS.map((entry) => entry.expect.status));
  expect([...statuses].sort()).toEqual([200, 400, 401, 403, 431]);
  for (const format of FORMATS) {
    expect(CORPUS.filter((entry) => entry.format === format).length).toBeGreaterThan(30);
  }
});

// The corpus sends certificate headers from untrusted peers and in the wrong format on purpose:
// the operator warnings this triggers are captured and checked here, not printed.
let emitWarning: jest.SpyInstance;
beforeAll(() => {
  emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});
afterAll(() => {
  const codes = new Set(
    emitWarning.mock.calls.map((call: unknown[]) => (call[1] as { code?: string }).code),
  );
  emitWarning.mockRestore();
  expect(
    [...codes].filter((code) => code !== 'MTLS_UNTRUSTED_PEER' && code !== 'MTLS_FORMAT_MISMATCH'),
  ).toEqual([]);
});

describe.each(EXPRESS_VERSIONS)('corpus replay on %s', (_name, makeApp) => {
  const errors: MtlsError[] = [];
  let listening: Listening;
  const agent = keepAliveAgent();

  beforeAll(async () => {
    listening = await serve(corpusApp(makeApp, errors), { maxHeaderSize: 65536 });
  });

  afterAll(async () => {
    agent.destroy();
    await listening.close();
  });

  it.each(CORPUS.map((entry) => [entry.id, entry] as const))('%s', async (_id, entry) => {
    errors.length = 0;
    const expected = entry.expect;
    if (entry.raw !== undefined) {
      const reply = await sendRaw(listening.port, Buffer.from(entry.raw, 'latin1'));
      expect(reply.status).toBe(expected.status);
      expect(errors).toEqual([]);
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(entry.headers ?? {}).map(([name, value]) => [name, headerValue(value)]),
    );
    const reply = await send(listening.port, {
      path: `/${entry.format}`,
      headers,
      // a fresh connection for another source address; keep-alive otherwise
      ...(entry.peer === undefined ? { agent } : { localAddress: entry.peer }),
    });
    expect({ id: entry.id, status: reply.status }).toEqual({
      id: entry.id,
      status: expected.status,
    });
    if (expected.status === 200) {
      expect(reply.json).toEqual({ thumbprint: expected.thumbprint });
      expect(errors).toEqual([]);
      return;
    }
    expect(errors).toHaveLength(1);
    const error = errors[0] as MtlsError;
    expect(error.code).toBe(expected.code);
    expect(error.reason).toBe(expected.reason);
    expect(reply.json).toEqual(error.body);
    expect(error.message).not.toMatch(/[\r\n]/);
    for (const value of Object.values(headers).flat()) {
      const probe = value.slice(0, 24);
      if (probe.length >= 8) {
        expect(reply.text).not.toContain(probe);
        expect(error.message).not.toContain(probe);
      }
    }
  });
});
