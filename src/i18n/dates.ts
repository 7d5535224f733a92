// Dates written out for readers, by the runtime's Intl (not luxon, which pages need not load: reading dates is the parsers' part).

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A date as readers of `language` write it in full, on its calendar day in `timeZone` (English when the language is unknown here). */
export function formatLongDate(date: Date, language: string, timeZone: string): string {
  const key = `${language}\0${timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    const options = { dateStyle: 'long', timeZone } as const;
    formatter = new Intl.DateTimeFormat(Intl.DateTimeFormat.supportedLocalesOf(language).length > 0 ? language : 'en', options);
    formatters.set(key, formatter);
  }
  return formatter.format(date);
}

/**
 * Formats one date and drops the formatter: ICU's start-up (12–17 ms here, paid once by the process, whichever thread
 * pays it) then happens on the calling thread, so a thread with time to spare can spare the one that renders pages.
 */
export function warmDateFormatting(): void {
  new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(0);
}
