// What a refusal says about the reader: enhanced status codes (RFC 3463) and the server's words tell a bad address
// from a refusal of the message or of the sender, which must never cost a reader their subscription.

/** The enhanced status code (`5.1.1`) after the reply code of an SMTP answer (`550 5.1.1 …`, `550-5.1.1 …`), or null. */
export function enhancedStatusOf(reply: string): string | null {
  return /(?:^|\s)[245]\d\d[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? null;
}

/** What the common servers say of an address that does not exist. */
const noSuchMailbox =
  /does not exist|doesn't exist|no such (user|mailbox|recipient)|user unknown|unknown user|(doesn't|does not) have an? [\w.]* ?account|mailbox (unavailable|not found|disabled)|invalid (recipient|mailbox)/i;

/** What a server says when it refuses our sender, not the reader's address. */
const aboutSender = /sender (address )?(rejected|denied|verify failed|domain)|sender denied|envelope sender|mail from/i;

/** A refusal to judge: its enhanced status, the server's words, and the reply code when it answered RCPT TO. */
export interface Refusal {
  status: string | null;
  words: string;
  rcptCode?: number | null;
}

/**
 * Whether a permanent refusal names the reader's address as bad: never when its words are about our sender; X.1.x
 * (no such mailbox, domain or route) but not 5.1.7 or 5.1.8 (about our sender's address), 5.2.1 (disabled), 5.4.1 with "recipient address rejected" (Microsoft
 * 365's answer for a missing mailbox); with no status or the generic 5.0.0, a more specific status in the words, the
 * words themselves ("user unknown"), or a 550, 551 or 553 to RCPT TO. A quota (5.4.5, 5.2.0 …Quota…), a policy or
 * content filter (5.7.x) or a system problem (5.3.x) refuses the message or the sender, and says nothing of the reader.
 */
export function isBadAddress({ status, words, rcptCode = null }: Refusal): boolean {
  // Servers refuse our sender with 5.1.0 (Postfix's reject_unlisted_sender, Exchange's "Sender denied") or even 5.1.1.
  if (aboutSender.test(words)) return false;
  if (status === null || status === '5.0.0') {
    const specific = enhancedStatusOf(words);
    if (specific !== null && specific !== '5.0.0') return isBadAddress({ status: specific, words });
    return noSuchMailbox.test(words) || (rcptCode !== null && [550, 551, 553].includes(rcptCode));
  }
  if (status === '5.1.7' || status === '5.1.8') return false;
  if (/^5\.1\.\d{1,3}$/.test(status) || status === '5.2.1') return true;
  if (status === '5.4.1') return /recipient address rejected/i.test(words) || noSuchMailbox.test(words);
  return false;
}
