// Language tags as site.json, folders and front matter give them (src/i18n/tags.ts).
import { describe, expect, it } from 'vitest';
import { renderFeeds } from '../../src/feeds/render.js';
import { isLanguageTag, languageTagMessage, withoutExtensions } from '../../src/i18n/tags.js';
import { makeChannel } from '../fixtures/feeds/factory.js';

describe('language tags', () => {
  it('takes BCP 47 tags Intl reads, extensions included, and nothing else', () => {
    expect(['en', 'ar', 'pt-BR', 'zh-Hant-TW', 'ar-u-nu-arab', 'de-CH-1996', 'en-x-desk'].filter(isLanguageTag)).toHaveLength(7);
    // Forms Gazette always took, which Intl does not read.
    expect(['zh-cmn-Hans', 'en-GB-oed', 'zh-min-nan'].filter(isLanguageTag)).toHaveLength(3);
    expect(['', 'ar_SA', 'ar-u', 'Arabic please', 'e', 'english', 'ar--SA', 'ar-SA-'].filter(isLanguageTag)).toEqual([]);
  });

  it('names the tag an underscore spells, and only a real one', () => {
    expect(languageTagMessage('ar_SA', '"ar"')).toBe('expected a language tag such as "ar" (did you mean "ar-SA"? a tag\'s parts are joined with "-")');
    expect(languageTagMessage('Arabic please', '"ar"')).toBe('expected a language tag such as "ar"');
    expect(languageTagMessage(42, '"ar"')).toBe('expected a language tag such as "ar"');
    expect(languageTagMessage('en ', '"ar"')).toBe('expected a language tag such as "ar" (did you mean "en"? without spaces)');
  });

  it('gives RSS the language and region of a tag, without its extensions', () => {
    expect(['ar-u-nu-arab', 'en-x-desk', 'pt-BR', 'zh-Hant-TW-u-ca-chinese'].map(withoutExtensions)).toEqual(['ar', 'en', 'pt-BR', 'zh-Hant-TW']);
    const feeds = renderFeeds([], makeChannel({ title: 'T', description: 'D', language: 'ar-u-nu-arab', author: { name: 'Desk', email: null }, updated: null }));
    expect(feeds.rss).toContain('<language>ar</language>');
    expect(feeds.atom).toContain('xml:lang="ar-u-nu-arab"');
  });
});
