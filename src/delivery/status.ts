// What a refusal says about the reader: enhanced status codes (RFC 3463) and the server's words tell a bad address
// from a refusal of the message or of the sender, which must never cost a reader their subscription.

/** The enhanced status code (`5.1.1`) after the reply code of an SMTP answer (`550 5.1.1 …`, `550-5.1.1 …`, qmail's `550 #5.1.0 …`), or null. */
export function enhancedStatusOf(reply: string): string | null {
  return /(?:^|\s)[245]\d\d[ -]#?([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? null;
}

/** What the common servers say of an address, or a domain, that does not exist (sisimai's corpus of real bounces has them all). */
const noSuchAddress = new RegExp(
  [
    "does not exist|doesn't exist|no such (user|mailbox|recipient|domain)|user unknown|unknown user|user not found|address not found",
    "(doesn't|does not) have an? [\\w.]* ?account|mailbox (unavailable|not found|disabled|is frozen)|account (has been |is )?(disabled|locked)|disabled recipient",
    'invalid (recipient|mailbox|domain)|recipient name is not recognized|not listed in (the )?(domino directory|public name & address book)',
    "no valid recipients|host or domain name not found|domain name not found|host not found|unknown host|host unknown|unrouteable address",
    "no mx record|couldn't find a mail exchanger",
  ].join('|'),
  'i',
);

/**
 * What a server says when it refuses our sender, our server or the message, or puts it off: a blocklist, a rate, a
 * quota, SPF, a size. Servers say so under 5.1.x and 5.2.1 too (a Spamhaus listing as 5.1.3, Gmail's rate limit as
 * 5.2.1, a quota as `#5.1.1`), and it says nothing of the reader's address.
 */
const notAboutTheAddress = new RegExp(
  [
    'sender (address )?(rejected|denied|verify failed|domain)|sender denied|sender address|envelope sender|mail ?from|send(ing)? from|\\bspf\\b',
    'too many|rate limit|at a rate|spamhaus|spamcop|black ?list|block ?list|(?<!not )listed (at|in|on|by)|reputation|\\b(dns|r)bl\\b',
    'quota|mailbox (is )?full|mail ?folder is full|size limit|too (big|large)|temporar',
  ].join('|'),
  'i',
);

/** A refusal to judge: its enhanced status, the server's words, and the reply code when it answered RCPT TO. */
export interface Refusal {
  status: string | null;
  words: string;
  rcptCode?: number | null;
}

/**
 * Whether a permanent refusal names the reader's address as bad: never when its words are about our sender, our
 * server, a rate, a quota or a size; X.1.x (no such mailbox, domain or route) but not 5.1.7 or 5.1.8 (about our
 * sender's address), 5.2.1 (disabled), 5.4.1 with "recipient address rejected" (Microsoft 365's answer for a missing
 * mailbox); with no status or the generic 5.0.0, a more specific status in the words, or a 550, 551 or 553 to RCPT TO;
 * with 5.3.x, 5.4.1, 5.4.4, 5.5.x or 5.7.13, or no status, words that say the address or its domain is not there
 * ("user unknown", "mailbox unavailable", "host or domain name not found"). Otherwise a quota (5.4.5, 5.2.0 …Quota…), a
 * policy or content filter (5.7.x) or a system problem (5.3.x) refuses the message or the sender, and says nothing of
 * the reader.
 */
export function isBadAddress({ status, words, rcptCode = null }: Refusal): boolean {
  if (notAboutTheAddress.test(words)) return false;
  if (status === null || status === '5.0.0') {
    const specific = enhancedStatusOf(words);
    if (specific !== null && specific !== '5.0.0') return isBadAddress({ status: specific, words });
    return noSuchAddress.test(words) || (rcptCode !== null && [550, 551, 553].includes(rcptCode));
  }
  if (status === '5.1.7' || status === '5.1.8') return false;
  if (/^5\.1\.\d{1,3}$/.test(status) || status === '5.2.1') return true;
  if (status === '5.4.1' && /recipient address rejected/i.test(words)) return true;
  // Statuses that servers give a missing address too, by the words: Outlook.com answers `550 5.5.0 … mailbox
  // unavailable`, Postfix a domain with no DNS `5.4.4 Host or domain name not found`, others `5.3.0 No such user here` or
  // a disabled recipient 5.7.13. Not X.2.x (it says the mailbox is there: Japanese carriers answer a reader's own filter
  // `5.2.0 … Unknown user`), nor other 5.7.x (a policy refused the message, whatever else it says).
  return /^5\.(3\.\d{1,3}|4\.[14]|5\.\d{1,3}|7\.13)$/.test(status) && noSuchAddress.test(words);
}
