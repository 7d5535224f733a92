// XML escaping for the hand-written feed serialisers: every character either escaped, safe to carry, or dropped.
// XML 1.0 has no way to write C0 controls other than tab, LF and CR, nor U+FFFE and U+FFFF (its Char production):
// one that got this far (a site's own catalogue, a config value) is dropped here, so no input can make a feed that
// no parser reads.
const notXml = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF';
const textPattern = new RegExp(`[&<>\\r${notXml}]`, 'g');
const attrPattern = new RegExp(`[&<>"\\t\\n\\r${notXml}]`, 'g');

const textEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const attrEntities: Record<string, string> = { ...textEntities, '"': '&quot;', '\t': '&#9;', '\n': '&#10;' };

/** Escapes text for XML or HTML element content; `>` too, so `]]>` can never end anything. CR survives parsing. */
export function escapeText(text: string): string {
  return text.replace(textPattern, (c) => textEntities[c] ?? '');
}

/** Escapes a value for a double-quoted XML attribute; tab and newlines survive attribute normalisation. */
export function escapeAttr(value: string): string {
  return value.replace(attrPattern, (c) => attrEntities[c] ?? '');
}

const plainEntities: Record<string, string> = { ...textEntities, '&': '&#x26;', '<': '&#x3C;' };

/**
 * Escapes plain text for an RSS element that readers may take for HTML (title, category, names): `&` and `<`
 * as hexadecimal references, which the RSS Best Practices Profile asks for, so they read as text.
 */
export function escapeRssText(text: string): string {
  return text.replace(textPattern, (c) => plainEntities[c] ?? '');
}
