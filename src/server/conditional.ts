// Conditional requests (RFC 9110 §13): what a GET or HEAD of a file answers when the client says which copy it has.

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const month = months.join('|');
const day = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const time = '(\\d{2}):(\\d{2}):(\\d{2})';

// The three forms a recipient must read (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime ones.
const imfFixdate = new RegExp(`^(?:${day}), (\\d{2}) (${month}) (\\d{4}) ${time} GMT$`);
const rfc850 = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-(${month})-(\\d{2}) ${time} GMT$`);
const asctime = new RegExp(`^(?:${day}) (${month}) ([ \\d]\\d) ${time} (\\d{4})$`);

/** The instant of a UTC calendar time, or null when there is no such time (31 Feb, 25:00). */
function utc(year: number, monthName: string, dayOfMonth: number, hours: number, minutes: number, seconds: number): number | null {
  const monthIndex = months.indexOf(monthName);
  // A leap second (:60) is the last second of its minute.
  const ms = Date.UTC(year, monthIndex, dayOfMonth, hours, minutes, Math.min(seconds, 59));
  const date = new Date(ms);
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === monthIndex && date.getUTCDate() === dayOfMonth && hours < 24 && minutes < 60 && seconds <= 60;
  return real ? ms : null;
}

/**
 * An HTTP-date as milliseconds, or null for anything else: a recipient must ignore a precondition whose date is not
 * one (RFC 9110 §13.1.3), where `Date.parse` takes almost any text (`2099` made a stale copy "not modified").
 * `now` places RFC 850's two-digit years: one more than 50 years ahead is the century before.
 */
export function parseHttpDate(text: string, now = Date.now()): number | null {
  let match = imfFixdate.exec(text);
  if (match) return utc(Number(match[3]), match[2] ?? '', Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6]));
  match = rfc850.exec(text);
  if (match) {
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(match[3]);
    if (year > thisYear + 50) year -= 100;
    return utc(year, match[2] ?? '', Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6]));
  }
  match = asctime.exec(text);
  if (match) return utc(Number(match[6]), match[1] ?? '', Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]));
  return null;
}

/** The entity tags of an If-Match or If-None-Match list, each with whether it is weak; `*` for any. */
function entityTags(list: string): '*' | { tag: string; weak: boolean }[] {
  if (list.trim() === '*') return '*';
  return (list.match(/(?:W\/)?"[^"]*"/g) ?? []).map((tag) => (tag.startsWith('W/') ? { tag: tag.slice(2), weak: true } : { tag, weak: false }));
}

/** The preconditions a request sends, as its header values. */
export interface Preconditions {
  ifMatch?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
}

/**
 * What a GET or HEAD of a file with the strong `etag`, last modified at `modifiedMs`, answers under `request`'s
 * preconditions, evaluated in RFC 9110's order (§13.2.2): 412 when If-Match names none of its tags (strong comparison)
 * or, without If-Match, it changed after If-Unmodified-Since; 304 when If-None-Match names its tag (weak comparison)
 * or, without If-None-Match, it did not change after If-Modified-Since; else 200. A date that is no HTTP-date is ignored.
 */
export function evaluatePreconditions(request: Preconditions, etag: string, modifiedMs: number): 200 | 304 | 412 {
  // Last-Modified has whole seconds: a file written within the second the client names is not newer.
  const modified = Math.floor(modifiedMs / 1000) * 1000;
  const date = (text: string | undefined): number | null => (text === undefined ? null : parseHttpDate(text.trim()));
  if (request.ifMatch !== undefined) {
    const tags = entityTags(request.ifMatch);
    if (tags !== '*' && !tags.some(({ tag, weak }) => !weak && tag === etag)) return 412;
  } else {
    const since = date(request.ifUnmodifiedSince);
    if (since !== null && modified > since) return 412;
  }
  if (request.ifNoneMatch !== undefined) {
    const tags = entityTags(request.ifNoneMatch);
    return tags === '*' || tags.some(({ tag }) => tag === etag) ? 304 : 200;
  }
  const since = date(request.ifModifiedSince);
  return since !== null && modified <= since ? 304 : 200;
}
