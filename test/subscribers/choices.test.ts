import { describe, expect, it } from 'vitest';
import { choiceBoxes, formerSectionKeys, knownSections, resolveEditions, resolveSections, splitNames, unknownEditionsWarning } from '../../src/subscribers/choices.js';
import { makeArticle } from '../fixtures/digest/articles.js';

const sections = knownSections([
  makeArticle({ slug: 'a', section: 'WORLD', date: new Date('2026-11-20T00:00:00Z') }),
  makeArticle({ slug: 'b', section: 'World', date: new Date('2026-11-21T00:00:00Z') }),
  makeArticle({ slug: 'c', section: 'Local news', date: new Date('2026-11-19T00:00:00Z') }),
  makeArticle({ slug: 'd', section: null }),
]);
const editions = [
  { id: 'daily', name: 'Daily briefing', schedule: '0 6 * * *', maxArticles: 5 },
  { id: 'weekly', name: 'Weekly digest', schedule: '0 7 * * 1', maxArticles: 10 },
];

describe('formerSectionKeys', () => {
  it('maps the key a label with an invisible character had to its section now, leaving keys of current sections alone', () => {
    const at = (section: string | null) => makeArticle({ section });
    // An override at either end made no key of its own (a slug trims its dashes); DIŞ's fold is migration 10's.
    expect(formerSectionKeys([at('World'), at('Wo\u200bRLD'), at('\u202eSport\u202c'), at('DIŞ HABERLER'), at(null)])).toEqual(new Map([['wo-rld', 'world']]));
    expect(formerSectionKeys([at('World'), at('Wo-rld')])).toEqual(new Map());
    // A section of its own with that key, its articles all drafts for now, keeps it.
    expect(formerSectionKeys([at('Wo\u200bRLD'), makeArticle({ section: 'Wo Rld', draft: true })])).toEqual(new Map());
  });
});

describe('knownSections', () => {
  it('labels a section as the pages print it, without a bidi override it was written with', () => {
    expect(knownSections([makeArticle({ section: '\u202eSport\u202c' })])).toEqual([{ key: 'sport', label: 'Sport' }]);
  });

  it('lists each section once by key, labelled as the newest article writes it', () => {
    expect(sections).toEqual([
      { key: 'local-news', label: 'Local news' },
      { key: 'world', label: 'World' },
    ]);
  });
});

describe('resolveSections', () => {
  it('takes a label or a slug in any case, and gives each key once in the site order', () => {
    expect(resolveSections(['WORLD', 'local-NEWS', 'world', ' Local News '], sections)).toEqual({ ok: true, keys: ['local-news', 'world'] });
  });

  it('takes Turkish names in any case, and one name for sections a desk wrote in two cases', () => {
    const turkish = [
      { key: 'diş-haberler', label: 'DIŞ HABERLER' },
      { key: 'dış-haberler', label: 'Dış Haberler' },
      { key: 'i̇ç-haberler', label: 'İÇ HABERLER' },
    ];
    expect(resolveSections(['dış haberler'], turkish)).toEqual({ ok: true, keys: ['diş-haberler', 'dış-haberler'] });
    expect(resolveSections(['iç haberler', 'İç Haberler'], turkish)).toEqual({ ok: true, keys: ['i̇ç-haberler'] });
    expect(resolveSections(['ic haberler'], turkish)).toMatchObject({ ok: false });
  });

  it('takes no names as all sections', () => {
    expect(resolveSections([], sections)).toEqual({ ok: true, keys: [] });
  });

  it('names the known sections when a name is unknown', () => {
    expect(resolveSections(['world', 'sport'], sections)).toEqual({
      ok: false,
      message: 'unknown section "sport" — the sections are: Local news, World',
    });
  });
});

describe('resolveEditions', () => {
  it('takes an id or a name in any case', () => {
    expect(resolveEditions(['WEEKLY', 'daily briefing'], editions)).toEqual({ ok: true, keys: ['daily', 'weekly'] });
  });

  it('names the known editions when a name is unknown', () => {
    expect(resolveEditions(['monthly'], editions)).toEqual({
      ok: false,
      message: 'unknown edition "monthly" — the editions are: daily (Daily briefing), weekly (Weekly digest)',
    });
  });
});

describe('choiceBoxes', () => {
  it('marks a group left with nothing ticked only in a form sent back, never in a reader\'s stored choices', () => {
    const known = { sections, editions };
    expect(choiceBoxes(known, { sections: [], editions: [] }, true).missing).toEqual({ editions: true, sections: true });
    expect(choiceBoxes(known, { sections: ['world'], editions: [] }, true).missing).toEqual({ editions: true, sections: false });
    // A reader whose only edition site.json no longer has: no box ticked, yet no error to tie them to.
    expect(choiceBoxes(known, { sections: [], editions: ['gone'] }).missing).toEqual({ editions: false, sections: false });
  });
});

describe('splitNames', () => {
  it('splits on commas, trims and drops empty names', () => {
    expect(splitNames(' world, local ,,')).toEqual(['world', 'local']);
    expect(splitNames('')).toEqual([]);
  });
});

describe('unknownEditionsWarning', () => {
  const editions = [{ id: 'weekly', name: 'Weekly', schedule: '0 7 * * 1', maxArticles: 10 }];
  it('says nothing while every reader chose editions the site has, or none', () => {
    expect(unknownEditionsWarning([{ editions: [], count: 5 }, { editions: ['weekly'], count: 2 }], editions, 'site.json')).toBeNull();
  });

  it('counts the readers of each edition gone, and those it leaves with none', () => {
    const warning = unknownEditionsWarning(
      [
        { editions: ['daily'], count: 3 },
        { editions: ['daily', 'weekly'], count: 1 },
        { editions: ['daily', 'morning'], count: 1 },
      ],
      editions,
      'site.json',
    );
    expect(warning?.message).toBe('readers chose editions site.json no longer has: "daily" (5 readers), "morning" (1 reader); 4 readers of them chose no other edition and get no digest');
  });
});
