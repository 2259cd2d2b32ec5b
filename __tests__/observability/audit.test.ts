import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import express, { type Express, type Request } from 'express';
import request from 'supertest';
import {
  auditMtls,
  DIAGNOSTICS_CHANNELS,
  instrumentMtls,
  type AuditRecord,
  type MtlsSubscription,
} from '../../lib';
import { mtlsErrorHandler } from '../../lib/error-handler';
import { clientCertificate } from '../../lib/forwarding/client-certificate';
import { requireClientCertificate } from '../../lib/auth/require-client-certificate';
import { mtlsClientAuthentication } from '../../lib/auth/mtls-client-authentication';
import { auditRecord } from '../../lib/audit-record';
import { pem, X5T_S256 } from '../helpers/fixtures';

const CLIENT_A_SUBJECT = 'CN=client-a,OU=Payments,O=express-mtls tests,C=US';

function header(name: 'client-a' | 'self-signed'): string {
  return encodeURIComponent(
    name === 'self-signed' ? pem(name) : pem(name) + pem('intermediate-ca'),
  );
}

function app(): Express {
  const a = express();
  a.use(express.urlencoded({ extended: false }));
  a.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
  a.get('/client', requireClientCertificate({ trustAnchors: [pem('root-ca')] }), (_req, res) => {
    res.send('ok');
  });
  a.post(
    '/token',
    mtlsClientAuthentication({ getClient: () => undefined, trustAnchors: [pem('root-ca')] }),
    (_req, res) => {
      res.send('ok');
    },
  );
  a.use(mtlsErrorHandler());
  return a;
}

const running: MtlsSubscription[] = [];
function track(subscription: MtlsSubscription): void {
  running.push(subscription);
}
afterEach(() => {
  for (const subscription of running.splice(0)) subscription.disable();
});

