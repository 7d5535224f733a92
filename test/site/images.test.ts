// The images a build copies (src/site/images.ts): an SVG that can run code stays out.
import { describe, expect, it } from 'vitest';
import { checkSvg } from '../../src/site/images.js';

describe('checkSvg', () => {
  it.each([
    ['<svg>\n<script>alert(1)</script></svg>', 2, 'a <script>'],
    ['<svg><a href="javascript:alert(1)"><rect/></a></svg>', 1, 'a javascript: link'],
    ['<svg>\n\n<foreignObject><div>x</div></foreignObject></svg>', 3, 'embedded HTML'],
    ['<svg onload="go()"/>', 1, 'an event attribute such as onload='],
  ])('finds what runs code, at its line: %s', (text, line, what) => {
    expect(checkSvg(text, 'images/x.svg')).toMatchObject({ path: 'images/x.svg', line, message: expect.stringContaining(`(${what})`) });
  });

  it('leaves a plain drawing alone, whatever its text says', () => {
    expect(checkSvg('<svg xmlns="http://www.w3.org/2000/svg"><text x="1">one = 1; javascript: a language; onward=</text><path d="M0 0"/></svg>', 'images/x.svg')).toBeNull();
  });
});
