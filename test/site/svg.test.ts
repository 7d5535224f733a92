import { describe, expect, it } from 'vitest';
import { validateSvg } from '../../src/site/svg.js';

const svg = (inner: string, attributes = ''): string => `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"${attributes}>\n${inner}\n</svg>`;
const check = (text: string | Buffer): ReturnType<typeof validateSvg> => validateSvg(typeof text === 'string' ? Buffer.from(text) : text, 'images/map.svg');
const found = (text: string | Buffer): string | undefined => check(text)?.message.replace(/, which can run script.*/, '');

describe('validateSvg', () => {
  it('passes drawings as editors and chart tools save them', () => {
    const drawings = {
      inkscape: [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        '<!-- Created with Inkscape (http://www.inkscape.org/) -->',
        svg('<sodipodi:namedview xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" id="base"/><image xlink:href="data:image/png;base64,iVBORw0KGgo="/>'),
      ].join('\n'),
      svg11: `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n${svg('<style>.a{fill:red}</style><rect class="a" width="10" height="10" opacity=".5"/>')}`,
      illustrator: `<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n\t<!ENTITY ns_ai "http://ns.adobe.com/AdobeIllustrator/10.0/">\n\t<!ENTITY ns_graphs "http://ns.adobe.com/Graphs/1.0/">\n]>\n${svg('<rect/>', ' xmlns:i="&ns_ai;"')}`,
      drawio: svg(
        '<g><foreignObject width="9" height="9"><div xmlns="http://www.w3.org/1999/xhtml">Raw data: CSV files</div></foreignObject><image xlink:href="data:image/svg+xml;base64,PHN2Zy8+"/></g>',
        ' content="&lt;mxfile&gt;Raw data: CSV&lt;/mxfile&gt;"',
      ),
      chart: `<?xml-stylesheet type="text/css" href="chart.css"?>\n${svg('<g aria-label="Unemployment. Data: Eurostat" data-source="data: Eurostat"><a href="https://ec.europa.eu/eurostat"><text>javascript: is only text</text></a></g>')}`,
    };
    for (const [tool, drawing] of Object.entries(drawings)) expect(check(drawing), tool).toBeNull();
  });

  it('refuses scripts, embedded documents and event attributes, with or without a namespace prefix, at their line', () => {
    expect(check(svg('<rect/>\n<script>alert(1)</script>'))).toEqual({
      path: 'images/map.svg',
      line: 3,
      message: 'the SVG image has a <script> element, which can run script when the image is opened on its own: it is not published',
      hint: 'save the drawing as plain SVG in UTF-8, without scripts, event attributes and embedded pages (most editors have a "plain SVG" export), or use a PNG',
    });
    expect(found('<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>alert(1)</svg:script></svg:svg>')).toBe('the SVG image has a <svg:script> element');
    expect(found(svg('<foreignObject><iframe srcdoc="x"/></foreignObject>'))).toBe('the SVG image has a <iframe> element');
    expect(found(svg('<rect/>', ' onload="alert(1)"'))).toBe('the SVG image has an event attribute onload=');
    expect(found(svg('<rect ONCLICK="alert(1)"/>'))).toBe('the SVG image has an event attribute ONCLICK=');
    expect(found(svg('<set attributeName="onclick" to="alert(1)"/>'))).toBe('the SVG image has an animation of the event attribute onclick');
  });

  it('refuses script URLs wherever a link or an animation reads them, however spelt', () => {
    for (const [inner, attribute] of [
      ['<a xlink:href=" jav&#x09;ascript:alert(1)"><rect/></a>', 'xlink:href'],
      ['<a><set attributeName="href" to="javascript:alert(1)"/></a>', 'to'],
      ['<a><animate attributeName="href" values="#a;JaVaScRiPt:alert(1)"/></a>', 'values'],
      ['<foreignObject><form xmlns="http://www.w3.org/1999/xhtml" action="javascript:alert(1)"><button>Go</button></form></foreignObject>', 'action'],
    ]) {
      expect(found(svg(inner ?? '')), inner).toBe(`the SVG image has a script URL in ${attribute}=`);
    }
  });

  it('refuses what a browser reads otherwise than an XML reader: DTD declarations, entities in URLs, XHTML, other encodings', () => {
    const payload = svg('<rect/>');
    expect(found(`<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]>\n${payload}`)).toBe('the SVG image has a document type declaring more than plain entities');
    expect(found('<!DOCTYPE svg [<!ENTITY x "&#60;script&#62;alert(1)&#60;/script&#62;">]><svg>&x;</svg>')).toBe('the SVG image has a document type declaring more than plain entities');
    expect(found(`<!DOCTYPE svg [<!ENTITY j "javascript">]>\n${svg('<a href="&j;:alert(1)"><rect/></a>')}`)).toBe('the SVG image has an entity in the URL of href=');
    const xhtml = '<!DOCTYPE svg PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">';
    expect(found(`${xhtml}\n${svg('<a href="javascript&colon;alert(1)"><rect/></a>')}`)).toBe('the SVG image has an XHTML document type');
    expect(found(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(svg('<script>alert(1)</script>'), 'utf16le')]))).toBe(
      'the SVG image has bytes of an encoding other than UTF-8 (UTF-16, or escapes)',
    );
    expect(found(`<?xml version="1.0" encoding="ISO-2022-JP"?>\n${svg('<scr\x1b(Bipt>alert(1)</scr\x1b(Bipt>')}`)).toBe('the SVG image has the encoding ISO-2022-JP');
    expect(found(`<?xml-stylesheet type="text/xsl" href="x.xsl"?>${payload}`)).toBe('the SVG image has an <?xml-stylesheet?> instruction that is no CSS');
  });
});
