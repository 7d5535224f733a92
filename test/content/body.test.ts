// The body renderer's shortcut past the sanitizer must give the sanitizer's bytes exactly, or step aside.
import type MarkdownItClass from 'markdown-it';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { markdown, renderMarkdownBody, renderPlainMarkdown } from '../../src/content/body.js';
import { sanitizeBody } from '../../src/content/sanitize.js';

const base = 'https://news.example.org/desk';

/** What the sanitizer makes of markdown-it's HTML: the reference. */
const sanitized = (source: string, baseUrl: string | undefined): string => sanitizeBody(markdown.render(source), baseUrl);
const plain = (source: string, baseUrl: string | undefined): string | null => renderPlainMarkdown(markdown.parse(source, {}), baseUrl);

// Every construct markdown-it writes without raw HTML, and the characters escaping treats differently.
const plainBodies = [
  'Plain text with "quotes", \'apostrophes\', & ampersands, < and >, &amp; &copy; &nbsp; &#0; &#x1F600; and `code "x" <y> & z`.',
  '# One\n## Two\n### Three\n#### Four\n##### Five\n###### Six\n\nSetext\n======',
  '*em* _em_ **strong** __strong__ ~~struck~~ ***both***\\\nhard break  \nanother\nsoft break',
  '- tight\n- list\n  1. nested\n  2. ordered\n\n3. starts\n4. at three\n\n- loose\n\n- list\n\n> quote\n> > nested "quote"\n\n---\n\n***',
  '```js\nconst a = "<b>" && 1 > 0;\n```\n\n```\nno info & <tags>\n```\n\n    indented <code> & "block"\n\n~~~ python extra words\nx\n~~~',
  '| left | centre | right | none |\n|:-----|:------:|------:|------|\n| a & "b" | \\<c> | `d` | [e](/e) |',
  '[relative](articles/x/) [rooted](/about) [up](../up) [query](?q=1&r=2) [fragment](#notes) [absolute](https://example.org/a?b=1&c="d") [http](HTTP://EXAMPLE.ORG/X)',
  '[mail](mailto:desk@example.org) <mailto:a@b.c> <desk@example.org> <https://auto.example.org/x?y=1&z=2> www.linkify.example.org and https://bare.example.org/path.',
  '[titled](/t "A \\"title\\" & more") ![alt & "text" *em* `c`](images/photo.jpg "Photo title") ![](/empty-alt.png) ![x](https://cdn.example.org/i.png)',
  '[link with spaces](<a b c.html>) [unicode](/caf%C3%A9) [raw unicode](/café/ü) [encoded](/a%20b)',
  'Entities in links: [a](/x?a=1&amp;b=2) and text &lt;script&gt;alert(1)&lt;/script&gt; stays text.',
  '\u0000 null, \u00a0 no-break, \u200f rtl mark, emoji 😀, Arabic عربي and Hebrew עברית.',
  'markdown-it refuses these as links, so they stay text: [js](javascript:alert(1)) [vb](vbscript:x) [file](file:///etc/passwd)',
  '1) paren list\n2) second\n\n* star\n+ plus\n\n[ref link][r] and [collapsed][]\n\n[r]: /ref "Ref title"\n[collapsed]: https://example.org/c',
];

describe('renderMarkdownBody', () => {
  for (const baseUrl of [base, undefined]) {
    it(`writes what the sanitizer would, without it, for Markdown without raw HTML (${baseUrl ? 'with' : 'without'} a base URL)`, () => {
      for (const source of plainBodies) {
        const tokens = markdown.parse(source, {});
        expect(renderPlainMarkdown(tokens, baseUrl), source).not.toBeNull();
        expect(renderMarkdownBody(markdown.parse(source, {}), baseUrl), source).toBe(sanitized(source, baseUrl));
      }
    });
  }

  it('leaves raw HTML, and links the sanitizer would change or drop, to the sanitizer', () => {
    const sanitizerOnly = [
      'Raw <b>inline</b> HTML',
      '<div onclick="x()">block</div>',
      '<script>alert(1)</script>',
      '[ftp](ftp://example.org/f) link',
      '[tel](tel:+123) link',
      '[empty]() link',
      '![data](data:image/png;base64,AAAA)',
      '[protocol-relative](//evil.example.org/x)',
      '![alt <b>raw</b>](/i.png)',
    ];
    for (const source of sanitizerOnly) {
      for (const baseUrl of [base, undefined]) {
        if (source.includes('//evil') && baseUrl !== undefined) continue; // made absolute, so plain
        expect(plain(source, baseUrl), source).toBeNull();
        expect(renderMarkdownBody(markdown.parse(source, {}), baseUrl), source).toBe(sanitized(source, baseUrl));
      }
    }
  });

  it('makes links and images absolute under the base URL, and keeps fragments and mailto as they are', () => {
    expect(plain('[a](x/) [b](#n) [c](mailto:d@e.f) ![i](/img.png)', base)).toBe(
      '<p><a href="https://news.example.org/desk/x/">a</a> <a href="#n">b</a> <a href="mailto:d@e.f">c</a> <img src="https://news.example.org/desk/img.png" alt="i" /></p>\n',
    );
  });

  it('drops the language class of a fenced block, and writes a column\'s alignment as a class, as the sanitizer does', () => {
    expect(plain('```js\nx\n```', base)).toBe('<pre><code>x\n</code></pre>\n');
    const table = '|a|b|c|d|\n|:-|:-:|-:|-|\n|1|2|3|4|';
    expect(plain(table, base)).toBe(
      '<table>\n<thead>\n<tr>\n<th class="align-left">a</th>\n<th class="align-center">b</th>\n<th class="align-right">c</th>\n<th>d</th>\n</tr>\n</thead>\n' +
        '<tbody>\n<tr>\n<td class="align-left">1</td>\n<td class="align-center">2</td>\n<td class="align-right">3</td>\n<td>4</td>\n</tr>\n</tbody>\n</table>\n',
    );
    expect(plain(table, base)).toBe(sanitized(table, base));
  });

  it('keeps no other class or style of a raw table cell, nor an alignment class on another tag', () => {
    expect(sanitizeBody('<table><tr><td style="text-align:right;color:red" class="x">1</td><td style="TEXT-ALIGN: Center">2</td></tr></table><p class="align-right">p</p>')).toBe(
      '<table><tr><td>1</td><td class="align-center">2</td></tr></table><p>p</p>',
    );
  });
});

