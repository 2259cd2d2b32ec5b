import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { bodyParserRan, hasRequestBody } from '../../lib/internal/request-body';

function message(headers: Record<string, string>, extra: object = {}): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  return Object.assign(req, extra);
}

describe('hasRequestBody (RFC 9112 §6.3)', () => {
  it.each([
    [{}, false],
    [{ 'content-length': '0' }, false],
    [{ 'content-length': '1' }, true],
    [{ 'content-length': '00' }, false],
    [{ 'content-length': '10' }, true],
    [{ 'transfer-encoding': 'chunked' }, true],
    [{ 'transfer-encoding': 'chunked', 'content-length': '0' }, true],
  ])('%j → %s', (headers, expected) => {
    expect(hasRequestBody(message(headers))).toBe(expected);
  });
});

describe('bodyParserRan', () => {
  it('is true once a parser created req.body, even as undefined (body-parser 2)', () => {
    expect(bodyParserRan(message({}, { body: undefined }))).toBe(true);
    expect(bodyParserRan(message({}, { body: {} }))).toBe(true);
    expect(bodyParserRan(message({}))).toBe(false);
  });
});
