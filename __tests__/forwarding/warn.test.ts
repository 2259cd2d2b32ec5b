import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS } from '../../lib';
import { warn } from '../../lib/forwarding/warn';

describe('warn', () => {
  it('emits a process warning with a type and a code', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning');
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
    subscribe(DIAGNOSTICS_CHANNELS.warning, listener);
    try {
      warn('MTLS_NOT_TLS', 'no TLS here');
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.warning, listener);
    }
    expect(messages).toEqual([{ code: 'MTLS_NOT_TLS', message: 'no TLS here' }]);
  });
});
