import { describe, expect, it } from 'vitest';
import { confirmUrl, createToken, unsubscribeUrl, verifyToken } from '../../src/subscribers/tokens.js';

const secret = 'test-secret';

describe('tokens', () => {
  it('verifies a token for its subscriber and purpose', () => {
    expect(verifyToken(secret, createToken(secret, 42, 'unsubscribe'), 'unsubscribe')).toBe(42);
  });

  it('rejects a token made for another purpose', () => {
    expect(verifyToken(secret, createToken(secret, 42, 'confirm'), 'unsubscribe')).toBeNull();
  });

  it('rejects a token whose id was swapped for another subscriber', () => {
    const mac = createToken(secret, 42, 'unsubscribe').split('.')[1];
    expect(verifyToken(secret, `43.${mac}`, 'unsubscribe')).toBeNull();
  });

  it('rejects a token made with another secret', () => {
    expect(verifyToken(secret, createToken('other', 42, 'unsubscribe'), 'unsubscribe')).toBeNull();
  });

  it('rejects malformed tokens', () => {
    for (const token of ['', '42', '42.', 'x.y', `0.${'A'.repeat(43)}`, `42.${'A'.repeat(42)}`, `42.${'A'.repeat(44)}`]) {
      expect(verifyToken(secret, token, 'unsubscribe')).toBeNull();
    }
  });

  it('builds https links that carry the token', () => {
    const url = new URL(unsubscribeUrl('https://news.example.org', secret, 7));
    expect(url.pathname).toBe('/unsubscribe');
    expect(verifyToken(secret, url.searchParams.get('token') ?? '', 'unsubscribe')).toBe(7);
    const confirm = new URL(confirmUrl('https://news.example.org', secret, 7));
    expect(verifyToken(secret, confirm.searchParams.get('token') ?? '', 'confirm')).toBe(7);
  });
});
