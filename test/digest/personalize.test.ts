import { describe, expect, it } from 'vitest';
import { fullCopy } from '../../src/digest/assemble.js';
import { anonymousName, neutralizeTokens, personalize, placeholders } from '../../src/digest/personalize.js';
import { renderDigest } from '../../src/digest/render.js';
import { pinnedNow, seedArticle, testConfig } from '../fixtures/digest/articles.js';

const rendered = {
  subject: 'Example News',
  html: `<p>Hi ${placeholders.name},</p><a href="${placeholders.unsubscribeUrl}">Unsubscribe</a> <a href="${placeholders.webUrl}">web</a> ${placeholders.name}`,
  text: `Hi ${placeholders.name},\nUnsubscribe <${placeholders.unsubscribeUrl}>\nWeb <${placeholders.webUrl}>`,
};
const reader = {
  name: 'Ana',
  unsubscribeUrl: 'https://news.example.org/unsubscribe?token=a.b&x=1',
  preferencesUrl: 'https://news.example.org/preferences?token=a.b',
  webUrl: 'https://news.example.org/digests/1/',
};

describe('personalize', () => {
  it('fills every placeholder of both parts', () => {
    const copy = personalize(rendered, reader);
    expect(copy.html).toBe(
      '<p>Hi Ana,</p><a href="https://news.example.org/unsubscribe?token=a.b&amp;x=1">Unsubscribe</a> <a href="https://news.example.org/digests/1/">web</a> Ana',
    );
    expect(copy.text).toBe(
      'Hi Ana,\nUnsubscribe <https://news.example.org/unsubscribe?token=a.b&x=1>\nWeb <https://news.example.org/digests/1/>',
    );
  });

  it('escapes values in the HTML part and keeps them plain in the text part', () => {
    for (const name of ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "O'Brien & Sons"]) {
      const copy = personalize(rendered, { ...reader, name, unsubscribeUrl: 'https://x.org/u?t="><script>' });
      expect(copy.html).not.toMatch(/<script|<img|"><|O'Brien/);
      expect(copy.text).toContain(`Hi ${name},`);
    }
    const copy = personalize(rendered, { ...reader, name: '"><img src=x>' });
    expect(copy.html).toContain('Hi &quot;&gt;&lt;img src=x&gt;,');
  });

  it('keeps a name on one line in both parts', () => {
    const copy = personalize(rendered, { ...reader, name: 'Ana\r\nBcc: victim@example.org\u2028x' });
    expect(copy.text).toMatch(/^Hi Ana Bcc: victim@example.org x,\n/);
    expect(copy.html).toContain('Hi Ana Bcc: victim@example.org x,');
  });

  it('greets a reader without a name', () => {
    for (const name of [null, '', '  \n ']) {
      expect(personalize(rendered, { ...reader, name }).text).toMatch(new RegExp(`^Hi ${anonymousName},`));
    }
  });

  it('substitutes in one pass: a value that looks like a placeholder stays as it is', () => {
    const copy = personalize(rendered, { ...reader, name: placeholders.unsubscribeUrl });
    expect(copy.text).toMatch(/^Hi %%GZ_UNSUBSCRIBE_URL%%,/);
    expect(copy.html).toContain('Hi %%GZ_UNSUBSCRIBE_URL%%,');
  });

  it('gives each reader their own copy from one rendered digest', async () => {
    const digest = await renderDigest({ number: 1, date: pinnedNow, articles: [seedArticle], config: testConfig() });
    const ana = personalize(fullCopy(digest), reader);
    const bo = personalize(fullCopy(digest), { ...reader, name: 'Bo', unsubscribeUrl: 'https://news.example.org/unsubscribe?token=bo' });
    expect(ana.html).toContain('Hi Ana,');
    expect(bo.html).toContain('Hi Bo,');
    expect(bo.html).toContain('href="https://news.example.org/unsubscribe?token=bo"');
    expect(bo.text).toContain('Unsubscribe:\n<https://news.example.org/unsubscribe?token=bo>');
    for (const copy of [ana, bo]) expect(copy.html + copy.text).not.toContain('%%GZ_');
  });

  it('rejects an email with a placeholder it does not know', () => {
    expect(() => personalize({ ...rendered, text: 'Hi %%GZ_FIRST_NAME%%' }, reader)).toThrow(/%%GZ_FIRST_NAME%%/);
  });
});

describe('neutralizeTokens', () => {
  it('breaks every %% so content never forms a placeholder, invisibly', () => {
    expect(neutralizeTokens('%%GZ_NAME%% and 100%%')).toBe('%\u2060%GZ_NAME%\u2060% and 100%\u2060%');
    expect(neutralizeTokens('50% off')).toBe('50% off');
  });
});
