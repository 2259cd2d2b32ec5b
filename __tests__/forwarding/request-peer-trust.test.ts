import type { Request } from 'express';
import {
  appTrust,
  untrustedPeer,
  type PeerTrustMemo,
} from '../../lib/forwarding/request-peer-trust';
import { compileTrustProxy } from '../../lib/forwarding/trust-proxy';

/** A request-like value: the peer address, and the app's trust proxy setting if any. */
function req(remoteAddress: string | undefined, app?: Record<string, unknown>): Request {
  return {
    socket: { remoteAddress },
    app: app === undefined ? undefined : { get: (name: string) => app[name] },
  } as unknown as Request;
}

describe('untrustedPeer (the immediate TCP peer, never X-Forwarded-For)', () => {
  const loopback = { trust: compileTrustProxy('test', 'loopback'), trustAnyProxy: false };

  it('believes a trusted peer and refuses another one', () => {
    expect(untrustedPeer(req('127.0.0.1'), loopback)).toBeUndefined();
    expect(untrustedPeer(req('::ffff:127.0.0.1'), loopback)).toBeUndefined();
    expect(untrustedPeer(req('10.0.0.1'), loopback)).toBe('untrusted_peer');
    expect(untrustedPeer(req(undefined), loopback)).toBe('untrusted_peer');
  });

  it('believes every peer only with dangerouslyTrustAnyProxy', () => {
    expect(untrustedPeer(req('203.0.113.9'), { trust: undefined, trustAnyProxy: true })).toBe(
      undefined,
    );
  });

  it('says why no peer is trusted: none configured, or a setting that trusts everyone', () => {
    const inherit = { trust: undefined, trustAnyProxy: false };
    expect(untrustedPeer(req('127.0.0.1'), inherit)).toBe('no_trusted_proxy');
    const everyone = req('127.0.0.1', { 'trust proxy': true, 'trust proxy fn': () => true });
    expect(untrustedPeer(everyone, inherit)).toBe('trust_proxy_too_broad');
  });

  it("uses the app's address list", () => {
    const app = { 'trust proxy': 'loopback', 'trust proxy fn': (a: string) => a === '127.0.0.1' };
    const inherit = { trust: undefined, trustAnyProxy: false };
    expect(untrustedPeer(req('127.0.0.1', app), inherit)).toBeUndefined();
    expect(untrustedPeer(req('10.0.0.1', app), inherit)).toBe('untrusted_peer');
  });

  it('with a memo, asks a trust function once per connection (and again for another function)', () => {
    const first = jest.fn((address: string | undefined) => address === '127.0.0.1');
    const second = jest.fn(() => false);
    const memo: PeerTrustMemo = new WeakMap();
    const request = req('127.0.0.1');
    const config = { trust: first, trustAnyProxy: false };
    expect(untrustedPeer(request, config, memo)).toBeUndefined();
    expect(untrustedPeer(request, config, memo)).toBeUndefined();
    expect(first).toHaveBeenCalledTimes(1);
    expect(untrustedPeer(request, { trust: second, trustAnyProxy: false }, memo)).toBe(
      'untrusted_peer',
    );
    expect(untrustedPeer(request, { trust: second, trustAnyProxy: false }, memo)).toBe(
      'untrusted_peer',
    );
    expect(second).toHaveBeenCalledTimes(1);
  });

  it('without a memo, asks every time', () => {
    const fn = jest.fn(() => true);
    untrustedPeer(req('127.0.0.1'), { trust: fn, trustAnyProxy: false });
    untrustedPeer(req('127.0.0.1'), { trust: fn, trustAnyProxy: false });
    expect(fn).toHaveBeenCalledTimes(2);
  });
});

describe('appTrust', () => {
  it("reads the app's trust proxy setting and function; none without an app", () => {
    const fn = (): boolean => true;
    expect(appTrust(req('127.0.0.1', { 'trust proxy': 1, 'trust proxy fn': fn }))).toEqual({
      setting: 1,
      fn,
    });
    expect(appTrust(req('127.0.0.1'))).toBeUndefined();
  });
});
