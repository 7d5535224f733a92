import { describe, expect, it } from 'vitest';
import { closestName } from '../src/suggest.js';

describe('closestName', () => {
  const settings = ['title', 'description', 'baseUrl', 'language', 'languages', 'timezone', 'author', 'feeds', 'newsletter'];

  it('finds the name a slip of the keyboard meant: a letter wrong, missing, doubled, swapped, or another case', () => {
    expect(closestName('titel', settings)).toBe('title');
    expect(closestName('titl', settings)).toBe('title');
    expect(closestName('baseURL', settings)).toBe('baseUrl');
    expect(closestName('hepl', ['help', 'json'])).toBe('help');
    expect(closestName('outt', ['out', 'content'])).toBe('out');
  });

  it('finds the one name a short prefix begins, and none when it begins several', () => {
    expect(closestName('desc', settings)).toBe('description');
    expect(closestName('lang', settings)).toBeUndefined();
    expect(closestName('newsl', settings)).toBe('newsletter');
  });

  it('suggests nothing for a short name that only rhymes, or a name like none', () => {
    expect(closestName('date', ['rate', 'from'])).toBeUndefined();
    expect(closestName('zzz', settings)).toBeUndefined();
    expect(closestName('x', ['o', 'c'])).toBeUndefined();
  });
});