describe('auditMtls()', () => {
  it('hands one record per decision: who, what, outcome, reason, request id', async () => {
    const records: AuditRecord[] = [];
    track(auditMtls({ sink: (record) => records.push(record) }));
    await request(app())
      .get('/client')
      .set('X-SSL-CERT', header('client-a'))
      .set('X-Request-Id', 'req-1')
      .expect(200);
    await request(app()).get('/client').set('X-SSL-CERT', header('self-signed')).expect(403);
    expect(records).toHaveLength(2);
    expect(records[0]).toEqual({
      version: 1,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      requestId: 'req-1',
      middleware: 'requireClientCertificate',
      outcome: 'accepted',
      thumbprint: X5T_S256['client-a'],
      subject: CLIENT_A_SUBJECT,
      issuer: 'CN=Test Intermediate CA,O=express-mtls tests,C=US',
      durationMs: expect.any(Number),
    });
    expect(records[1]).toMatchObject({
      middleware: 'requireClientCertificate',
      outcome: 'rejected',
      code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED',
      reason: 'self_signed_not_allowed',
      thumbprint: X5T_S256['self-signed'],
    });
    expect(records[1]).not.toHaveProperty('requestId');
  });

  it('sanitises what the client controls: a hostile request id and client_id', async () => {
    const records: AuditRecord[] = [];
    track(auditMtls({ sink: (record) => records.push(record) }));
    const hostileId = `evil\u0007id\\${'x'.repeat(400)}`;
    await request(app())
      .post('/token')
      .set('X-SSL-CERT', header('client-a'))
      .set('X-Request-Id', 'r\tq')
      .type('form')
      .send({ client_id: hostileId })
      .expect(401);
    const [record] = records;
    expect(record).toMatchObject({
      middleware: 'mtlsClientAuthentication',
      outcome: 'rejected',
      reason: 'unknown_client',
      requestId: 'r\\u0009q',
    });
    expect(record?.clientId?.startsWith('evil\\u0007id\\\\xxx')).toBe(true);
    expect(record?.clientId).toHaveLength(256 + 3);
    expect(record?.clientId?.endsWith('...')).toBe(true);
  });

  it('takes the request id from the requestId option', async () => {
    const records: AuditRecord[] = [];
    track(
      auditMtls({
        sink: (record) => records.push(record),
        requestId: (req: Request) => req.get('traceparent'),
      }),
    );
    await request(app()).get('/client').set('traceparent', 'tp-1').expect(401);
    expect(records).toEqual([
      expect.objectContaining({
        requestId: 'tp-1',
        outcome: 'rejected',
        code: 'ERR_MTLS_CERTIFICATE_REQUIRED',
      }),
    ]);
  });

  it('a sink or requestId that throws never breaks the request; one warning', async () => {
    const warnings: unknown[] = [];
    const onWarning = (message: unknown): void => {
      warnings.push(message);
    };
    subscribe(DIAGNOSTICS_CHANNELS.warning, onWarning);
    const printed = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const audit = auditMtls({
      sink: () => {
        throw new Error('sink down');
      },
      requestId: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw 'not an error';
      },
    });
    try {
      await request(app()).get('/client').set('X-SSL-CERT', header('client-a')).expect(200);
      await request(app()).get('/client').set('X-SSL-CERT', header('client-a')).expect(200);
    } finally {
      audit.disable();
      unsubscribe(DIAGNOSTICS_CHANNELS.warning, onWarning);
      expect(printed.mock.calls.map((call: unknown[]) => call[1])).toEqual([
        { type: 'ExpressMtlsWarning', code: 'MTLS_AUDIT_SINK_FAILED' },
      ]);
      printed.mockRestore();
    }
    expect(warnings).toEqual([
      {
        code: 'MTLS_AUDIT_SINK_FAILED',
        message: 'auditMtls(): the requestId function threw (string); audit records may be lost.',
        url: 'docs/errors.md#mtls_audit_sink_failed',
      },
    ]);
  });

  it('a sink that throws an Error: named in the one warning', async () => {
    const warnings: unknown[] = [];
    const onWarning = (message: unknown): void => {
      warnings.push(message);
    };
    subscribe(DIAGNOSTICS_CHANNELS.warning, onWarning);
    const printed = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    track(
      auditMtls({
        sink: () => {
          throw new RangeError('full');
        },
      }),
    );
    try {
      await request(app()).get('/client').expect(401);
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.warning, onWarning);
      expect(printed.mock.calls.map((call: unknown[]) => call[1])).toEqual([
        { type: 'ExpressMtlsWarning', code: 'MTLS_AUDIT_SINK_FAILED' },
      ]);
      printed.mockRestore();
    }
    expect(warnings).toEqual([
      expect.objectContaining({ message: expect.stringContaining('the sink threw (RangeError)') }),
    ]);
  });

  it('a certificate whose names cannot be decoded keeps its thumbprint only', () => {
    const certificate = {
      thumbprint: X5T_S256['client-a'],
      get subject(): string {
        throw new Error('undecodable');
      },
      get issuer(): string {
        throw new Error('undecodable');
      },
    };
    const record = auditRecord(
      {
        middleware: 'requireClientCertificate',
        outcome: 'rejected',
        code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED',
        reason: 'bad_signature',
        request: { headers: {} } as unknown as Request,
        certificate: certificate as never,
        authenticated: false,
        clientId: undefined,
        subject: undefined,
        startTime: 0,
        durationMs: 1.23456,
        warm: undefined,
      },
      7,
    );
    expect(record).toEqual({
      version: 1,
      time: expect.any(String),
      middleware: 'requireClientCertificate',
      outcome: 'rejected',
      code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED',
      reason: 'bad_signature',
      thumbprint: X5T_S256['client-a'],
      durationMs: 1.235,
    });
  });

  it('records clientCertificate() refusals, not its routine reads', async () => {
    const records: AuditRecord[] = [];
    track(auditMtls({ sink: (record) => records.push(record) }));
    await request(app()).get('/client').set('X-SSL-CERT', 'garbage').expect(400);
    expect(records).toEqual([
      expect.objectContaining({
        middleware: 'clientCertificate',
        outcome: 'rejected',
        reason: 'pem',
      }),
    ]);
  });

  it('is an option of instrumentMtls(), stopped with it', async () => {
    const records: AuditRecord[] = [];
    const instrumentation = instrumentMtls({ audit: { sink: (record) => records.push(record) } });
    await request(app()).get('/client').expect(401);
    instrumentation.disable();
    await request(app()).get('/client').expect(401);
    expect(records).toHaveLength(1);
  });

  const noop = (): undefined => undefined;
  it.each<[unknown, RegExp]>([
    [undefined, /"sink" is required/],
    [{}, /"sink" is required/],
    [{ sink: 'log' }, /"sink" is required/],
    [{ sink: noop, requestId: 'x-request-id' }, /"requestId" must be a function/],
    [{ sink: noop, requestID: noop }, /requestID/],
  ])('refuses %j with a TypeError', (options, message) => {
    expect(() => auditMtls(options as never)).toThrow(TypeError);
    expect(() => auditMtls(options as never)).toThrow(message);
  });
});

describe('the express-mtls:audit channel', () => {
  it('publishes the same records without auditMtls(), request id from X-Request-Id', async () => {
    const records: unknown[] = [];
    const listener = (message: unknown): void => {
      records.push(message);
    };
    subscribe(DIAGNOSTICS_CHANNELS.audit, listener);
    try {
      await request(app())
        .get('/client')
        .set('X-SSL-CERT', header('client-a'))
        .set('X-Request-Id', 'abc')
        .expect(200);
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.audit, listener);
    }
    expect(records).toEqual([
      expect.objectContaining({
        requestId: 'abc',
        middleware: 'requireClientCertificate',
        outcome: 'accepted',
        thumbprint: X5T_S256['client-a'],
      }),
    ]);
  });
});
