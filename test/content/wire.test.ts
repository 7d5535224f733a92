import { articleText } from '../../src/content/plain-text.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import type { ArticleContent, ParseResult } from '../../src/content/parsing.js';
import { parseWireText } from '../../src/content/wire.js';

const seed = readFileSync(new URL('../fixtures/seed.txt', import.meta.url), 'utf8');
const fixture = (name: string): string => readFileSync(new URL(`../fixtures/content/wire/${name}`, import.meta.url), 'utf8');
const options = { timezone: 'Asia/Bishkek' };

function parsed(text: string, path = 'world/story.txt'): ArticleContent {
  const result = parseWireText(text, path, options);
  if (!result.ok) throw new Error(formatProblem(result.problem));
  return result.article;
}

function problem(result: ParseResult<ArticleContent>): string {
  if (result.ok) throw new Error('expected a problem');
  return formatProblem(result.problem);
}

/** The body blocks of the HTML as [tag, text] pairs, entities decoded. */
function blocks(html: string): [string, string][] {
  return [...html.matchAll(/<(p|h2)>(.*?)<\/\1>/g)].map(([, tag = '', text = '']) => [tag, text.replaceAll('&quot;', '"').replaceAll('&amp;', '&')]);
}

const CAPTION =
  'Fighting last month in the southern Kyrgyz region of Batken, bordering Tajikistan, left around a hundred dead according to authorities from both sides.';
const SEED_BLOCKS: [string, string][] = [
  ['p', "Kyrgyzstan's defence ministry has said that peace with Tajikistan was not possible under the current circumstances, a month after border clashes between the two Central Asian neighbours left around a hundred people dead."],
  ['p', 'After the ministry statement on Wednesday, Tajikistan accused its neighbour of seeking to "escalate" the situation near the border.'],
  ['p', 'Clashes regularly erupt between the two former Soviet republics, as around half of their 970-kilometre (600-mile) border has been contested since the end of the Soviet Union.'],
  ['p', CAPTION],
  ['p', 'Both Tajikistan and Kyrgyzstan are members of the Russia-led Collective Security Treaty Organisation (CSTO), a regional military alliance.'],
  ['p', 'Kyrgyz Defence Minister Baktybek Bekbolotov said on Wednesday that he recently met with CSTO Secretary-General Stanislav Zas and "told him that there would be no peace between Kyrgyzstan and Tajikistan".'],
  ['p', '"Kyrgyz people have their truth, Tajik people have theirs," Bekbolotov told a press conference in the Kyrgyz capital Bishkek.'],
  ['p', '"Until an arbitrator comes between us, there will be no peace," he added.'],
  ['p', 'He suggested the deployment of a "small contingent" of CSTO peacekeepers that would carry out "ceasefire control and the withdrawal of heavy equipment from the border".'],
  ['h2', 'Kyrgyzstan buying missiles from Belarus'],
  ['p', 'According to the minister, Kyrgyzstan is also purchasing S-125 "Pechora-2BM" missile systems from Belarus, which will be delivered "by the end of the month" and deployed in the border town of Batken.'],
  ['p', 'A spokesperson for the Kyrgyz parliament told Russian news agency TASS that on Thursday lawmakers will consider a bill facilitating the procedure for firearms permits in the border regions with Tajikistan and Uzbekistan.'],
  ['p', 'Also on Wednesday, Tajikistan\'s border guard service accused Kyrgyzstan of "deliberate actions to escalate the situation in the border areas", the Khovar news agency reported.'],
  ['p', 'It accused Kyrgyzstan of repeated "violations" of the Tajik airspace, including near the town of Isfara close to Batken.'],
  ['p', 'Earlier this week, Kyrgyz President Sadyr Japarov asked his Russian counterpart Vladimir Putin to help resolve the border dispute.'],
];
const TITLE = 'Peace with Tajikistan not possible under current situation: Kyrgyzstan';
const STANDFIRST =
  'Kyrgyz Defence Minister Baktybek Bekbolotov says there will be no peace until an arbitrator comes between the two countries.';

