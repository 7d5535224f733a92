import { describe, expect, it } from 'vitest';
import { localProxies } from '../../src/config/options.js';
import { clientAddress, clientKey, proxyList, SlidingWindowLimiter } from '../../src/server/rate-limit.js';

describe('SlidingWindowLimiter', () => {
  it('allows `limit` requests in any window, then says when the oldest leaves it', () => {
    const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 60_000 });
    expect(limiter.hit('a', 0)).toEqual({ allowed: true });
    expect(limiter.hit('a', 10_000)).toEqual({ allowed: true });
    expect(limiter.hit('a', 20_000)).toEqual({ allowed: false, retryAfterSeconds: 40 });
    expect(limiter.hit('b', 20_000)).toEqual({ allowed: true });
    // The window slides: at 60.001 s the first request no longer counts, the refused one never did.
    expect(limiter.hit('a', 60_001)).toEqual({ allowed: true });
    expect(limiter.hit('a', 60_002)).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });
});

describe('clientKey', () => {
  it('keys IPv4 as is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

describe('clientAddress', () => {
  const local = proxyList(localProxies);

  it('believes X-Forwarded-For only from a listed proxy: a client reaching the port around it is its own address', () => {
    expect(clientAddress('198.51.100.9', '10.0.0.1', local)).toBe('198.51.100.9');
    expect(clientAddress('198.51.100.9', '10.0.0.1', null)).toBe('198.51.100.9');
    expect(clientAddress('127.0.0.1', '203.0.113.7', local)).toBe('203.0.113.7');
    expect(clientAddress('::ffff:127.0.0.1', '203.0.113.7', local)).toBe('203.0.113.7');
    expect(clientAddress('::1', '2001:db8::1', local)).toBe('2001:db8::1');
    expect(clientAddress('127.0.0.1', undefined, local)).toBe('127.0.0.1');
  });

  it('reads the entries from the right, past every listed proxy, and no further: what a client wrote left of that is not believed', () => {
    expect(clientAddress('127.0.0.1', 'forged, 203.0.113.7, 10.0.0.2', local)).toBe('203.0.113.7');
    const one = proxyList(['192.0.2.10']);
    expect(clientAddress('192.0.2.10', '203.0.113.7, 10.0.0.2', one)).toBe('10.0.0.2');
    expect(clientAddress('127.0.0.1', '203.0.113.7', one)).toBe('127.0.0.1');
    expect(clientAddress('192.0.2.10', ' , ', one)).toBe('192.0.2.10');
    expect(clientAddress('127.0.0.1', '10.0.0.3, 10.0.0.2', local)).toBe('10.0.0.3');
  });
});
