import express from 'express';
import { send } from '../../scripts/demo/client';
import { key, pem } from '../helpers/fixtures';
import { listenHttp, listenHttps, type Listening } from '../samples/helpers';

describe('send() (the demo client)', () => {
  let https: Listening;
  let http: Listening;
  beforeAll(async () => {
    const app = express();
    app.use(express.text({ type: '*/*' }));
    app.all('/echo', (req, res) => {
      const socket = req.socket as {
        getPeerX509Certificate?: () => { fingerprint256: string } | undefined;
      };
      res.json({
        method: req.method,
        host: req.headers.host,
        body: req.body as unknown,
        peer: req.socket.remoteAddress,
        cert: socket.getPeerX509Certificate?.() === undefined ? null : 'presented',
      });
    });
    app.get('/text', (_req, res) => {
      res.type('text/plain').send('not json');
    });
    https = await listenHttps(app);
    http = await listenHttp(app);
  });
  afterAll(async () => {
    await https.close();
    await http.close();
  });

  it('connects to 127.0.0.1 with the URL’s server name and Host, and presents the certificate', async () => {
    const res = await send({
      method: 'POST',
      url: `https://mtls.localhost:${https.port}/echo`,
      ca: pem('root-ca'),
      cert: pem('client-a'),
      key: key('client-a'),
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      method: 'POST',
      host: `mtls.localhost:${https.port}`,
      body: 'hello',
      peer: '127.0.0.1',
      cert: 'presented',
    });
  });

  it('connects from another local address over plain HTTP', async () => {
    const res = await send({
      url: `http://127.0.0.1:${http.port}/echo`,
      localAddress: '127.0.0.2',
    });
    expect(res.json).toMatchObject({ method: 'GET', peer: '127.0.0.2', cert: null });
  });

  it('keeps a non-JSON body as text', async () => {
    const res = await send({ url: `http://127.0.0.1:${http.port}/text` });
    expect(res).toMatchObject({ status: 200, text: 'not json', json: undefined });
  });

  it('rejects when the server certificate is not trusted', async () => {
    await expect(send({ url: `https://localhost:${https.port}/echo` })).rejects.toThrow(
      /certificate/,
    );
  });

  it('rejects when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      send({ url: `http://127.0.0.1:${http.port}/echo`, signal: controller.signal }),
    ).rejects.toThrow(/abort/i);
  });
});
