import { describe, expect, it } from 'vitest';
import { validateSvg } from '../../src/site/svg.js';

const svg = (inner: string, attributes = ''): string => `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"${attributes}>\n${inner}\n</svg>`;
const found = (text: string): string | undefined => validateSvg(text, 'images/map.svg')?.message.replace(/, which can run script.*/, '');

describe('validateSvg', () => {
  it('passes a drawing: shapes, text, links, raster images inline, a doctype, diagram labels in foreignObject', () => {
    const drawing = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">',
      svg(
        '<style>.a{fill:red}</style><rect class="a" width="10" height="10" opacity=".5"/><a href="https://example.org/"><text>javascript: is only text</text></a>' +
          '<image xlink:href="data:image/png;base64,iVBORw0KGgo="/><foreignObject width="9" height="9"><div xmlns="http://www.w3.org/1999/xhtml">Label</div></foreignObject>',
      ),
    ].join('\n');
    expect(validateSvg(drawing, 'images/map.svg')).toBeNull();
  });

  it('refuses scripts, embedded documents and event attributes, with or without a namespace prefix, at their line', () => {
    expect(validateSvg(svg('<rect/>\n<script>alert(1)</script>'), 'images/map.svg')).toEqual({
      path: 'images/map.svg',
      line: 3,
      message: 'the SVG image has a <script> element, which can run script when the image is opened on its own: it is not published',
      hint: 'save the drawing without scripts, event attributes and embedded pages (most editors have a "plain SVG" export), or use a PNG',
    });
    expect(found('<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>alert(1)</svg:script></svg:svg>')).toBe('the SVG image has a <svg:script> element');
    expect(found(svg('<foreignObject><iframe src="https://example.org/"/></foreignObject>'))).toBe('the SVG image has a <iframe> element');
    expect(found(svg('<rect/>', ' onload="alert(1)"'))).toBe('the SVG image has an event attribute onload=');
    expect(found(svg('<rect ONCLICK="alert(1)"/>'))).toBe('the SVG image has an event attribute ONCLICK=');
  });

  it('refuses script URLs wherever a link or an animation reads them, however spelt, and documents as data', () => {
    for (const [inner, attribute] of [
      ['<a xlink:href=" jav&#x09;ascript:alert(1)"><rect/></a>', 'xlink:href'],
      ['<a><set attributeName="href" to="javascript:alert(1)"/></a>', 'to'],
      ['<a><animate attributeName="href" values="#a;JaVaScRiPt:alert(1)"/></a>', 'values'],
      ['<use href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"/>', 'href'],
      ['<use href="data:image/svg+xml,&lt;svg onload=alert(1)&gt;"/>', 'href'],
    ]) {
      expect(found(svg(inner ?? '')), inner).toBe(`the SVG image has a script or document URL in ${attribute}=`);
    }
  });

  it('refuses entity declarations, which can hide markup, and style sheet transforms', () => {
    expect(found('<!DOCTYPE svg [<!ENTITY x "&#60;script&#62;alert(1)&#60;/script&#62;">]><svg>&x;</svg>')).toBe('the SVG image has an entity declaration');
    expect(found(`<?xml-stylesheet type="text/xsl" href="x.xsl"?>${svg('<rect/>')}`)).toBe('the SVG image has an <?xml-stylesheet?> instruction');
  });
});
