import { describe, expect, it } from 'vitest';
import { describeJsonMistake } from '../../src/config/json-errors.js';
import { parseSiteConfigText } from '../../src/config/load.js';

const lines = (...rows: string[]): string => rows.join('\n');

describe('describeJsonMistake', () => {
  it('names a trailing comma at its own line, where JSON.parse blamed the next one', () => {
    const text = lines('{', '  "newsletter": {', '    "maxArticles": 10,', '  },', '  "tags": ["a", "b",]', '}');
    expect(describeJsonMistake(text)).toEqual({ line: 3, message: 'a comma after the last entry of an object: JSON allows none there', hint: 'remove the comma at the end of line 3' });
    expect(describeJsonMistake(lines('{', '  "tags": ["a", "b",', '  ]', '}'))).toMatchObject({ line: 2, message: 'a comma after the last item of a list: JSON allows none there' });
  });

  it('names comments, single quotes, bare keys and values, and a missing comma or colon, each with its fix', () => {
    expect(describeJsonMistake(lines('{', '  // the desk', '  "title": "x"', '}'))).toMatchObject({ line: 2, message: 'a comment: JSON has none' });
    expect(describeJsonMistake(lines('{', "  'title': 'x'", '}'))).toMatchObject({ line: 2, message: 'a string in single quotes' });
    expect(describeJsonMistake(lines('{', '  title: "x"', '}'))).toMatchObject({ line: 2, message: 'a key without quotes' });
    expect(describeJsonMistake(lines('{', '  "title": News', '}'))).toMatchObject({ line: 2, message: 'a value without quotes' });
    expect(describeJsonMistake(lines('{', '  "title": "x"', '  "language": "en"', '}'))).toEqual({ line: 2, message: 'a comma is missing between two entries', hint: 'add a comma at the end of line 2' });
    expect(describeJsonMistake(lines('{', '  "title" "x"', '}'))).toMatchObject({ line: 2, message: 'a colon is missing after a key' });
    expect(describeJsonMistake(lines('{', '  "title": "x"'))).toMatchObject({ message: 'an object is not closed' });
    for (const number of ['010', '0x10']) {
      expect(describeJsonMistake(lines('{', `  "maxArticles": ${number}`, '}')), number).toEqual({ line: 2, message: 'a number JSON cannot read', hint: 'write numbers without leading zeros or hex, e.g. 10' });
    }
  });

  it('finds nothing in valid JSON', () => {
    expect(describeJsonMistake('{"title": "x", "tags": [1, 2]}')).toBeNull();
  });
});

describe('parseSiteConfigText', () => {
  it('reports a trailing comma in site.json at its line, in words, with the fix', () => {
    const text = lines('{', '  "title": "Example News",', '  "baseUrl": "https://news.example.org",', '}');
    expect(() => parseSiteConfigText(text, 'content/site.json')).toThrow('content/site.json:3: not valid JSON: a comma after the last entry of an object: JSON allows none there — remove the comma at the end of line 3');
  });
});
