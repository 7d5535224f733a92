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

/** An attribute value that runs script where a link, an animation or a reference reads it (spaces, controls and case aside). */
const scriptUrl = /(?:java|vb)script:|data:(?!image\/(?:png|jpe?g|gif|webp|avif)[;,])/;

/** Thrown from the parser's callback at the first active part found. */
class Found extends Error {}

/**
 * The problem of an SVG image (its text, at `path` of the content folder) that can run script when opened: a script or
 * embedded document, an event attribute (`onload=`), a `javascript:` (or non-image `data:`) value, an entity
 * declaration (which can hide markup from a reader of the file) or a style sheet transform; null for a drawing that cannot.
 */
export function validateSvg(text: string, path: string): Problem | null {
  const { Parser } = require('htmlparser2') as typeof HtmlParser;
  const hit = { what: '', at: -1 };
  const found = (what: string, at: number): never => {
    Object.assign(hit, { what, at });
    throw new Found();
  };
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const local = localName(name);
        if (activeElements.has(local)) found(`a <${name}> element`, parser.startIndex);
        for (const [attribute, value] of Object.entries(attributes)) {
          if (localName(attribute).startsWith('on')) found(`an event attribute ${attribute}=`, parser.startIndex);
          if (scriptUrl.test(value.replace(/[\s\0-\x1f]+/g, '').toLowerCase())) found(`a script or document URL in ${attribute}=`, parser.startIndex);
        }
      },
      onprocessinginstruction(name, data) {
        if (name.toLowerCase() === '?xml-stylesheet') found('an <?xml-stylesheet?> instruction', parser.startIndex);
        if (/<!ENTITY/i.test(data)) found('an entity declaration', parser.startIndex);
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  try {
    // The parser does not read a document type's declarations: one anywhere in the file is refused as it is.
    const entity = /<!ENTITY/i.exec(text);
    if (entity) found('an entity declaration', entity.index);
    parser.end(text);
  } catch (error) {
    if (!(error instanceof Found)) throw error;
  }
  if (hit.at < 0) return null;
  return {
    path,
    line: text.slice(0, hit.at).split('\n').length,
    message: `the SVG image has ${hit.what}, which can run script when the image is opened on its own: it is not published`,
    hint: 'save the drawing without scripts, event attributes and embedded pages (most editors have a "plain SVG" export), or use a PNG',
  };
}

/** A tag or attribute name without its namespace prefix, in lower case (`svg:script` is a script). */
function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1).toLowerCase();
}
