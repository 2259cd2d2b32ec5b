import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { runDemo } from '../../scripts/demo/run-demo';
import { BROKEN_PIPE_EXIT_CODE, CRASH_EXIT_CODE, supervise } from '../../scripts/demo/supervise';

function setup() {
  const proc = new EventEmitter();
  const stream = new PassThrough();
  const written: string[] = [];
  stream.on('data', (chunk: Buffer) => written.push(chunk.toString()));
  const reports: string[] = [];
  const supervision = supervise(proc, stream, (text) => reports.push(text));
  return { proc, stream, written, reports, supervision };
}

describe('supervise(): whatever stops the demo aborts it, so that it cleans up', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'])(
    '%s aborts; the exit status stays the demo’s',
    (name) => {
      const { proc, supervision } = setup();
      expect(supervision.signal.aborted).toBe(false);
      proc.emit(name);
      proc.emit(name);
      expect(supervision.signal.aborted).toBe(true);
      expect(supervision.exitCode(130)).toBe(130);
      expect(supervision.exitCode(0)).toBe(0);
    },
  );

  it('nothing stops it: the transcript goes through and the exit status is the demo’s', async () => {
    const { written, supervision } = setup();
    supervision.out.write('line\n');
    await new Promise(setImmediate);
    expect(written).toEqual(['line\n']);
    expect(supervision.signal.aborted).toBe(false);
    expect(supervision.exitCode(1)).toBe(1);
  });

  it('a broken output stream (EPIPE) aborts, drops the rest of the transcript, and gives 141', async () => {
    const { stream, written, supervision } = setup();
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    supervision.out.write('lost\n');
    await new Promise(setImmediate);
    expect(written).toEqual([]);
    expect(supervision.signal.aborted).toBe(true);
    expect(supervision.exitCode(130)).toBe(BROKEN_PIPE_EXIT_CODE);
    expect(BROKEN_PIPE_EXIT_CODE).toBe(141);
  });

  it('an uncaught error aborts, is reported once, and gives 2', () => {
    const { proc, reports, supervision } = setup();
    proc.emit('uncaughtException', new Error('boom'));
    proc.emit('unhandledRejection', 'again');
    expect(supervision.signal.aborted).toBe(true);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^demo: uncaught Error: boom\n/);
    expect(supervision.exitCode(130)).toBe(CRASH_EXIT_CODE);
    expect(CRASH_EXIT_CODE).toBe(2);
  });

  it('an uncaught non-Error, with nowhere to report it, still aborts', () => {
    const proc = new EventEmitter();
    const supervision = supervise(proc, new PassThrough(), () => {
      throw new Error('stderr is gone too');
    });
    proc.emit('unhandledRejection', 'a string');
    expect(supervision.signal.aborted).toBe(true);
    expect(supervision.exitCode(0)).toBe(CRASH_EXIT_CODE);
  });

  it('dispose() removes the process handlers', () => {
    const { proc, supervision } = setup();
    supervision.dispose();
    expect(proc.eventNames()).toEqual([]);
  });

  it('an uncaught error in the middle of the demo: it stops and removes its temp dir', async () => {
    const { proc, supervision } = setup();
    let crashed = false;
    const result = await runDemo({
      out: {
        write: (text: string) => {
          supervision.out.write(text);
          if (!crashed && text.includes('PKI')) {
            crashed = true;
            proc.emit('uncaughtException', new Error('a bug somewhere'));
          }
        },
      },
      signal: supervision.signal,
    });
    expect(crashed).toBe(true);
    expect(result.exitCode).toBe(130);
    expect(existsSync(result.tempDir as string)).toBe(false);
    expect(supervision.exitCode(result.exitCode)).toBe(CRASH_EXIT_CODE);
  }, 30_000);
});
