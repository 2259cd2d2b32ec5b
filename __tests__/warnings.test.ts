import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS } from '../lib';
import { forgetWarnings, warned, warningUrl, warnOnce } from '../lib/warnings';

describe('warnOnce', () => {
  let emitWarning: jest.SpyInstance;

  beforeEach(() => {
    forgetWarnings();
    emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });

  afterEach(() => {
    emitWarning.mockRestore();
  });

  it('emits a process warning with a type, a code and the documentation link', () => {
    expect(warnOnce('MTLS_NO_TRUSTED_PROXY', 'nothing is trusted.')).toBe(true);
    expect(emitWarning).toHaveBeenCalledTimes(1);
    expect(emitWarning).toHaveBeenCalledWith(
      `nothing is trusted. See docs/errors.md#mtls_no_trusted_proxy`,
      { type: 'ExpressMtlsWarning', code: 'MTLS_NO_TRUSTED_PROXY' },
    );
  });

  it('points every code at its docs/errors.md anchor', () => {
    expect(warningUrl('MTLS_TRUST_PROXY_TOO_BROAD')).toBe(
      `docs/errors.md#mtls_trust_proxy_too_broad`,
    );
  });

  it('publishes { code, message, url } on the warning channel', () => {
    const messages: unknown[] = [];
    const listener = (message: unknown): void => void messages.push(message);
    subscribe(DIAGNOSTICS_CHANNELS.warning, listener);
    try {
      warnOnce('MTLS_NOT_TLS', 'no TLS here');
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.warning, listener);
    }
    expect(messages).toEqual([
      { code: 'MTLS_NOT_TLS', message: 'no TLS here', url: `docs/errors.md#mtls_not_tls` },
    ]);
  });

  it('warns once per process for each code and key', () => {
    expect(warnOnce('MTLS_NOT_TLS', 'a')).toBe(true);
    expect(warnOnce('MTLS_NOT_TLS', 'a')).toBe(false);
    expect(warnOnce('MTLS_NOT_TLS', 'b')).toBe(true);
    expect(warnOnce('MTLS_NO_TRUSTED_PROXY', 'a')).toBe(true);
    expect(warnOnce('MTLS_UNTRUSTED_PEER', 'from 10.0.0.1', 'x-ssl-cert')).toBe(true);
    expect(warnOnce('MTLS_UNTRUSTED_PEER', 'from 10.0.0.2', 'x-ssl-cert')).toBe(false);
    expect(warned('MTLS_UNTRUSTED_PEER', 'x-ssl-cert')).toBe(true);
    expect(warned('MTLS_UNTRUSTED_PEER', 'client-cert')).toBe(false);
    expect(emitWarning).toHaveBeenCalledTimes(4);
    forgetWarnings();
    expect(warnOnce('MTLS_NOT_TLS', 'a')).toBe(true);
  });
});
