// What a refusal says about the reader: enhanced status codes (RFC 3463) and the server's words tell a bad address
// from a refusal of the message or of the sender, which must never cost a reader their subscription.

/** The enhanced status code (`5.1.1`) after the reply code of an SMTP answer (`550 5.1.1 …`, `550-5.1.1 …`, qmail's `550 #5.1.0 …`), or null. */
export function enhancedStatusOf(reply: string): string | null {
  return /(?:^|\s)[245]\d\d[ -]#?([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? null;
}

/** What the common servers say of a mailbox that does not exist or is disabled (sisimai's corpus of real bounces has them all). */
const noSuchMailbox = new RegExp(
  [
    "does not exist|doesn't exist|no such (user|mailbox|recipient)|user unknown|unknown user|user not found|address not found",
    "(doesn't|does not) have an? [\\w.]* ?account|mailbox (is )?(unavailable|not found|disabled|frozen)|account (has been |is )?(disabled|locked)|disabled recipient",
    'invalid (recipient|mailbox)|recipient name is not recognized|not listed in (the )?(domino directory|public name & address book)|no valid recipients',
    'invalid final delivery userid',
  ].join('|'),
  'i',
);

/**
 * What the common servers say of a domain that does not exist. Only where the code allows no other reading (none, the
 * generic 5.0.0, 5.4.4 and Microsoft's 5.4.310): a HELO name or a sender's domain not found come under 5.5.x and 5.7.x.
 */
const noSuchDomain =
  /no such domain|invalid domain|host or domain name not found|domain name not found|host not found|dns lookup failure: host \S+ not found|unknown host|host unknown|unrouteable address|no mx record|couldn't find a mail exchanger|non-?existent domain|illegal host\/domain name|host does not accept mail/i;

/**
 * What a server says when it refuses our sender, our server or the message, or puts it off: a blocklist, a rate, a
 * quota, SPF, a size, our HELO name or DNS. Servers say so under 5.1.x and 5.2.1 too (a Spamhaus listing as 5.1.3, Gmail's rate limit as
 * 5.2.1, a quota as `#5.1.1`), and it says nothing of the reader's address.
 */
const notAboutTheAddress = new RegExp(
  [
    'sender (address )?(rejected|denied|verify failed|domain)|sender denied|sender address|envelope sender|mail ?from|send(ing)? from|\\bspf\\b',
    'too many|rate limit|at a rate|spamhaus|spamcop|black ?list|block ?list|(?<!not )listed (at|in|on|by)|reputation|\\b(dns|r)bl\\b',
    'quota|mailbox (is )?full|mail ?folder is full|size limit|too (big|large)|temporar|\\b(helo|ehlo)\\b|invalid dns',
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
 * mailbox); with no status or the generic 5.0.0, a more specific status in the words, a 550, 551 or 553 to RCPT TO,
 * or words of a missing mailbox or domain; with 5.4.4 or 5.4.310, words of a missing domain or mailbox; with 5.3.0,
 * 5.4.1, 5.5.0 or 5.7.13, words of a missing or disabled mailbox. Any other status (a quota 5.4.5 or 5.2.0, a policy or
 * content filter 5.7.x, a system problem 5.3.x, a protocol error 5.5.x) refuses the message or the sender, and says
 * nothing of the reader.
 */
export function isBadAddress({ status, words, rcptCode = null }: Refusal): boolean {
  if (notAboutTheAddress.test(words)) return false;
  if (status === null || status === '5.0.0') {
    const specific = enhancedStatusOf(words);
    if (specific !== null && specific !== '5.0.0') return isBadAddress({ status: specific, words });
    return noSuchMailbox.test(words) || noSuchDomain.test(words) || (rcptCode !== null && [550, 551, 553].includes(rcptCode));
  }
  if (status === '5.1.7' || status === '5.1.8') return false;
  if (/^5\.1\.\d{1,3}$/.test(status) || status === '5.2.1') return true;
  if (status === '5.4.1' && /recipient address rejected/i.test(words)) return true;
  // Postfix says a domain with no DNS `5.4.4 Host or domain name not found`, Microsoft 365 `5.4.310 DNS domain … does not exist`.
  if (status === '5.4.4' || status === '5.4.310') return noSuchDomain.test(words) || noSuchMailbox.test(words);
  // sendmail's null MX (RFC 7505) of the reader's domain; a sender's null MX says `Sender address` (refused above).
  if (status === '5.7.27') return /host does not accept mail/i.test(words);
  // Codes that servers give a missing mailbox too, by the words: Outlook.com answers `550 5.5.0 … mailbox unavailable`,
  // others `5.3.0 No such user here` or, against RFC 3463 (an authenticated sender's account), `5.7.13 Disabled recipient address`.
  return ['5.3.0', '5.4.1', '5.5.0', '5.7.13'].includes(status) && noSuchMailbox.test(words);
}
