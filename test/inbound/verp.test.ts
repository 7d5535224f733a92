import { describe, expect, it } from 'vitest';
import { bounceAddress, readReturnAddress, unsubscribeAddress } from '../../src/inbound/verp.js';

const secret = 'test-secret';
const returnPath = 'bounces@mail.example.org';

describe('return-path addresses', () => {
  it('read back the digest and reader they were made for, in any case', () => {
    const address = bounceAddress(returnPath, secret, 12, 345);
    expect(readReturnAddress(returnPath, secret, address)).toEqual({ purpose: 'bounce', subscriberId: 345, digestNumber: 12 });
    expect(readReturnAddress(returnPath, secret, address.toUpperCase())).toEqual({ purpose: 'bounce', subscriberId: 345, digestNumber: 12 });
    expect(readReturnAddress(returnPath, secret, unsubscribeAddress(returnPath, secret, 9))).toEqual({ purpose: 'unsubscribe', subscriberId: 9 });
  });

  it('refuse a forged token, a token moved to another digest or reader, and another domain', () => {
    const address = bounceAddress(returnPath, secret, 12, 345);
    const [, token = ''] = /-([0-9a-f]{32})@/.exec(address) ?? [];
    expect(readReturnAddress(returnPath, secret, `bounces+13-345-${token}@mail.example.org`)).toBeNull();
    expect(readReturnAddress(returnPath, secret, `bounces+12-346-${token}@mail.example.org`)).toBeNull();
    expect(readReturnAddress(returnPath, secret, `bounces+12-345-${'0'.repeat(32)}@mail.example.org`)).toBeNull();
    expect(readReturnAddress(returnPath, 'another-secret', address)).toBeNull();
    expect(readReturnAddress(returnPath, secret, address.replace('mail.example.org', 'example.org'))).toBeNull();
    expect(readReturnAddress(returnPath, secret, `bounces+u-345-${token}@mail.example.org`)).toBeNull();
    for (const bad of ['', 'bounces@mail.example.org', 'bounces+@mail.example.org', 'other+12-345-x@mail.example.org']) {
      expect(readReturnAddress(returnPath, secret, bad)).toBeNull();
    }
  });
});
