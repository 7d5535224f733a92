import { describe, expect, it } from 'vitest';
import { evaluatePreconditions, parseHttpDate } from '../../src/server/conditional.js';

const now = Date.UTC(2026, 11, 3);
const instant = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('parseHttpDate', () => {
  it('reads the three forms of an HTTP-date, RFC 850 two-digit years within 50 years ahead', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(instant);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(instant);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994', now)).toBe(instant);
    expect(parseHttpDate('Monday, 06-Nov-76 08:49:37 GMT', now)).toBe(Date.UTC(2076, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Monday, 06-Nov-77 08:49:37 GMT', now)).toBe(Date.UTC(1977, 10, 6, 8, 49, 37));
  });

  it('refuses what Date.parse takes but is no HTTP-date, and times that do not exist', () => {
    for (const text of ['2099', '1 2 3000', 'Dec 31 2099', '2024-01-01T00:00:00Z', 'Sun, 06 Nov 1994 08:49:37 UTC', 'Sun, 6 Nov 1994 08:49:37 GMT', 'Thu, 31 Feb 2099 00:00:00 GMT', 'Sun, 06 Nov 1994 24:00:00 GMT', '']) {
      expect(parseHttpDate(text, now)).toBeNull();
    }
  });
});

describe('evaluatePreconditions', () => {
  const etag = '"abc"';
  const modified = instant + 500;
  const before = 'Sun, 06 Nov 1994 08:49:36 GMT';
  const at = 'Sun, 06 Nov 1994 08:49:37 GMT';

  it('serves the file without preconditions, and when they hold', () => {
    expect(evaluatePreconditions({}, etag, modified)).toBe(200);
    expect(evaluatePreconditions({ ifMatch: '"x", "abc"', ifUnmodifiedSince: at }, etag, modified)).toBe(200);
    expect(evaluatePreconditions({ ifNoneMatch: '"x"', ifModifiedSince: at }, etag, modified)).toBe(200);
    expect(evaluatePreconditions({ ifModifiedSince: before }, etag, modified)).toBe(200);
  });

  it('answers 412 first, then 304: If-Match and If-None-Match decide over their dates', () => {
    expect(evaluatePreconditions({ ifMatch: '"x"', ifNoneMatch: '"abc"' }, etag, modified)).toBe(412);
    expect(evaluatePreconditions({ ifUnmodifiedSince: before }, etag, modified)).toBe(412);
    expect(evaluatePreconditions({ ifMatch: '"abc"', ifUnmodifiedSince: before }, etag, modified)).toBe(200);
    expect(evaluatePreconditions({ ifNoneMatch: 'W/"abc"' }, etag, modified)).toBe(304);
    expect(evaluatePreconditions({ ifNoneMatch: '*' }, etag, modified)).toBe(304);
    expect(evaluatePreconditions({ ifNoneMatch: '"x"', ifModifiedSince: at }, etag, modified)).toBe(200);
    expect(evaluatePreconditions({ ifModifiedSince: at }, etag, modified)).toBe(304);
  });
});
