import { describe, expect, it } from 'vitest';
import { confirmUrl, createToken, unsubscribeUrl, verifyToken } from '../../src/subscribers/tokens.js';

const secret = 'test-secret';
const ada = '0123456789abcdef0123456789abcdef';
const bob = 'fedcba9876543210fedcba9876543210';
const nonce = 'aaaabbbbccccddddeeeeffff00001111';

describe('tokens', () => {
  it('verifies a token for its subscriber and purpose', () => {
    expect(verifyToken(secret, createToken(secret, ada, 'unsubscribe'), 'unsubscribe')).toEqual({ publicId: ada, nonce: '' });
    expect(verifyToken(secret, createToken(secret, ada, 'confirm', nonce), 'confirm')).toEqual({ publicId: ada, nonce });
  });

  it('rejects a token made for another purpose', () => {
    expect(verifyToken(secret, createToken(secret, ada, 'confirm', nonce), 'unsubscribe')).toBeNull();
    expect(verifyToken(secret, createToken(secret, ada, 'unsubscribe'), 'confirm')).toBeNull();
  });

  it('rejects a token whose id or nonce was swapped', () => {
    const mac = createToken(secret, ada, 'unsubscribe').split('.')[1];
    expect(verifyToken(secret, `${bob}.${mac}`, 'unsubscribe')).toBeNull();
    const [, , confirmMac] = createToken(secret, ada, 'confirm', nonce).split('.');
    expect(verifyToken(secret, `${ada}.${'0'.repeat(32)}.${confirmMac}`, 'confirm')).toBeNull();
  });

  it('rejects a token made with another secret', () => {
    expect(verifyToken(secret, createToken('other', ada, 'unsubscribe'), 'unsubscribe')).toBeNull();
  });

  it('rejects malformed tokens, and sequential ids', () => {
    for (const token of ['', '42', '42.', 'x.y', `42.${'A'.repeat(43)}`, `${ada}.${'A'.repeat(42)}`, `${ada}.${'A'.repeat(44)}`, `${ada.toUpperCase()}.${'A'.repeat(43)}`]) {
      expect(verifyToken(secret, token, 'unsubscribe')).toBeNull();
    }
  });

  it('accepts one spelling only: the spare bits of the last base64url character must be zero', () => {
    const token = createToken(secret, ada, 'unsubscribe');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1) ?? '');
    // 43 characters carry 258 bits for a 256-bit MAC: the last character's two low bits are spare.
    const spellings = [0, 1, 2, 3].map((spare) => `${token.slice(0, -1)}${alphabet[(last & ~3) | spare]}`);
    expect(spellings.filter((t) => verifyToken(secret, t, 'unsubscribe') !== null)).toEqual([token]);
  });

  it('builds https links that carry the token', () => {
    const url = new URL(unsubscribeUrl('https://news.example.org', secret, ada));
    expect(url.pathname).toBe('/unsubscribe');
    expect(verifyToken(secret, url.searchParams.get('token') ?? '', 'unsubscribe')).toEqual({ publicId: ada, nonce: '' });
    const confirm = new URL(confirmUrl('https://news.example.org', secret, ada, nonce));
    expect(verifyToken(secret, confirm.searchParams.get('token') ?? '', 'confirm')).toEqual({ publicId: ada, nonce });
  });
});
