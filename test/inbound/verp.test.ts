import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { bounceAddress, confirmationBounceAddress, maxReturnLocalPart, readReturnAddress, unsubscribeAddress } from '../../src/inbound/verp.js';

const secret = 'test-secret';
const returnPath = 'bounces@mail.example.org';

describe('return-path addresses', () => {
  it('read back the digest and reader they were made for, in any case', () => {
    const address = bounceAddress(returnPath, secret, 12, 345);
    expect(readReturnAddress(returnPath, secret, address)).toEqual({ purpose: 'bounce', subscriberId: 345, digestNumber: 12 });
    expect(readReturnAddress(returnPath, secret, address.toUpperCase())).toEqual({ purpose: 'bounce', subscriberId: 345, digestNumber: 12 });
    expect(readReturnAddress(returnPath, secret, unsubscribeAddress(returnPath, secret, 9))).toEqual({ purpose: 'unsubscribe', subscriberId: 9, edition: null });
  });

  it("read back the edition a mailto unsubscribe was made for, among the site's editions, and nothing for another's", () => {
    const weekly = unsubscribeAddress(returnPath, secret, 9, 'weekly');
    expect(weekly).toMatch(/^bounces\+u-9-[0-9a-f]{20}@mail\.example\.org$/);
    expect(readReturnAddress(returnPath, secret, weekly, ['daily', 'weekly'])).toEqual({ purpose: 'unsubscribe', subscriberId: 9, edition: 'weekly' });
    expect(readReturnAddress(returnPath, secret, weekly.toUpperCase(), ['daily', 'weekly'])).toEqual({ purpose: 'unsubscribe', subscriberId: 9, edition: 'weekly' });
    expect(readReturnAddress(returnPath, secret, unsubscribeAddress(returnPath, secret, 9), ['daily', 'weekly'])).toEqual({ purpose: 'unsubscribe', subscriberId: 9, edition: null });
    // An edition the site no longer has, another reader's token, a digest's return path: none of them.
    expect(readReturnAddress(returnPath, secret, weekly, ['daily'])).toBeNull();
    expect(readReturnAddress(returnPath, secret, weekly.replace('-9-', '-10-'), ['daily', 'weekly'])).toBeNull();
    expect(readReturnAddress(returnPath, secret, weekly.replace('+u-', '+12-'), ['daily', 'weekly'])).toBeNull();
  });

  it("read back the reader a confirmation mail's address was made for, as a bounce of no digest, and refuse its token elsewhere", () => {
    const address = confirmationBounceAddress(returnPath, secret, 345);
    expect(address).toMatch(/^bounces\+c-345-[0-9a-f]{20}@mail\.example\.org$/);
    expect(readReturnAddress(returnPath, secret, address)).toEqual({ purpose: 'bounce', subscriberId: 345, digestNumber: null });
    expect(readReturnAddress(returnPath, secret, address.replace('-345-', '-346-'))).toBeNull();
    // A digest's token is no confirmation's, nor the other way round.
    const digestToken = /-([0-9a-f]{20})@/.exec(bounceAddress(returnPath, secret, 12, 345))?.[1] ?? '';
    expect(readReturnAddress(returnPath, secret, `bounces+c-345-${digestToken}@mail.example.org`)).toBeNull();
    expect(readReturnAddress(returnPath, secret, address.replace('+c-', '+12-'))).toBeNull();
  });

  it('refuse a forged token, a token moved to another digest or reader, and another domain', () => {
    const address = bounceAddress(returnPath, secret, 12, 345);
    const [, token = ''] = /-([0-9a-f]{20})@/.exec(address) ?? [];
    expect(readReturnAddress(returnPath, secret, `bounces+13-345-${token}@mail.example.org`)).toBeNull();
    expect(readReturnAddress(returnPath, secret, `bounces+12-346-${token}@mail.example.org`)).toBeNull();
    expect(readReturnAddress(returnPath, secret, `bounces+12-345-${'0'.repeat(20)}@mail.example.org`)).toBeNull();
    expect(readReturnAddress(returnPath, 'another-secret', address)).toBeNull();
    expect(readReturnAddress(returnPath, secret, address.replace('mail.example.org', 'example.org'))).toBeNull();
    expect(readReturnAddress(returnPath, secret, `bounces+u-345-${token}@mail.example.org`)).toBeNull();
    for (const bad of ['', 'bounces@mail.example.org', 'bounces+@mail.example.org', 'other+12-345-x@mail.example.org']) {
      expect(readReturnAddress(returnPath, secret, bad)).toBeNull();
    }
  });

  it('keep to 64 octets before "@" with the longest local part site.json takes, up to digest 99,999 and reader 99,999,999', () => {
    const longest = `${'b'.repeat(maxReturnLocalPart)}@mail.example.org`;
    for (const address of [bounceAddress(longest, secret, 99_999, 99_999_999), unsubscribeAddress(longest, secret, 99_999_999)]) {
      expect(address.indexOf('@')).toBeLessThanOrEqual(64);
    }
    expect(bounceAddress(longest, secret, 99_999, 99_999_999).indexOf('@')).toBe(64);
  });

  it('still read the 128-bit tokens of mail sent by an earlier Gazette, and refuse them forged', () => {
    const oldToken = (purpose: string, id: number): string => createHmac('sha256', secret).update(`gazette:${purpose}:${id}`).digest().subarray(0, 16).toString('hex');
    expect(readReturnAddress(returnPath, secret, `bounces+12-345-${oldToken('return-12', 345)}@mail.example.org`)).toEqual({ purpose: 'bounce', subscriberId: 345, digestNumber: 12 });
    expect(readReturnAddress(returnPath, secret, `bounces+u-9-${oldToken('unsubscribe', 9)}@mail.example.org`)).toEqual({ purpose: 'unsubscribe', subscriberId: 9, edition: null });
    expect(readReturnAddress(returnPath, secret, `bounces+u-9-${oldToken('unsubscribe', 10)}@mail.example.org`)).toBeNull();
    expect(readReturnAddress(returnPath, secret, `bounces+u-9-${oldToken('unsubscribe', 9).slice(0, 24)}@mail.example.org`)).toBeNull();
  });
});
