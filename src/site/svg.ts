// SVG images are documents: opened on their own, a browser runs their scripts with the site's origin. `serve` sends
// them with a policy that allows none, but a static host sends them as they are, so an SVG that can run script is
// not published at all.
import { createRequire } from 'node:module';
import type * as HtmlParser from 'htmlparser2';
import type { Problem } from '../errors.js';

const require = createRequire(import.meta.url);

/**
 * Elements that run script, or hold a document that may: in SVG, or HTML inside it. `foreignObject` itself is no
 * such element (diagram tools put their labels' HTML in it): what it holds is looked at like the rest.
 */
const activeElements = new Set(['script', 'iframe', 'frame', 'embed', 'object', 'handler', 'listener']);

/** Attributes whose value a browser follows or sets as a URL: a link, a reference, an animation's values. */
const urlAttributes = new Set(['href', 'src', 'action', 'formaction', 'to', 'from', 'by', 'values']);

/** A URL that runs script where the document opens it (spaces, controls and case aside). A `data:` URL opens with an origin of its own. */
const scriptUrl = /^(?:java|vb)script:/;

/**
 * Encodings a browser reads as ASCII for the markup's own characters: another one (UTF-16, or ISO-2022-JP, whose
 * escapes a browser drops) would show it a tag that the check, reading UTF-8, does not see.
 */
const asciiEncodings = /^(?:utf-8|us-ascii|ascii|iso-8859-\d+|windows-125\d)$/i;

/**
 * An internal DTD subset of entity declarations only, each a plain value (Illustrator declares its namespaces so):
 * anything else there (an attribute's default value, `onload` included; markup in an entity) is refused, and a URL
 * attribute that uses an entity too.
 */
const entityDeclaration = /\s*(?:<!--[\s\S]*?-->|<!ENTITY\s+[\w.:-]+\s+(?:"([^"<&%]*)"|'([^'<&%]*)')\s*>)/y;

/** Thrown from the parser's callback at the first active part found. */
class Found extends Error {}

/**
 * The problem of an SVG image (its bytes, at `path` of the content folder) that can run script when opened, or whose
 * markup a browser may read otherwise than this check: a script or embedded document, an event attribute (`onload=`),
 * a `javascript:` URL, an internal DTD subset with more than plain entities, an XHTML document type (which makes HTML's
 * entities mean something), an encoding not read as ASCII, or an XSLT style sheet; null for a drawing that cannot.
 */
export function validateSvg(bytes: Uint8Array, path: string): Problem | null {
  const { Parser } = require('htmlparser2') as typeof HtmlParser;
  const hit = { what: '', at: -1 };
  const found = (what: string, at: number): never => {
    Object.assign(hit, { what, at });
    throw new Found();
  };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const local = localName(name);
        if (activeElements.has(local)) found(`a <${name}> element`, parser.startIndex);
        for (const [attribute, value] of Object.entries(attributes)) {
          const key = localName(attribute);
          if (key.startsWith('on')) found(`an event attribute ${attribute}=`, parser.startIndex);
          if (key === 'attributename' && /^(?:\w+:)?on/i.test(value.trim())) found(`an animation of the event attribute ${value.trim()}`, parser.startIndex);
          if (!urlAttributes.has(key)) continue;
          // An entity the parser left as it is (one of the document type's) would be a part of the URL it cannot see.
          if (/&[\w.:-]+;/.test(value)) found(`an entity in the URL of ${attribute}=`, parser.startIndex);
          // eslint-disable-next-line no-control-regex -- a browser drops control characters from a URL: so does the check
          if (value.split(';').some((url) => scriptUrl.test(url.replace(/[\s\0-\x1f]+/g, '').toLowerCase()))) found(`a script URL in ${attribute}=`, parser.startIndex);
        }
      },
      onprocessinginstruction(name, data) {
        if (name.toLowerCase() === '?xml-stylesheet' && !/\btype\s*=\s*["']text\/css["']/i.test(data)) found('an <?xml-stylesheet?> instruction that is no CSS', parser.startIndex);
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  try {
    checkBytes(text, found);
    parser.end(text);
  } catch (error) {
    if (!(error instanceof Found)) throw error;
  }
  if (hit.at < 0) return null;
  return {
    path,
    line: text.slice(0, hit.at).split('\n').length,
    message: `the SVG image has ${hit.what}, which can run script when the image is opened on its own: it is not published`,
    hint: 'save the drawing as plain SVG in UTF-8, without scripts, event attributes and embedded pages (most editors have a "plain SVG" export), or use a PNG',
  };
}

/** What the parser does not read for itself: the encoding (a BOM, NUL or escape bytes, the declaration) and the DTD's internal subset. */
function checkBytes(text: string, found: (what: string, at: number) => never): void {
  const encoding = /^(?:\xef\xbb\xbf)?<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']/.exec(text)?.[1];
  if (encoding !== undefined && !asciiEncodings.test(encoding)) found(`the encoding ${encoding}`, 0);
  // eslint-disable-next-line no-control-regex -- NUL and ESC bytes are what it looks for
  const unread = /^(?:\xfe\xff|\xff\xfe)|[\0\x1b]/.exec(text);
  if (unread) found('bytes of an encoding other than UTF-8 (UTF-16, or escapes)', unread.index);
  const doctype = /<!DOCTYPE([^[>]*)(\[?)/i.exec(text);
  if (doctype === null) return;
  // An XHTML document type makes a browser read HTML's entities (`&colon;`), which an XML reader leaves as they are.
  if (/html/i.test(doctype[1] ?? '')) found('an XHTML document type', doctype.index);
  if (doctype[2] === '') return;
  let at = doctype.index + doctype[0].length;
  for (;;) {
    entityDeclaration.lastIndex = at;
    if (!entityDeclaration.exec(text)) break;
    at = entityDeclaration.lastIndex;
  }
  if (!/^\s*\]\s*>/.test(text.slice(at))) found('a document type declaring more than plain entities', doctype.index);
}

/** A tag or attribute name without its namespace prefix, in lower case (`svg:script` is a script). */
function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1).toLowerCase();
}
