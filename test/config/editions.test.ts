import { describe, expect, it } from 'vitest';
import { editionsOf, hasEditions } from '../../src/config/editions.js';
import { parseSiteConfig } from '../../src/config/load.js';
import { InputError } from '../../src/errors.js';

const minimal = {
  title: 'Example News',
  baseUrl: 'https://news.example.org/',
  author: { name: 'Desk' },
  newsletter: { from: 'Example News <news@example.org>', postalAddress: '1 Example Street', maxArticles: 8 },
};

function problemsOf(data: unknown): string[] {
  try {
    parseSiteConfig(data);
  } catch (error) {
    if (error instanceof InputError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('newsletter.editions', () => {
  it('is one edition, the newsletter itself, when not set', () => {
    const config = parseSiteConfig(minimal);
    expect(hasEditions(config)).toBe(false);
    expect(editionsOf(config)).toEqual([{ id: 'newsletter', name: 'Example News', schedule: '0 7 * * 1', maxArticles: 8 }]);
  });

  it('lists the configured editions in order, maxArticles defaulting to the newsletter one', () => {
    const config = parseSiteConfig({
      ...minimal,
      newsletter: {
        ...minimal.newsletter,
        editions: [
          { id: 'weekly', name: 'Weekly digest', schedule: '0 7 * * 1', maxArticles: 20 },
          { id: 'daily', name: 'Daily briefing', schedule: '0 6 * * *' },
        ],
      },
    });
    expect(hasEditions(config)).toBe(true);
    expect(editionsOf(config)).toEqual([
      { id: 'weekly', name: 'Weekly digest', schedule: '0 7 * * 1', maxArticles: 20 },
      { id: 'daily', name: 'Daily briefing', schedule: '0 6 * * *', maxArticles: 8 },
    ]);
  });

  it('reports duplicate ids, bad ids, bad schedules and unknown keys, all at once', () => {
    const problems = problemsOf({
      ...minimal,
      newsletter: {
        ...minimal.newsletter,
        editions: [
          { id: 'daily', name: 'Daily', schedule: '0 6 * * *' },
          { id: 'daily', name: 'Daily again', schedule: 'every day' },
          { id: 'Week 1', name: 'Weekly', schedule: '0 7 * * 1', color: 'red' },
        ],
      },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/newsletter\.editions\.1\.schedule: "every day" is not a cron expression/),
        expect.stringMatching(/newsletter\.editions\.2\.id: expected an id of lowercase letters/),
        expect.stringMatching(/"color" is not a setting of "newsletter\.editions\.2"/),
      ]),
    );
    // The duplicate is reported once the entries themselves are valid.
    const duplicate = problemsOf({
      ...minimal,
      newsletter: {
        ...minimal.newsletter,
        editions: [
          { id: 'daily', name: 'Daily', schedule: '0 6 * * *' },
          { id: 'daily', name: 'Daily again', schedule: '0 7 * * *' },
        ],
      },
    });
    expect(duplicate).toEqual([expect.stringMatching(/newsletter\.editions\.1\.id: "daily" is the id of an earlier edition/)]);
  });

  it('refuses an empty list', () => {
    expect(problemsOf({ ...minimal, newsletter: { ...minimal.newsletter, editions: [] } })).toEqual([
      expect.stringMatching(/newsletter\.editions: expected at least one edition/),
    ]);
  });
});