describe('the linkify pretest', () => {
  // linkify-it's own pretest, the one body.ts replaces: the reference.
  const reference = (text: string): boolean => (Object.getPrototypeOf(markdown.linkify) as typeof markdown.linkify).pretest.call(markdown.linkify, text);
  const texts = [
    '',
    'No link in this sentence, only words.',
    'Two sentences. And a third one.',
    'Time: 10:30, ratio 3:1 and a colon at the end:',
    'see http://example.org and HTTPS://EXAMPLE.ORG/X',
    'ftp:files mailto:desk FTP: MAILTO:',
    'protocol-relative //cdn.example.org/x and a path a//b',
    'a comment //here, without a dot',
    'a//b',
    'under_http://example.org >https://example.org ｜http://example.org',
    'desk@example.org and a lone @ sign',
    'www.example.org WWW.EXAMPLE.ORG localhost LOCALHOST:3000',
    'example.com, example.co.uk., news.рф, xn--p1ai.test, 192.168.0.1 and version 1.2.3',
    'e.g. U.S. i.e. a.b .com at the start',
    'Arabic عربي. Hebrew עברית: and emoji 😀.',
    ...plainBodies,
  ];

  it('answers as linkify-it does, for schemes, fuzzy hosts and addresses in any case', () => {
    for (const text of texts) expect(markdown.linkify.pretest(text), text).toBe(reference(text));
    expect(texts.filter(reference).length).toBeGreaterThan(8);
    expect(texts.filter((text) => !reference(text)).length).toBeGreaterThan(3);
  });

  it('is tried on every scheme linkify-it knows, each of which has a colon or two slashes', () => {
    const schemes = /\)\(([^()]*)\)$/.exec(markdown.linkify.re.schema_test?.source ?? '')?.[1]?.split('|') ?? [];
    expect(schemes.map((scheme) => scheme.replaceAll('\\/', '/'))).toEqual(['http:', 'https:', 'ftp:', '//', 'mailto:']);
  });
});

describe('the faster newline, text and line rules', () => {
  // markdown-it as it ships, with the options of body.ts: the reference for every token.
  const stock = new (createRequire(import.meta.url)('markdown-it') as typeof MarkdownItClass)({ html: true, linkify: true });
  const parsedAlike = (source: string): void => expect(markdown.parse(source, {}), JSON.stringify(source)).toEqual(stock.parse(source, {}));

  it('gives the tokens markdown-it gives, for every construct and the whitespace around lines', () => {
    const edges = [
      '',
      '\n',
      '   ',
      'text',
      'last line without a newline',
      'a\n   ',
      'a\n\t \t',
      '```\nan unclosed fence\n   ',
      '    indented code\n      ',
      'a\n  b  \n\t\tc\n \t d',
      '\tcode after a tab\n  \tmixed\n    four spaces\n     five',
      '- item\n\t- tabbed sub\n   - three spaces\n\n  continued',
      '> quote\n>\tafter a tab\n> > nested',
      'a\r\nb\rc\n\n\n',
      'NUL \0 in a line, \r\r\n\n and a lone \r at the end\r',
      'run of text with every terminator: \\ ! # $ % & * + - : < = > @ [ ] ^ _ ` { } ~ and then more',
      '[link *em* text](/x) and ![img](/i.png "t") www.example.org desk@example.org https://a.example.org/b',
    ];
    for (const source of [...edges, ...plainBodies]) parsedAlike(source);
  });

  it('gives the tokens markdown-it gives for thousands of random sources of Markdown characters and whitespace', () => {
    const alphabet = ['a', 'b', 'w', ' ', ' ', '\t', '\n', '\n', '\r', '\0', '*', '_', '-', '#', '>', '`', '[', ']', '(', ')', '!', '<', '&', ':', '|', '~', '\\', '1', '.', '/', '@', '😀', 'é', '"'];
    let seed = 42;
    const random = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < 3000; i++) {
      const length = Math.floor(random() * 120);
      parsedAlike(Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
    }
  });
});
