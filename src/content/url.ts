// Absolute links: every URL an article carries ends up absolute, so feeds, pages and mail agree.

/**
 * A URL as RFC 3986 allows it: what the WHATWG parser leaves as it is but URIs may not hold (`|`, `^`, a backtick,
 * braces, and in a query `"`, `<`, `>`, `\`, a space, and a `%` that starts no escape, as in `100%.png`)
 * percent-encoded, as strict feed readers and validators require.
 */
export function strictHref(url: URL): string {
  return url.href.replace(/[|^`{}"<>\\ ]|%(?![0-9A-Fa-f]{2})/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Whether `value` starts with a URL scheme (`https:`, `mailto:`, `javascript:`). */
export function hasScheme(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(value);
}

/**
 * Makes `value` an absolute http(s) URL: absolute URLs are kept, anything else is a path under `baseUrl`
 * (a leading `/` included, so a site under a path prefix works). Returns null for what cannot be a web URL.
 */
export function absoluteUrl(value: string, baseUrl: string): string | null {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  const isAbsolute = hasScheme(trimmed) || trimmed.startsWith('//');
  const candidate = isAbsolute ? URL.parse(trimmed, `${baseUrl}/`) : URL.parse(trimmed.replace(/^\/+/, ''), `${baseUrl}/`);
  if (!candidate || (candidate.protocol !== 'https:' && candidate.protocol !== 'http:')) return null;
  return strictHref(candidate);
}
