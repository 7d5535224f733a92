import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import { articleText } from '../../src/content/plain-text.js';
import { sectionSlug } from '../../src/content/text.js';
import * as zod from 'zod';
import { checkFrontMatter, frontMatterSchema, parseMarkdownArticle } from '../../src/content/markdown.js';
import { parseWireText } from '../../src/content/wire.js';
import type { ArticleContent } from '../../src/content/parsing.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/content/markdown/${name}`, import.meta.url), 'utf8');
const options = { timezone: 'Europe/Paris' };

function parsed(text: string, path = '2026/story.md'): ArticleContent {
  const result = parseMarkdownArticle(text, path, options);
  if (!result.ok) throw new Error(formatProblem(result.problem));
  return result.article;
}

function problem(text: string, path = '2026/story.md'): string {
  const result = parseMarkdownArticle(text, path, options);
  if (result.ok) throw new Error('expected a problem');
  return formatProblem(result.problem);
}

describe('parseMarkdownArticle', () => {
  it('reads YAML quoting, folding, comments, block lists and aliases as YAML 1.2 does', () => {
    const text = [
      '---',
      "# a comment line",
      "title: 'The mayor''s plan: a #1 priority'   # trailing comment",
      'summary: >',
      '  Folded onto',
      '  one line.',
      'date: "2026-03-01"',
      'section: &desk Local News',
      'tags:',
      '  - "yes"',
      '  - 2026 budget',
      'author: *desk',
      'draft: false',
      '---',
      'Body.',
    ].join('\n');
    expect(parsed(text)).toMatchObject({
      title: 'The mayor\'s plan: a #1 priority',
      summary: 'Folded onto one line.',
      section: 'Local News',
      tags: ['yes', '2026 budget'],
      author: 'Local News',
      draft: false,
      date: new Date('2026-02-28T23:00:00Z'),
    });
  });

  it('reports the line of a front matter key whose value the later checks refuse', () => {
    expect(problem('---\ntitle: T\nsummary: S\ndate: 2026-02-30\n---\nBody.\n')).toMatch(/^2026\/story\.md:4: /);
  });

  it('reads every front matter field', () => {
    const article = parsed(fixture('full.md'), '2026/harbour-reopens.md');
    expect(article).toMatchObject({
      slug: 'harbour-reopens',
      sourcePath: '2026/harbour-reopens.md',
      title: 'Harbour reopens after storm repairs',
      summary: 'The harbour is open again to ferries and fishing boats.',
      section: 'Local News',
      tags: ['harbour', 'storm', 'ferries'],
      author: 'A. Reporter',
      source: null,
      image: {
        url: 'https://www.example.org/photos/harbour.jpg',
        alt: 'Ferries moored in the repaired harbour',
        caption: null,
        credit: null,
      },
      related: [],
      draft: false,
    });
    expect(article.date.toISOString()).toBe('2026-11-22T13:30:00.000Z');
  });

  it('renders headings, lists, links and images as HTML', () => {
    expect(parsed(fixture('full.md')).html).toBe(
      [
        '<p>The harbour reopened on <em>Sunday</em> after three weeks of repairs.</p>',
        '<h2>What was repaired</h2>',
        '<ul>',
        '<li>The north pier</li>',
        '<li>Two mooring posts &amp; a crane</li>',
        '</ul>',
        '<p>See the <a href="https://www.example.org/port" title="Port authority">port authority</a> for sailing times.</p>',
        '<p><img src="/images/north-pier.jpg" alt="The north pier at dawn" /></p>',
        '',
      ].join('\n'),
    );
  });

  it('gives the body as plain text without markup or images', () => {
    expect(articleText(parsed(fixture('full.md')))).toBe(
      [
        'The harbour reopened on Sunday after three weeks of repairs.',
        '',
        'What was repaired',
        '',
        ' * The north pier',
        ' * Two mooring posts & a crane',
        '',
        'See the port authority [https://www.example.org/port] for sailing times.',
      ].join('\n'),
    );
  });

  it.each(['script', 'style', 'title', 'textarea', 'xmp', 'option', 'SCRIPT src=x'])('keeps the rest of the article when it names <%s> in prose', (tag) => {
    const { html } = parsed(`---\ntitle: T\ndate: 2026-11-22\n---\nAttackers added a <${tag}> tag to the page.\n\nThe code sent every card number.\n\n## What to do\n\nCall the bank.\n`);
    expect(html).toBe(`<p>Attackers added a &lt;${tag}&gt; tag to the page.</p>\n<p>The code sent every card number.</p>\n<h2>What to do</h2>\n<p>Call the bank.</p>\n`);
  });

  it('keeps what lies between a tag named in prose and a real element of the same name further on', () => {
    const { html } = parsed('---\ntitle: T\ndate: 2026-11-22\n---\nWe quoted <script> in prose.\n\nMiddle paragraph stays.\n\n<script src="https://platform.twitter.com/widgets.js"></script>\n\nAfter.\n');
    expect(html).toBe('<p>We quoted &lt;script&gt; in prose.</p>\n<p>Middle paragraph stays.</p>\n\n<p>After.</p>\n');
  });

  it('reads the Markdown after a line that starts by naming <style> or <script> without closing it', () => {
    const { html } = parsed('---\ntitle: T\ndate: 2026-11-22\n---\n<style> sheets are how pages get their looks.\n\n**Bold** and\n\n## Heading\n');
    expect(html).toBe('<p>&lt;style&gt; sheets are how pages get their looks.</p>\n<p><strong>Bold</strong> and</p>\n<h2>Heading</h2>\n');
  });

  it('removes an embed that writes a script from a script whole, showing none of its code', () => {
    const { html } = parsed(
      '---\ntitle: T\ndate: 2026-11-22\n---\nBefore.\n\n<script type="text/javascript">\ndocument.write("<script src=\'https://ads.example.com/a.js\'></scr" + "ipt>");\n</script>\n\nAfter.\n',
    );
    expect(html).not.toMatch(/document|script/);
    expect(html).toContain('<p>Before.</p>');
    expect(html).toContain('<p>After.</p>');
  });

  it('reads the Markdown after a line that starts a tag named in prose before a real element of its name', () => {
    const { html } = parsed(
      '---\ntitle: T\ndate: 2026-11-22\n---\n<script> is how pages run code.\n\nMiddle with **bold**.\n\n<script src="https://platform.twitter.com/widgets.js"></script>\n\nAfter.\n',
    );
    expect(html).toBe('<p>&lt;script&gt; is how pages run code.</p>\n<p>Middle with <strong>bold</strong>.</p>\n\n<p>After.</p>\n');
  });

  it('keeps the rest of the article after a line that opens <pre> or a comment and never closes it', () => {
    expect(parsed('---\ntitle: T\ndate: 2026-11-22\n---\nFirst.\n\n<pre> is for code\n\nSecond **bold**.\n').html).toBe(
      '<p>First.</p>\n<p>&lt;pre&gt; is for code</p>\n<p>Second <strong>bold</strong>.</p>\n',
    );
    expect(parsed('---\ntitle: T\ndate: 2026-11-22\n---\nFirst.\n\n<!-- TODO: check the figures\n\nSecond **bold**.\n').html).toBe(
      '<p>First.</p>\n<p>&lt;!-- TODO: check the figures</p>\n<p>Second <strong>bold</strong>.</p>\n',
    );
    expect(parsed('---\ntitle: T\ndate: 2026-11-22\n---\nFirst.\n\n<!-- a real comment -->\n\n<pre>\ncode\n</pre>\n').html).toBe('<p>First.</p>\n\n<pre>\ncode\n</pre>\n');
  });

  it('parses a paragraph of hundreds of thousands of inline tokens (an article under 1 MiB) without overflowing the stack', () => {
    const { html } = parsed(`---\ntitle: T\ndate: 2026-11-22\n---\n${'*a* '.repeat(120_000)}\n`);
    expect(html.length).toBeGreaterThan(1_000_000);
  });

  it('still removes a closed script or style element whole, the text around it kept', () => {
    const { html } = parsed('---\ntitle: T\ndate: 2026-11-22\n---\nBefore <script>alert(1)</script> and <style >p{}</STYLE> after.\n\n<script>\nsteal()\n</script>\n\nLast.\n');
    expect(html).toBe('<p>Before  and  after.</p>\n\n<p>Last.</p>\n');
  });

  it('sanitizes raw HTML: no script, style, iframe, event handler or javascript: URL', () => {
    const article = parsed(fixture('hostile.md'));
    const { html } = article;
    const text = articleText(article);
    for (const banned of ['<script', 'alert("script")', '<style', 'display', '<iframe', 'evil', 'onerror', 'onclick', "alert('img')", 'href="javascript:', 'style=', 'target=']) {
      expect(html).not.toContain(banned);
      expect(text).not.toContain(banned);
    }
    expect(html).toContain("<p>[markdown link](javascript:alert('md'))</p>");
    expect(html).toContain('<img src="/images/a.jpg" alt="fine" />');
    expect(html).toContain('<a>a link</a>');
    expect(html).toContain('<a href="https://www.example.org/">kept link</a>');
    expect(text).toContain('Safe text before.');
  });

  it('keeps a link that calls a number, in Markdown or raw HTML, but no image from one', () => {
    const { html } = parsed('---\ntitle: T\ndate: 2026-11-22\n---\nCall [the hotline](tel:+441234567) or <a href="tel:+33 1 23">Paris</a>. <img src="tel:+1" alt="x">\n');
    expect(html).toBe('<p>Call <a href="tel:+441234567">the hotline</a> or <a href="tel:+33 1 23">Paris</a>. <img alt="x" /></p>\n');
  });

  it('keeps what a screen reader reads a body by: the language and direction of a quote, and how a table\'s headers tie to its cells', () => {
    const { html } = parsed(
      [
        '---\ntitle: Votes\ndate: 2026-11-19\n---',
        '<p>The mayor said <span lang="fr">c\'est la vie</span>, <q lang="de">Guten Tag</q>, <abbr title="European Union">EU</abbr>, <bdi>مستخدم</bdi>.</p>',
        '<p dir="rtl" lang="ar">فقرة عربية.</p>',
        '<table><caption>Results by district</caption><tr><th scope="col" colspan="2" id="v">Votes</th></tr><tr><td headers="v" rowspan="2">1</td><td>2</td></tr></table>',
        '<dl><dt>Turnout</dt><dd>61%</dd></dl>',
        '<p dir="sideways" lang="not a tag" style="color:red">x</p><table><tr><th scope="everything" colspan="0" onclick="x()">y</th></tr></table>',
      ].join('\n\n'),
    );
    expect(html).toContain('<p>The mayor said <span lang="fr">c\'est la vie</span>, <q lang="de">Guten Tag</q>, <abbr title="European Union">EU</abbr>, <bdi>مستخدم</bdi>.</p>');
    expect(html).toContain('<p dir="rtl" lang="ar">فقرة عربية.</p>');
    expect(html).toContain('<table><caption>Results by district</caption><tr><th scope="col" colspan="2" id="v">Votes</th></tr><tr><td headers="v" rowspan="2">1</td><td>2</td></tr></table>');
    expect(html).toContain('<dl><dt>Turnout</dt><dd>61%</dd></dl>');
    // As text (a derived summary, the plain-text body) a <q> keeps its quotation marks, which a browser draws.
    const quoted = parsed('---\ntitle: T\ndate: 2026-11-19\n---\nThe mayor said <q lang="fr">c\'est fini</q> today.\n');
    expect(quoted.summary).toBe('The mayor said “c\'est fini” today.');
    expect(articleText(quoted)).toBe('The mayor said “c\'est fini” today.');
    // Values no browser reads, and what was never allowed, go.
    expect(html).toContain('<p>x</p><table><tr><th>y</th></tr></table>');
    // HTML's own bounds: colspan up to 1000, rowspan up to 65534.
    const spans = parsed('---\ntitle: T\ndate: 2026-11-19\n---\n<table><tr><td colspan="1000" rowspan="65534">a</td><td colspan="1001" rowspan="65535">b</td></tr></table>\n').html;
    expect(spans).toContain('<td colspan="1000" rowspan="65534">a</td><td>b</td>');
    // A cell's headers name only its own table's header cells, each once: not the page's main, a paragraph, an id
    // never given, or another table's header (a nested table's included).
    const headers = parsed(
      [
        '---\ntitle: T\ndate: 2026-11-19\n---\n<p id="p1">x</p>',
        '<table><tr><th id="h1">A</th><th id="h2">B</th></tr><tr><td headers="h1 main p1 h9  h2 h1">a</td><td headers="main">b</td></tr>',
        '<tr><td><table><tr><th id="n1">N</th></tr><tr><td headers="n1 h1">n</td></tr></table></td><td headers="n1 h2">c</td></tr></table>',
        '<table><tr><td headers="h1">d</td></tr></table>\n',
      ].join(''),
    ).html;
    expect(headers).toContain('<td headers="h1 h2">a</td><td>b</td>');
    expect(headers).toContain('<td headers="n1">n</td>');
    expect(headers).toContain('<td headers="h2">c</td>');
    expect(headers).toContain('<table><tr><td>d</td></tr></table>');
  });

  it('keeps the targets of an article\'s own fragment links: valid, unique ids, and an old <a name> as an id', () => {
    const { html } = parsed(
      [
        '---\ntitle: Live\ndate: 2026-03-01\n---',
        '<nav><a href="#update-1430">14:30</a> <a href="#top">top</a></nav>',
        '<a name="top" id=""></a>',
        '<h3 id="update-1430">14:30 update</h3>',
        '<p id="update-1430">a second one</p>',
        '<p id="two words">spaced</p>',
        '<div id="wrapper"><p id="wrapper">inner</p></div>',
        '<script id="s">x()</script><p id="s">after</p>',
        '<p id=\'"><script>alert(1)</script>\'>quoted</p>',
      ].join('\n\n'),
    );
    expect(html).toContain('<a href="#update-1430">14:30</a> <a href="#top">top</a>');
    expect(html).toContain('<a id="top"></a>');
    expect(html).not.toContain('name=');
    expect(html).toContain('<h3 id="update-1430">14:30 update</h3>');
    expect(html).toContain('<p>a second one</p>');
    expect(html).toContain('<p>spaced</p>');
    expect(html).toContain('<p id="wrapper">inner</p>');
    expect(parsed('---\ntitle: T\ndate: 2026-03-01\n---\n<p id="main">the page\'s own</p>\n').html).toBe('<p>the page\'s own</p>\n');
    expect(html).toContain('<p id="s">after</p>');
    expect(html).toContain('<p id="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">quoted</p>');
  });

  it('derives a missing summary from the first paragraph, and a missing title from the first heading', () => {
    const article = parsed('---\ndate: 2026-11-22\n---\n# Storm closes the harbour\n\nThe harbour **closed** on\nSunday, with `all` boats inside.\n\nMore.\n');
    expect(article.title).toBe('Storm closes the harbour');
    expect(article.summary).toBe('The harbour closed on Sunday, with all boats inside.');
  });

  it('derives a missing title from the first paragraph when there is no heading', () => {
    expect(parsed('---\ndate: 2026-11-22\n---\nThe harbour closed on Sunday. Boats stayed in.\n').title).toBe('The harbour closed on Sunday');
  });

  it('reads dates in the site timezone unless they carry an offset', () => {
    const at = (date: string): string => parsed(`---\ntitle: T\ndate: ${date}\n---\n`).date.toISOString();
    expect(at('2026-11-22')).toBe('2026-11-21T23:00:00.000Z');
    expect(at('2026-07-01T09:00')).toBe('2026-07-01T07:00:00.000Z');
    expect(at('"2026-11-22T09:00:00-05:00"')).toBe('2026-11-22T14:00:00.000Z');
  });

  it('reads drafts, empty optional fields and duplicate tags', () => {
    const article = parsed('---\ntitle: T\ndate: 2026-11-22\ndraft: true\nsection:\nauthor: ""\ntags: [a, b, a, " "]\n---\nBody.\n');
    expect(article).toMatchObject({ draft: true, section: null, author: null, tags: ['a', 'b'] });
  });

  it('uses the title as image alt text when imageAlt is missing, and none when it is empty (an image that only decorates)', () => {
    expect(parsed('---\ntitle: T\ndate: 2026-11-22\nimage: photo.jpg\n---\n').image).toEqual({ url: 'photo.jpg', alt: 'T', caption: null, credit: null });
    expect(parsed('---\ntitle: T\ndate: 2026-11-22\nimage: photo.jpg\nimageAlt:\n---\n').image?.alt).toBe('T');
    // A screen reader would read the headline twice: above the image, and as its text.
    expect(parsed('---\ntitle: T\ndate: 2026-11-22\nimage: photo.jpg\nimageAlt: ""\n---\n').image?.alt).toBe('');
  });

  it('makes relative links and images absolute under the baseUrl, leaving fragments and mailto alone', () => {
    const text = '---\ntitle: T\ndate: 2026-11-22\nimage: /images/lead.svg\n---\n[map](/maps/batken/) [top](#top) [desk](mailto:desk@example.org) ![boats](images/boats.svg) [bad](javascript:alert(1))\n';
    const result = parseMarkdownArticle(text, '2026/story.md', { ...options, baseUrl: 'https://example.org/news' });
    if (!result.ok) throw new Error(formatProblem(result.problem));
    const { html, image } = result.article;
    expect(image?.url).toBe('https://example.org/news/images/lead.svg');
    expect(html).toContain('<a href="https://example.org/news/maps/batken/">map</a>');
    expect(html).toContain('<a href="#top">top</a>');
    expect(html).toContain('<a href="mailto:desk@example.org">desk</a>');
    expect(html).toContain('<img src="https://example.org/news/images/boats.svg" alt="boats" />');
    expect(html).not.toContain('href="javascript');
  });

  it('reads a file with Windows line endings and a BOM', () => {
    const text = fixture('full.md');
    expect(parsed(`\uFEFF${text.replaceAll('\n', '\r\n')}`)).toEqual(parsed(text));
  });
});

