// What a refusal says about the reader's address (src/delivery/status.ts): the rule for SMTP answers and for bounces.
import { describe, expect, it } from 'vitest';
import { enhancedStatusOf, isBadAddress } from '../../src/delivery/status.js';

const judged = (words: string, rcptCode: number | null = null): boolean => isBadAddress({ status: enhancedStatusOf(words), words, rcptCode });

describe('isBadAddress', () => {
  it.each([
    '550 5.1.1 <ann@example.net>: Recipient address rejected: User unknown in virtual alias table',
    '550-5.1.1 The email account that you tried to reach does not exist.',
    '550 5.2.1 The email account that you tried to reach is disabled.',
    '550 5.4.1 Recipient address rejected: Access denied. AS(201806281)',
    '550 5.5.0 Requested action not taken: mailbox unavailable',
    '553 5.3.0 <ann@example.net>... No such user here',
    '550 5.4.4 Host or domain name not found. Name service error for name=example.net type=A: Host not found',
    '525 5.7.13 <ann@example.net>: Recipient address rejected: Disabled recipient address',
    '550 #5.1.0 Address rejected.',
    '550 User not found',
    '550 5.4.310 DNS domain example.net does not exist [Message=InfoDomainNonexistent]',
    '554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain',
    'This mailbox is disabled (554.30)',
  ])('names the address as bad: %s', (words) => {
    expect(judged(words)).toBe(true);
  });

  it.each([
    ['a Spamhaus listing of our domain, under 5.1.0', '550-5.1.0 MXIN506 MailFrom domain is listed in Spamhaus'],
    ['SPF, under 5.1.0', "550 5.1.0 192.0.2.222 is not allowed to send from <example.net> per it's SPF Record"],
    ["Gmail's rate limit, under 5.2.1", '550-5.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages'],
    ['a rate limit, under 5.1.1', '550 5.1.1 <ann@example.net> - 203.0.113.222 has sent to too many recipients this hour'],
    ['a blocklist, under 5.1.3', '553 5.1.3 http://www.spamhaus.org/query/bl?ip=192.0.2.222'],
    ['a quota, under qmail\'s #5.1.1', '552 sorry, mailbox ann@example.net is over quota temporarily (#5.1.1)'],
    ['a policy that also says "user unknown" (5.7.1)', '550 5.7.1 <ann@example.net>: Recipient address rejected: User unknown'],
    ['a full mailbox whose words say "unknown user" (5.2.0)', '550 5.2.0 Unknown user ann@example.net'],
    ['our sender refused', '550 5.1.0 <bounces@mail.example.org>: Sender address rejected: User unknown in virtual alias table'],
    ['a name server that answers badly (5.4.4)', '550 5.4.4 Name service error for name=example.net type=MX: Malformed or unexpected name server reply'],
    ["Microsoft's refusal of our HELO name (5.5.4)", '501 5.5.4 Invalid domain name [BMXPR01CA0083.INDPRD01.PROD.OUTLOOK.COM 2026-11-30T08:00:00.000Z]'],
    ['our HELO name not found (5.5.2)', '550 5.5.2 <mail.example.org>: Helo command rejected: Host not found'],
    ["GMX's refusal of our sending domain's DNS", '550-Requested action not taken: mailbox unavailable 550 invalid DNS MX or A/AAAA resource record'],
  ])('does not name the address as bad: %s', (_why, words) => {
    expect(judged(words)).toBe(false);
  });

  it('takes a bare 550, 551 or 553 for a bad address only as the answer to RCPT TO', () => {
    expect(judged('550 Requested action not taken', 550)).toBe(true);
    expect(judged('550 Requested action not taken')).toBe(false);
    expect(judged('554 Requested action not taken', 554)).toBe(false);
  });
});
