import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS } from '../../lib';
import { warn } from '../../lib/forwarding/warn';

describe('warn', () => {
  it('emits a process warning with a type and a code', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      warn('MTLS_NO_TRUSTED_PROXY', 'nothing is trusted');
      expect(emitWarning).toHaveBeenCalledTimes(1);
      expect(emitWarning).toHaveBeenCalledWith('nothing is trusted', {
        type: 'ExpressMtlsWarning',
        code: 'MTLS_NO_TRUSTED_PROXY',
      });
    } finally {
      emitWarning.mockRestore();
    }
  });

  it('publishes { code, message } on the warning channel', () => {
    const messages: unknown[] = [];
    const listener = (message: unknown): void => void messages.push(message);
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    subscribe(DIAGNOSTICS_CHANNELS.warning, listener);
    try {
      warn('MTLS_NOT_TLS', 'no TLS here');
      expect(emitWarning).toHaveBeenCalledTimes(1);
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.warning, listener);
      emitWarning.mockRestore();
    }
    expect(messages).toEqual([{ code: 'MTLS_NOT_TLS', message: 'no TLS here' }]);
  });
});