describe('parseMarkdownArticle problems', () => {
  it('reports broken YAML with its file line', () => {
    expect(problem('---\ntitle: Fine\ndate: 2026-11-22\nsummary: one: two\n---\nBody.\n')).toBe(
      '2026/story.md:4: the front matter is not valid YAML (Nested mappings are not allowed in compact mappings) — fix the YAML; quote a value that contains ": " or starts with a special character',
    );
  });

  it('says a key given twice is given twice, at the second line', () => {
    expect(problem('---\ntitle: One\ndate: 2026-11-22\ntitle: Two\n---\nBody.\n')).toBe(
      '2026/story.md:4: the front matter gives this key a second time — keep one line for each key: remove the line whose value you do not mean',
    );
  });

  it('reports a key that is a list as an unknown key, and writes no warning of its own to the process', () => {
    const warnings = vi.spyOn(process, 'emitWarning');
    try {
      expect(problem('---\ntitle: T\ndate: 2026-11-22\n? [a, b]\n: c\n---\nBody.\n')).toMatch(/^2026\/story\.md:\d+: .*unknown/);
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });

  it('says that front matter nested thousands deep is too deep, not that a value wants quoting', () => {
    for (const depth of [5_000, 100_000]) {
      expect(problem(`---\ntitle: Deep\ndate: 2026-11-22\ntags: ${'['.repeat(depth)}${']'.repeat(depth)}\n---\nBody.\n`)).toBe(
        '2026/story.md:4: the front matter nests lists or maps too deeply to read — front matter needs no nesting: write one "key: value" per line, e.g. tags: [politics, economy]',
      );
    }
    // The parser quotes the line in its message: a line about call stacks is still only bad YAML.
    expect(problem('---\ntitle: Fine\ndate: 2026-11-22\nsummary: The call stack: a primer\n---\nBody.\n')).toContain('is not valid YAML (Nested mappings are not allowed');
  });

  it('takes slug: from front matter over the file name and the headline', () => {
    const front = (extra: string): string => `---\ntitle: Harbour reopens\ndate: 2026-11-22\n${extra}---\nBody.\n`;
    expect(parsed(front('slug: Harbour Storm 2026\n'), '2026/harbour-reopens.md')).toMatchObject({ id: 'harbour-reopens', slug: 'harbour-storm-2026' });
    expect(parsed(front('slug: الميناء\n'), '2026/000_7e43.md')).toMatchObject({ id: '000-7e43', slug: 'الميناء' });
    expect(parsed(front(''), '2026/000_7e43.md')).toMatchObject({ id: '000-7e43', slug: 'harbour-reopens' });
  });

  it('reports a slug: that has no letter or digit, or is too long', () => {
    expect(problem('---\ntitle: T\ndate: 2026-11-22\nslug: "---"\n---\n')).toBe(
      '2026/story.md:4: front matter "slug": has no letter or digit — write slug: election-results (the article URL becomes articles/election-results/)',
    );
    expect(problem(`---\ntitle: T\ndate: 2026-11-22\nslug: ${'word-'.repeat(20)}x\n---\n`)).toContain('front matter "slug": is longer than 80 characters');
  });

  it('refuses a body whose HTML leaves thousands of tags open, which the sanitizer takes quadratic time over, naming the line', () => {
    const text = `---\ntitle: T\ndate: 2026-11-22\n---\n\nIntro.\n\n${'<b>'.repeat(6000)}\n`;
    expect(problem(text)).toBe(
      "2026/story.md:8: the body's HTML has more than 5,000 tags open at once here — close the tags the HTML opens, or write the body in Markdown",
    );
    // Closed, void and self-closed tags leave nothing open, nor do those whose end tag HTML lets one leave out.
    const fine = `---\ntitle: T\ndate: 2026-11-22\n---\n${'<b>x</b><br><img src="a.png"/>'.repeat(6000)}\n`;
    expect(parseMarkdownArticle(fine, '2026/story.md', options).ok).toBe(true);
    const table = `---\ntitle: Results\ndate: 2026-11-22\n---\n<table>\n${'<tr><td>Precinct<td>412<td>388\n'.repeat(2000)}</table>\n`;
    const parsedTable = parsed(table);
    expect(parsedTable.html.match(/<tr>/g)).toHaveLength(2000);
    // Unless one of another kind is innermost: `<li><p>` leaves both open, item after item.
    expect(problem(`---\ntitle: T\ndate: 2026-11-22\n---\n<ul>${'<li><p>x'.repeat(3000)}</ul>\n`)).toContain('more than 5,000 tags open at once');
    // An end tag closes what is inside its element too; `/>` closes only inside SVG.
    expect(parseMarkdownArticle(`---\ntitle: T\ndate: 2026-11-22\n---\n${'<div><b><i>x</div>'.repeat(3000)}<svg>${'<path d="M0"/>'.repeat(6000)}</svg>\n`, '2026/story.md', options).ok).toBe(true);
    expect(problem(`---\ntitle: T\ndate: 2026-11-22\n---\n${'<span/>'.repeat(6000)}\n`)).toContain('more than 5,000 tags open at once');
    // As the sanitizer's parser reads it: `/>` in SVG's foreign content but not inside its foreignObject, a `<` in quotes.
    expect(problem(`---\ntitle: T\ndate: 2026-11-22\n---\n<svg><foreignObject>${'<i/>'.repeat(6000)}\n`)).toContain('more than 5,000 tags open at once');
    expect(problem(`---\ntitle: T\ndate: 2026-11-22\n---\n${'<b title="<">'.repeat(6000)}\n`)).toContain('more than 5,000 tags open at once');
    expect(parseMarkdownArticle(`---\ntitle: T\ndate: 2026-11-22\n---\n<ul>\n${'<li><p>Item<hr>\n'.repeat(5001)}</ul>\n`, '2026/story.md', options).ok).toBe(true);
    // Code is text, not HTML: an HTML tutorial's fenced or indented example is never counted.
    const tutorial = `---\ntitle: T\ndate: 2026-11-22\n---\n\`\`\`html\n${'<div>\n'.repeat(6000)}\`\`\`\n\n${'    <div>\n'.repeat(6000)}\nText \`${'<b>'.repeat(6000)}\`.\n`;
    expect(parseMarkdownArticle(tutorial, '2026/story.md', options).ok).toBe(true);
  });

  it('stops parsing a body at the most Markdown blocks and parts an article may have, and refuses it', () => {
    // Stopped as the parser makes them, whether blocks, their inline parts or the text between those: not after the whole MiB.
    for (const body of ['#\n'.repeat(200_001), '- a\n'.repeat(250_000), '*a* '.repeat(250_000)]) {
      expect(problem(`---\ntitle: T\ndate: 2026-11-22\n---\n${body}`)).toBe(
        '2026/story.md:5: the body makes more than 600,000 Markdown blocks and parts, the most an article may have — split it into several articles, or move the data into a file of its own',
      );
    }
    // One under the limit is read, and so are bodies whose parts the parser joins afterwards: a text token per `_`, an escape.
    for (const body of ['#\n'.repeat(199_999), 'a_'.repeat(400_000), 'a\\*'.repeat(300_000), '![*a* *b* *c*](x) '.repeat(55_000)]) {
      expect(parseMarkdownArticle(`---\ntitle: T\ndate: 2026-11-22\n---\n${body}\n`, '2026/story.md', options).ok).toBe(true);
    }
  });

  it('takes a title of zero-width characters for none, and the headline from the body', () => {
    expect(parsed('---\ntitle: "\u200b\u200b\u2060"\ndate: 2026-11-22\n---\n# Harbour reopens\n\nBody.\n').title).toBe('Harbour reopens');
    expect(problem('---\ntitle: "\u200b"\ndate: 2026-11-22\n---\n')).toContain('no title in the front matter');
  });

  it('takes an author or a tag of zero-width characters for none, not an empty byline or an invisible category', () => {
    const article = parsed('---\ntitle: T\ndate: 2026-11-22\nauthor: "\u200b"\ntags: ["\u200b\u2060", news, " "]\n---\nBody.\n');
    expect(article.author).toBeNull();
    expect(article.tags).toEqual(['news']);
    expect(parsed('---\ntitle: T\ndate: 2026-11-22\nauthor: "A\u200bB"\n---\nBody.\n').author).toBe('A\u200bB');
  });

  it('takes no headline a reader cannot see from the body: an invisible heading gives way to the paragraph', () => {
    expect(parsed('---\ndate: 2026-11-22\n---\n# \u200b\n\nHarbour reopens. At last.\n').title).toBe('Harbour reopens');
    expect(problem('---\ntitle: "\u200b\u200b"\ndate: 2026-11-22\n---\n\u200b\n')).toContain('no title in the front matter and no heading or paragraph');
  });

  it('keys a section pasted with a zero-width space or a bidi override as the one it looks like, keeping ZWNJ', () => {
    const key = (value: string): string => sectionSlug(parsed(`---\ntitle: T\ndate: 2026-11-22\nsection: "${value}"\n---\nBody.\n`).section ?? '');
    expect(key('Wor\u200bld')).toBe('world');
    expect(key('\u202eWORLD\u202c\ufeff')).toBe('world');
    expect(key('Wor\u00adld\u200e')).toBe('world');
    expect(key('بین\u200cالملل')).toBe('بین-الملل');
    const wire = parseWireText('date 2026-11-20 WOR\u200bLD\nA title\n\nText.\n', 'world/story.txt', options);
    expect(wire.ok && sectionSlug(wire.article.section ?? '')).toBe('world');
  });

  it('gives sections in every script a slug, and reports one with no letter or digit at its line', () => {
    for (const section of ['الأخبار', 'Спорт', '経済']) {
      expect(parsed(`---\ntitle: T\ndate: 2026-11-22\nsection: ${section}\n---\nBody.\n`).section).toBe(section);
    }
    expect(problem('---\ntitle: T\ndate: 2026-11-22\nsection: "🌍"\n---\n')).toBe(
      '2026/story.md:4: front matter "section": has no letter or digit to name its page and feeds — write section: WORLD',
    );
  });

  it('reports a section too long to name a folder (over 240 bytes) at its line, and takes one of 120 characters', () => {
    const cyrillic = Array.from({ length: 30 }, () => 'Спорт').join(' ');
    expect(problem(`---\ntitle: T\ndate: 2026-11-22\nsection: ${cyrillic}\n---\n`)).toBe(
      '2026/story.md:4: front matter "section": is too long to name its page and feeds: over 240 bytes in its URL — write section: WORLD',
    );
    const long = `${'a'.repeat(59)} ${'b'.repeat(60)}`;
    expect(parsed(`---\ntitle: T\ndate: 2026-11-22\nsection: ${long}\n---\nBody.\n`).section).toBe(long);
  });

  it('reports front matter whose aliases expand past yaml\'s limit, instead of failing the build', () => {
    const bomb = '---\ntitle: T\ndate: 2026-11-10\nx: &a [a, b, c, d, e, f, g, h, i, j]\ny: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\ntags: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n---\nBody.\n';
    expect(problem(bomb)).toBe(
      '2026/story.md:2: the front matter expands its aliases too often to be read (Excessive alias count indicates a resource exhaustion attack) — write the values out instead of repeating them with aliases (&name, *name)',
    );
  });

  it('reports front matter fields of the wrong type at their line', () => {
    expect(problem('---\ntitle: T\ndate: 2026-11-22\ntags: 5\n---\n')).toBe(
      '2026/story.md:4: front matter "tags": expected a list — write tags: [news, politics]',
    );
    expect(problem('---\ntitle: T\ndate: 2026-11-22\ndraft: "yes"\n---\n')).toBe(
      '2026/story.md:4: front matter "draft": expected true or false — write draft: true or draft: false, without quotes',
    );
    expect(problem('---\ntitle: T\ndate: 2026-11-22\ntags:\n  - ok\n  - 7\n---\n')).toBe(
      '2026/story.md:6: front matter "tags.1": expected text — put the value in quotes: unquoted, YAML reads it as a number, not text',
    );
    expect(problem('---\ntitle: [a]\ndate: 2026-11-22\n---\n')).toBe('2026/story.md:2: front matter "title": expected text — write title: The headline');
  });

  // Quotes would not make a date of 2024: there the date's own hint stays.
  it.each([
    ['title: 2024\ndate: 2026-11-22', '2:title', 'put the value in quotes: unquoted, YAML reads it as a number, not text'],
    ['title: T\ndate: 2026-11-22\nauthor: true', '4:author', 'put the value in quotes: unquoted, YAML reads it as true or false, not text'],
    ['title: T\ndate: 2024', '3:date', 'write date: YYYY-MM-DD, or YYYY-MM-DDTHH:MM with an optional offset such as +02:00'],
  ])('says to quote a value YAML reads as a number or true/false where text goes: %s', (front, at, hint) => {
    const [line, key] = at.split(':');
    expect(problem(`---\n${front}\n---\n`)).toBe(`2026/story.md:${line}: front matter "${key}": expected ${key === 'date' ? 'a date' : 'text'} — ${hint}`);
  });

  it('reports the first problem in file order', () => {
    expect(problem('---\ndraft: no thanks\ntags: 5\ndate: 2026-11-22\n---\n')).toMatch(/^2026\/story\.md:2: front matter "draft"/);
  });

  it('reports an unknown key', () => {
    expect(problem('---\ntitle: T\ndate: 2026-11-22\ntittle: typo\n---\n')).toBe(
      '2026/story.md:4: front matter "tittle": unknown key — the keys are title, date, summary, section, tags, author, image, imageAlt, draft, updated, lang, slug',
    );
  });

  it('reads an article\'s own language, which wins over its folder\'s', () => {
    const languages = { 'arabic/': 'ar', 'arabic/sport/': 'ar-MA' };
    const read = (text: string, path: string): string | null => {
      const result = parseMarkdownArticle(text, path, { ...options, languages });
      if (!result.ok) throw new Error(formatProblem(result.problem));
      return result.article.lang;
    };
    expect(read('---\ntitle: T\ndate: 2026-11-22\nlang: tr\n---\n', 'arabic/story.md')).toBe('tr');
    expect(read('---\ntitle: T\ndate: 2026-11-22\n---\n', 'arabic/story.md')).toBe('ar');
    expect(read('---\ntitle: T\ndate: 2026-11-22\n---\n', 'arabic/sport/story.md')).toBe('ar-MA');
    expect(read('---\ntitle: T\ndate: 2026-11-22\n---\n', 'arabicnews/story.md')).toBeNull();
  });

  it('reports a language that is not a language tag', () => {
    expect(problem('---\ntitle: T\ndate: 2026-11-22\nlang: Arabic please\n---\n')).toBe(
      '2026/story.md:4: front matter "lang": expected a language tag such as "ar" or "pt-BR" — write lang: ar (the article\'s language, if not the site\'s)',
    );
    expect(problem('---\ntitle: T\ndate: 2026-11-22\nlang: pt_BR\n---\n')).toContain('expected a language tag such as "ar" or "pt-BR" (did you mean "pt-BR"?');
  });

  it('reports a missing date', () => {
    expect(problem('---\ntitle: T\n---\nBody.\n')).toBe(
      '2026/story.md:1: front matter "date": is missing — write date: YYYY-MM-DD, or YYYY-MM-DDTHH:MM with an optional offset such as +02:00',
    );
  });

  it('reports an impossible or unreadable date at its line', () => {
    expect(problem('---\ntitle: T\n\ndate: 2022-02-30\n---\n')).toBe(
      '2026/story.md:4: impossible date "2022-02-30" — use a real calendar date and time (February 2022 has days 01 to 28)',
    );
    expect(problem('---\ndate: 24/11/2026\n---\n')).toMatch(/^2026\/story\.md:2: unreadable date "24\/11\/2026" — /);
  });

  it('reports a missing title where none can be derived', () => {
    expect(problem('---\ndate: 2026-11-22\n---\n\n- only a list\n')).toBe(
      '2026/story.md:1: no title in the front matter and no heading or paragraph to take one from — write title: The headline',
    );
  });

  it('reports a file without front matter, or with front matter never closed', () => {
    const hint = 'start the file with a "---" line, then "title: …" and "date: YYYY-MM-DD", then a "---" line';
    expect(problem('# Title\n\nText.\n')).toBe(`2026/story.md:1: no front matter — ${hint}`);
    expect(problem('---\ntitle: T\ndate: 2026-11-22\n\nText.\n')).toBe(`2026/story.md:1: the front matter is not closed — ${hint}`);
  });

  it('finds the closing line wherever it is: "..." too, the last line without a newline, and a body that is empty', () => {
    expect(parsed('---\ntitle: Dots\ndate: 2026-11-22\n...\nBody.\n')).toMatchObject({ title: 'Dots', html: '<p>Body.</p>\n' });
    expect(parsed('---\ntitle: Last\ndate: 2026-11-22\n---')).toMatchObject({ title: 'Last', html: '' });
    expect(parsed('---  \ntitle: Spaces\ndate: 2026-11-22\n--- \t\n\nBody with --- inside.\n---\nMore.')).toMatchObject({
      title: 'Spaces',
      html: '<h2>Body with --- inside.</h2>\n<p>More.</p>\n',
    });
    const hint = 'start the file with a "---" line, then "title: …" and "date: YYYY-MM-DD", then a "---" line';
    expect(problem('---')).toBe(`2026/story.md:1: the front matter is not closed — ${hint}`);
    expect(problem('---\n')).toBe(`2026/story.md:1: the front matter is not closed — ${hint}`);
  });

  it('reports front matter that is not key: value lines', () => {
    expect(problem('---\n- a\n- b\n---\n')).toBe(
      '2026/story.md:2: the front matter is not "key: value" lines — write one "key: value" per line, e.g. title: The headline',
    );
  });

  it('refuses an image URL with a scheme other than http(s)', () => {
    expect(problem('---\ntitle: T\ndate: 2026-11-22\nimage: javascript:alert(1)\n---\n')).toBe(
      '2026/story.md:4: front matter "image": expected an http(s) URL or a path such as /images/photo.jpg — write image: https://… or a path such as /images/photo.jpg',
    );
  });

  it('reads updated and lang, and refuses an updated date before the date or a lang that is no language tag', () => {
    const article = parsed('---\ntitle: T\ndate: 2026-11-22\nupdated: 2026-11-23T09:15\nlang: ar\n---\nنص.\n');
    expect(article.updated?.toISOString()).toBe('2026-11-23T08:15:00.000Z');
    expect(article.lang).toBe('ar');
    expect(problem('---\ntitle: T\ndate: 2026-11-22\nupdated: 2026-11-21\n---\n')).toMatch(/^2026\/story\.md:4: updated "2026-11-21" is before date "2026-11-22" — /);
    expect(problem('---\ntitle: T\ndate: 2026-11-22\nlang: not a tag\n---\n')).toMatch(/^2026\/story\.md:4: front matter "lang": expected a language tag/);
  });

  it('puts a title given on several lines on one, and cuts a very long one at a word', () => {
    expect(parsed('---\ntitle: |\n  Harbour\n  reopens\ndate: 2026-11-22\n---\nText.\n').title).toBe('Harbour reopens');
    const long = parsed(`---\ntitle: ${'word '.repeat(100)}\ndate: 2026-11-22\n---\nText.\n`).title;
    expect(long.length).toBeLessThanOrEqual(300);
    expect(long).toMatch(/^word word .*word…$/);
  });
});

describe('checkFrontMatter', () => {
  const schema = frontMatterSchema(zod);
  const valid: unknown[] = [
    { date: '2026-11-24' },
    { title: '  Budget passes  ', date: ' 2026-11-24T10:00+01:00 ', summary: 'S', section: 'World', tags: [' a ', 'b', ''], author: 'A', draft: false },
    { date: '2026-11-24', image: 'https://example.org/x.jpg', imageAlt: 'alt', updated: '2026-11-25', lang: 'pt-BR', slug: 'election-results' },
    { date: '2026-11-24', image: '/images/x.jpg', title: null, summary: null, tags: null, draft: null, section: '' },
    { date: '2026-11-24', draft: true, tags: [] },
  ];
  const refused: unknown[] = [
    null,
    [],
    'text',
    {},
    { date: null },
    { date: 20261124 },
    { date: '2026-11-24', title: 42 },
    { date: '2026-11-24', draft: 'true' },
    { date: '2026-11-24', tags: 'news' },
    { date: '2026-11-24', tags: ['a', 3] },
    { date: '2026-11-24', image: 'javascript:alert(1)' },
    { date: '2026-11-24', lang: 'not a tag' },
    { date: '2026-11-24', section: '!!!' },
    { date: '2026-11-24', slug: '---' },
    { date: '2026-11-24', slug: 'x'.repeat(200) },
    { date: '2026-11-24', section: 'x'.repeat(300) },
    { date: '2026-11-24', colour: 'red' },
  ];

  it('gives what the schema gives for front matter the schema accepts', () => {
    for (const value of valid) {
      const result = schema.safeParse(value ?? {});
      expect(result.success).toBe(true);
      expect(checkFrontMatter(value)).toEqual(result.data);
    }
  });

  it('leaves to the schema every front matter the schema refuses', () => {
    for (const value of refused) {
      expect(schema.safeParse(value ?? {}).success).toBe(false);
      expect(checkFrontMatter(value)).toBeNull();
    }
  });
});