describe('parseWireText on the seed article', () => {
  const article = parsed(seed, '000_7e434e7f9160c0f8.txt');

  it('reads the head: title, standfirst as summary, date at midnight in the zone, section', () => {
    expect(article.title).toBe(TITLE);
    expect(article.summary).toBe(STANDFIRST);
    expect(article.date.toISOString()).toBe('2022-10-18T18:00:00.000Z');
    expect(article.section).toBe('WORLD');
  });

  it('reads the caption and its credit as an image without a URL', () => {
    expect(article.image).toEqual({ url: null, alt: CAPTION, caption: CAPTION, credit: 'Reuters Archive' });
  });

  it('keeps every paragraph and the subheading in order', () => {
    expect(blocks(article.html)).toEqual(SEED_BLOCKS);
    expect(article.html).toContain('<h2>Kyrgyzstan buying missiles from Belarus</h2>');
    expect(articleText(article)).toBe(SEED_BLOCKS.map(([, text]) => text).join('\n\n'));
  });

  it('escapes the body text', () => {
    expect(article.html).toContain('seeking to &quot;escalate&quot; the situation');
  });

  it('takes READ MORE lines as related references and SOURCE as the attribution', () => {
    expect(article.related).toEqual([
      { title: 'Can Kyrgyz-Tajik tensions spiral into a bigger crisis?', url: null },
      { title: 'Kyrgyz president urges calm after deadly border conflict with Tajikistan', url: null },
    ]);
    expect(article.source).toBe('TRTWorld and agencies');
  });

  it('never puts the header line, printed date, credit, references or source in the body', () => {
    for (const body of [article.html, articleText(article)]) {
      for (const absent of ['date 2022-10-19', 'WORLD', 'October 19, 2022', 'Reuters Archive', ' / ', 'READ MORE', 'SOURCE', 'TRTWorld', TITLE, STANDFIRST]) {
        expect(body).not.toContain(absent);
      }
    }
  });

  it('takes the slug from the headline (the file name is a scrape id), the id from the file name, and fills the other fields', () => {
    expect(article).toMatchObject({
      id: '000-7e434e7f9160c0f8',
      slug: 'peace-with-tajikistan-not-possible-under-current-situation-kyrgyzstan',
      sourcePath: '000_7e434e7f9160c0f8.txt',
      tags: [],
      author: null,
      draft: false,
    });
  });
});

