import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/content/html.js';
import { escapeHtml as escapeMailHtml } from '../../src/digest/personalize.js';

const samples = ['plain', 'Tom & Jerry <b>"bold"</b>', "l'été > 30 °C & <script>", '&amp; already', '', 'ملخص "الأخبار" & <تقرير>'];

describe('escapeHtml', () => {
  it("escapes exactly as markdown-it's escapeHtml, which the pages and feeds used before", () => {
    const { escapeHtml: markdownIts } = new MarkdownIt().utils;
    for (const text of samples) expect(escapeHtml(text)).toBe(markdownIts(text));
    expect(escapeHtml('a & <b> "c"')).toBe('a &amp; &lt;b&gt; &quot;c&quot;');
  });

  it('leaves single quotes to the mail escaper, which also escapes them', () => {
    expect(escapeHtml("it's")).toBe("it's");
    expect(escapeMailHtml(`it's <"x"> & y`)).toBe('it&#39;s &lt;&quot;x&quot;&gt; &amp; y');
  });
});
