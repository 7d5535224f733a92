// What a refusal says about the reader: enhanced status codes (RFC 3463) tell a bad address from a refusal of the
// message or of the sender, which must never cost a reader their subscription.

/** The enhanced status code (`5.1.1`) after the reply code of an SMTP answer (`550 5.1.1 …`, `550-5.1.1 …`), or null. */
export function enhancedStatusOf(reply: string): string | null {
  return /(?:^|\s)[245]\d\d[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? null;
}

/**
 * Whether a permanent status names the address itself as bad: X.1.x (no such mailbox, domain or route) or 5.2.1
 * (mailbox disabled). A quota (5.4.5, 5.2.0 …Quota…), a policy or content filter (5.7.x) or a system problem (5.3.x)
 * refuses the message or the sender, and says nothing about the reader.
 */
export function isBadAddressStatus(status: string): boolean {
  return /^5\.1\.\d{1,3}$/.test(status) || status === '5.2.1';
}
