import diagnosticsChannel from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS, publish } from '../lib/diagnostics';

describe('DIAGNOSTICS_CHANNELS', () => {
  it('names every channel once, under express-mtls:', () => {
    const names = Object.values(DIAGNOSTICS_CHANNELS);
    expect(names).toEqual([
      'express-mtls:certificate:accepted',
      'express-mtls:certificate:absent',
      'express-mtls:certificate:ignored',
      'express-mtls:certificate:rejected',
      'express-mtls:client:authenticated',
      'express-mtls:client:rejected',
      'express-mtls:oauth-client',
      'express-mtls:token',
      'express-mtls:warning',
      'express-mtls:audit',
      'express-mtls:cache',
      'express-mtls:dependency',
    ]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DIAGNOSTICS_CHANNELS)).toBe(true);
  });
});

describe('publish', () => {
  const name = DIAGNOSTICS_CHANNELS.warning;

  it('does not build the message when nobody listens', () => {
    const build = jest.fn(() => ({ message: 'x' }));
    publish(name, build);
    expect(build).not.toHaveBeenCalled();
  });

  it('delivers the message to subscribers (diagnostics_channel.subscribe)', () => {
    const received: unknown[] = [];
    const listener = (message: unknown, channelName: string | symbol): void => {
      received.push([channelName, message]);
    };
    diagnosticsChannel.subscribe(name, listener);
    try {
      publish(name, () => ({ code: 'no_trusted_proxy' }));
      publish(name, () => ({ code: 'second' }));
    } finally {
      diagnosticsChannel.unsubscribe(name, listener);
    }
    expect(received).toEqual([
      [name, { code: 'no_trusted_proxy' }],
      [name, { code: 'second' }],
    ]);
  });

  it('stops building messages once the last subscriber leaves', () => {
    const listener = jest.fn();
    const build = jest.fn(() => ({}));
    diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.token, listener);
    publish(DIAGNOSTICS_CHANNELS.token, build);
    diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.token, listener);
    publish(DIAGNOSTICS_CHANNELS.token, build);
    expect(build).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('keeps channels separate', () => {
    const listener = jest.fn();
    diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.certificateAccepted, listener);
    try {
      publish(DIAGNOSTICS_CHANNELS.certificateRejected, () => ({}));
    } finally {
      diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.certificateAccepted, listener);
    }
    expect(listener).not.toHaveBeenCalled();
  });
});