describe('parseWireText on variants of real files', () => {
  const seedArticle = parsed(seed);

  it('reads the same article with Windows or old Mac line endings, or a BOM', () => {
    expect(parsed(seed.replaceAll('\n', '\r\n'))).toEqual(seedArticle);
    expect(parsed(seed.replaceAll('\n', '\r'))).toEqual(seedArticle);
    expect(parsed(`\uFEFF${seed}`)).toEqual(seedArticle);
  });

  it('reads a header line without a section', () => {
    const article = parsed(seed.replace(' date 2022-10-19 WORLD', 'date 2022-10-19'));
    expect(article.section).toBeNull();
    expect(article.title).toBe(TITLE);
  });

  it('takes text that starts on the header line as the title', () => {
    const article = parsed(`date 2022-10-19 ${TITLE}\n${STANDFIRST}\n\nFirst paragraph.\n`);
    expect(article.title).toBe(TITLE);
    expect(article.summary).toBe(STANDFIRST);
    expect(article.section).toBeNull();
    expect(articleText(article)).toBe('First paragraph.');
  });

  it('derives title and summary from the first paragraph when there are no head lines', () => {
    const article = parsed('date 2022-10-19 WORLD\n\nTalks ended without a deal. Both sides blamed the other.\n\nMore talks are planned.\n');
    expect(article.title).toBe('Talks ended without a deal');
    expect(article.summary).toBe('Talks ended without a deal. Both sides blamed the other.');
    expect(articleText(article)).toBe('Talks ended without a deal. Both sides blamed the other.\n\nMore talks are planned.');
    expect(article.image).toBeNull();
  });

  it('shortens a derived summary at a word boundary', () => {
    const long = `${'The minister spoke at length about the border. '.repeat(10).trim()}`;
    const article = parsed(`date 2022-10-19\n\n${long}\n`);
    expect(article.summary.length).toBeLessThanOrEqual(280);
    expect(article.summary).toMatch(/^The minister spoke at length about the border\. The minister .* [a-z]+…$/);
    expect(article.title).toBe('The minister spoke at length about the border');
  });

  it('derives the summary from the first paragraph when there is a title but no standfirst', () => {
    const article = parsed(`date 2022-10-19 WORLD\n${TITLE}\n\nFirst paragraph.\n\nSecond.\n`);
    expect(article.title).toBe(TITLE);
    expect(article.summary).toBe('First paragraph.');
  });

  it('reads an article without caption: no image, no head text lost', () => {
    const article = parsed(seed.replace(/^Fighting.*Reuters Archive\n/m, ''));
    expect(article.image).toBeNull();
    expect(article.title).toBe(TITLE);
    expect(article.summary).toBe(STANDFIRST);
    expect(blocks(article.html)).toEqual(SEED_BLOCKS);
  });

  it('reads an article without a printed date', () => {
    expect(parsed(seed.replace('October 19, 2022\n', ''))).toEqual(seedArticle);
  });

  it('drops a printed date that stands alone in the body', () => {
    expect(articleText(parsed('date 2022-10-19\nTitle\n\n19 October 2022\n\nText.\n'))).toBe('Text.');
  });

  it.each([
    ['tr', '19 Ekim 2022'],
    ['de', '19. Oktober 2022'],
    ['fr', '19 octobre 2022'],
    ['es', '19 de octubre de 2022'],
    ['ar', '19 أكتوبر 2022'],
    ['ar-EG', '١٩ أكتوبر ٢٠٢٢'],
    ['ja-JP-u-ca-japanese', '令和4年10月19日'],
  ])('drops the printed date written the %s way, the article\'s own language or its folder\'s', (language, printed) => {
    const text = `date 2022-10-19 WORLD\nTitle\nStandfirst.\n${printed}\n\nText.\n`;
    const bySite = parseWireText(text, 'world/story.txt', { ...options, language });
    const byFolder = parseWireText(text, 'desk/story.txt', { ...options, languages: { 'desk/': language } });
    for (const result of [bySite, byFolder]) {
      if (!result.ok) throw new Error(formatProblem(result.problem));
      expect(articleText(result.article)).toBe('Text.');
    }
    // Another date in that language is the article's words, and so is this one in an English article.
    expect(articleText(parsed(text.replace('2022-10-19', '2022-10-20')))).toBe(`${printed}\n\nText.`);
  });

  it('reads a printed date in the Gregorian calendar whatever the language\'s own, and keeps English articles as they were', () => {
    const chinese = parseWireText('date 2022-10-19\nTitle\n\n2022年10月19日\n\nText.\n', 'tw/story.txt', { timezone: 'Asia/Taipei', languages: { 'tw/': 'zh-Hant-TW-u-ca-chinese' } });
    if (!chinese.ok) throw new Error(formatProblem(chinese.problem));
    expect(articleText(chinese.article)).toBe('Text.');
    // English reads its four printed forms only, as before: a dateline with its weekday is the article's words.
    expect(articleText(parsed('date 2022-10-19\nTitle\n\nWednesday, October 19, 2022\n\nText.\n'))).toBe('Wednesday, October 19, 2022\n\nText.');
    // A tag Intl cannot read (BCP 47's grandfathered zh-min-nan) keeps the date line rather than fail.
    const other = parseWireText('date 2022-10-19\nTitle\n\n2022-10-19 0\n\nText.\n', 'min/story.txt', { ...options, languages: { 'min/': 'zh-min-nan' } });
    expect(other.ok).toBe(true);
  });

  it('cuts the credit from a caption repeated in the body', () => {
    const article = parsed(seed.replace(`\n${CAPTION}\n`, `\n${CAPTION} / Reuters Archive\n`));
    expect(blocks(article.html)).toEqual(SEED_BLOCKS);
  });

  it('reads curly quotes, Arabic, Cyrillic and Chinese text and emoji', () => {
    const article = parsed(fixture('scripts.txt'), 'scripts.txt');
    expect(article.section).toBe('العالم');
    expect(article.title).toBe('«Мир» и 世界 — news in three scripts 🌍');
    expect(article.summary).toBe('A standfirst with “curly quotes” and ‘single’ ones.');
    expect(article.source).toBe('Агентства');
    expect(blocks(article.html)).toEqual([
      ['p', 'Москва — В пятницу прошла встреча министров. Обсуждали «важные» вопросы.'],
      ['p', 'القاهرة - عقد الوزراء اجتماعا يوم الجمعة.'],
      ['p', '北京 — 部长们周五举行了会谈。双方讨论了“重要”问题。'],
      ['p', 'Emoji survive: 🇰🇬 👩🏽‍💻 ✅.'],
    ]);
  });

  it('reads "source: X" in lower case with a space, and "Read more:" in any case', () => {
    const article = parsed('date 2022-10-19\nTitle\n\nText.\n\nRead more: Another story\n\nsource: Agencies\n');
    expect(article.source).toBe('Agencies');
    expect(article.related).toEqual([{ title: 'Another story', url: null }]);
    expect(articleText(article)).toBe('Text.');
  });

  it('tells subheadings from short paragraphs by their closing punctuation', () => {
    const article = parsed('date 2022-10-19\nTitle\n\nWhat happens next\n\nNobody knows.\n\n"We will see"\n');
    expect(blocks(article.html)).toEqual([
      ['h2', 'What happens next'],
      ['p', 'Nobody knows.'],
      ['p', '"We will see"'],
    ]);
  });

  it('joins the lines of one block into one paragraph and ignores trailing spaces', () => {
    const article = parsed('date 2022-10-19  \nTitle  \n\nOne line   \ncontinued here.\u00a0 \n');
    expect(article.title).toBe('Title');
    expect(articleText(article)).toBe('One line continued here.');
  });

  it('keeps head lines after the standfirst as the first paragraphs', () => {
    const article = parsed('date 2022-10-19\nTitle\nStandfirst.\nAn extra line of text.\n\nBody.\n');
    expect(articleText(article)).toBe('An extra line of text.\n\nBody.');
  });

  it('escapes markup in the text and removes control characters', () => {
    const article = parsed('date 2022-10-19\nA <b>bold</b> \u0007title\n\n<script>alert("x")</script> & more\uFFFF.\n');
    expect(article.title).toBe('A <b>bold</b> title');
    expect(article.html).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more.</p>');
  });
});

