// XML escaping for the hand-written feed serialisers: every character either escaped or safe to carry.

const textEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const attrEntities: Record<string, string> = { ...textEntities, '"': '&quot;', '\t': '&#9;', '\n': '&#10;' };

/** Escapes text for XML or HTML element content; `>` too, so `]]>` can never end anything. CR survives parsing. */
export function escapeText(text: string): string {
  return text.replace(/[&<>\r]/g, (c) => textEntities[c] ?? c);
}

/** Escapes a value for a double-quoted XML attribute; tab and newlines survive attribute normalisation. */
export function escapeAttr(value: string): string {
  return value.replace(/[&<>"\t\n\r]/g, (c) => attrEntities[c] ?? c);
}

const plainEntities: Record<string, string> = { ...textEntities, '&': '&#x26;', '<': '&#x3C;' };

/**
 * Escapes plain text for an RSS element that readers may take for HTML (title, category, names): `&` and `<`
 * as hexadecimal references, which the RSS Best Practices Profile asks for, so they read as text.
 */
export function escapeRssText(text: string): string {
  return text.replace(/[&<>\r]/g, (c) => plainEntities[c] ?? c);
}
