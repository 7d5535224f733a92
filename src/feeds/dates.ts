// The two date formats feeds use, both in UTC so a rebuild anywhere gives the same bytes.

/** RFC 822 date with its weekday, as RSS wants (`Wed, 19 Oct 2022 08:00:00 GMT`). */
export function rfc822(date: Date): string {
  return date.toUTCString();
}

/** RFC 3339 date, as Atom and JSON Feed want; whole seconds are written without a fraction. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}