describe('parseWireText problems', () => {
  it('reports a missing date line', () => {
    expect(problem(parseWireText('Peace talks fail\n\nText.\n', 'a.txt', options))).toBe(
      'a.txt:1: the first line is not "date YYYY-MM-DD" — start the file with a line such as "date 2026-11-24 WORLD"',
    );
  });

  it('says a file of Markdown front matter wants the name .md, not another first line', () => {
    expect(problem(parseWireText('---\ntitle: Harbour\ndate: 2026-11-24\n---\nText.\n', 'a.txt', options))).toBe(
      'a.txt:1: the first line is not "date YYYY-MM-DD" — this is Markdown with front matter: rename the file to .md',
    );
  });

  it('reports an impossible date', () => {
    expect(problem(parseWireText('date 2022-02-30 WORLD\nTitle\n', 'a.txt', options))).toBe(
      'a.txt:1: impossible date "2022-02-30" — use a real calendar date and time (February 2022 has days 01 to 28)',
    );
  });

  it('reports a date in another format', () => {
    expect(problem(parseWireText('date 19.10.2022 WORLD\nTitle\n', 'a.txt', options))).toBe(
      'a.txt:1: unreadable date "19.10.2022" — write YYYY-MM-DD, or YYYY-MM-DDTHH:MM with an optional offset such as +02:00',
    );
  });

  it('reports a file with nothing to take a title from', () => {
    expect(problem(parseWireText('date 2022-10-19 WORLD\n\nSOURCE: Agencies\n', 'a.txt', options))).toBe(
      'a.txt:1: no title: the file has no line of text after the date — write the title on line 2, the standfirst on line 3, then a blank line and the article',
    );
  });

  it('takes a title line and a body of zero-width characters for none', () => {
    expect(problem(parseWireText('date 2022-10-19 WORLD\n\u200b\n\n\u200b\n', 'a.txt', options))).toContain('a.txt:1: no title');
  });

  it('reports an empty or blank file', () => {
    expect(problem(parseWireText(' \n\n', 'a.txt', options))).toBe('a.txt: the file is empty — write the article in it, or delete the file');
  });

  it('accepts file names in every script, and gives sections in every script a slug', () => {
    const arabic = parsed('date 2026-11-20 الأخبار\nعنوان الخبر\n\nنص الخبر.\n', 'الأخبار/تقرير-اليوم.txt');
    expect(arabic).toMatchObject({ id: 'تقرير-اليوم', slug: 'تقرير-اليوم', section: 'الأخبار' });
    const russian = parsed('date 2026-11-20 Спорт\nМатч года\n\nТекст.\n', 'Спорт/Итоги-Матча.txt');
    expect(russian).toMatchObject({ id: 'итоги-матча', slug: 'итоги-матча', section: 'Спорт' });
    const japanese = parsed('date 2026-11-20 経済\n円相場が急騰\n\n本文。\n', '経済.txt');
    expect(japanese).toMatchObject({ id: '経済', slug: '経済', section: '経済' });
  });

  it('takes the slug from the headline in any script when the file name is a number', () => {
    expect(parsed('date 2026-11-20\nМатч года: итоги\n\nТекст.\n', '12345.txt')).toMatchObject({ id: '12345', slug: 'матч-года-итоги' });
    expect(parsed('date 2026-11-20\nعنوان الخبر اليوم\n\nنص.\n', '2026-11-20.txt')).toMatchObject({ id: '2026-11-20', slug: 'عنوان-الخبر-اليوم' });
  });

  it('reports a section with no letter or digit instead of dropping it', () => {
    expect(problem(parseWireText('date 2026-11-20 ★★★\nA title\n\nText.\n', 'world/story.txt', options))).toBe(
      'world/story.txt:1: the section "★★★" has no letter or digit to name its page and feeds — write a section with a letter or a digit, such as "date 2026-11-24 WORLD", or none',
    );
  });

  it('reports a file name whose URL folder no file system would take, as lower case and the ASCII fold lengthen it', () => {
    const name = `${'Ⱥ'.repeat(126)}.txt`; // 252 bytes; lower case, `ⱥ` is 3
    expect(problem(parseWireText(seed, `world/${name}`, options))).toBe(
      `world/${name}: the file name makes a URL folder of 378 bytes, over the 255 a folder name may have — rename the file with a shorter name (the headline can stay as long as it is)`,
    );
    expect(problem(parseWireText(seed, `world/${'½'.repeat(126)}.txt`, options))).toContain('makes a URL folder of 378 bytes');
    expect(parseWireText(seed, `world/${'a'.repeat(251)}.txt`, options).ok).toBe(true);
    // A capital dotted I: the slug made before it became `i` (3 bytes each), whose folder redirects, counts too.
    expect(problem(parseWireText(seed, `world/2026-${'İ'.repeat(100)}.txt`, options))).toContain('makes a URL folder of 305 bytes');
  });

  it('reports a file name that gives no slug', () => {
    expect(problem(parseWireText(seed, 'world/---.txt', options))).toBe(
      'world/---.txt: the file name has no letter or digit to make a slug from — rename the file, e.g. 2026-11-24-election-results.md',
    );
  });
});
