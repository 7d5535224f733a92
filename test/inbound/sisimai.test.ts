// Real returned mail from sisimai's corpus (test/fixtures/inbound/sisimai/README.md), read as the listener reads it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInboundMessage, type InboundMessage } from '../../src/inbound/parse.js';

/** A corpus message as SMTP hands it over: CRLF line ends. */
function corpus(name: string): string {
  return readFileSync(new URL(`../fixtures/inbound/sisimai/${name}.eml`, import.meta.url), 'latin1').replace(/\r?\n/g, '\r\n');
}

/** What Gazette makes of a message: a DSN's verdict, else its kind. */
function outcome(message: InboundMessage): string {
  return message.kind === 'dsn' ? message.verdict : message.kind;
}

/** Bounces that say the address or its domain is not there. */
const permanent = {
  'Postfix 5.4.4 "Host or domain name not found", and the like': ['lhost-postfix-06', 'rhost-aol-01', 'rhost-aol-05', 'lhost-amazonses-18', 'lhost-qmail-11', 'lhost-qmail-12'],
  'generic 5.0.0 with words of a missing mailbox or domain': ['lhost-postfix-76', 'lhost-courier-04', 'lhost-postfix-52', 'lhost-postfix-61', 'rhost-iua-01', 'rfc3464-51', 'rhost-gsuite-01'],
  'no code, words of a missing mailbox or domain': [
    ...['lhost-imailserver-01', 'lhost-exchange2003-01', 'lhost-exchange2003-02', 'lhost-exchange2003-03', 'lhost-exchange2003-05', 'lhost-exchange2003-07'],
    ...['lhost-domino-01', 'lhost-notes-03', 'lhost-yahoo-09', 'rfc3464-37', 'lhost-verizon-01', 'lhost-mailru-06', 'lhost-qmail-10', 'lhost-x6-02'],
  ],
  '5.5.0, 5.3.0 or 5.7.13 with words of a missing or disabled mailbox': [
    ...['lhost-outlook-08', 'rhost-outlook-08', 'lhost-sendmail-46', 'rhost-franceptt-02', 'lhost-x3-01', 'lhost-x3-03'],
    ...['lhost-dragonfly-21', 'lhost-dragonfly-27', 'lhost-sendmail-35', 'lhost-v5sendmail-02', 'lhost-v5sendmail-04'],
  ],
  'a missing mailbox or domain said only in the report\'s text, the Status comment or the line before qmail\'s code': [
    ...['rfc3464-65', 'lhost-messagingserver-05', 'lhost-qmail-01', 'lhost-imailserver-03', 'lhost-dragonfly-04', 'lhost-sendmail-57', 'lhost-ezweb-02'],
  ],
  'a hard bounce of every other server': [
    ...['lhost-activehunter-01', 'lhost-amavis-01', 'lhost-amazonses-05', 'lhost-amazonworkmail-01', 'lhost-courier-01', 'lhost-dragonfly-09'],
    ...['lhost-exchange2007-01', 'lhost-exim-02', 'lhost-ezweb-04', 'lhost-gmail-01', 'lhost-gmx-02', 'lhost-mailru-01', 'lhost-mcafee-02'],
    ...['lhost-messagingserver-01', 'lhost-mfilter-02', 'lhost-mxlogic-01', 'lhost-office365-01', 'lhost-opensmtpd-01', 'lhost-outlook-02'],
    ...['lhost-postfix-02', 'lhost-powermta-01', 'lhost-qmail-02', 'lhost-receivingses-01', 'lhost-sendgrid-01', 'lhost-sendmail-01'],
    ...['lhost-yahoo-01', 'lhost-yandex-01', 'lhost-zoho-01', 'rfc3464-10', 'rhost-aol-04', 'rhost-apple-01', 'rhost-facebook-04'],
    ...['rhost-franceptt-01', 'rhost-google-01', 'rhost-gsuite-09', 'rhost-kddi-02', 'rhost-messagelabs-02', 'rhost-microsoft-02'],
    ...['rhost-outlook-02', 'rhost-yahooinc-03'],
  ],
};

/** Refusals that say nothing bad of the address: each made a reader `bounced` for good before. */
const transient = {
  'Exim\'s "This is a permanent error" before a full mailbox, a timeout or a size': [
    ...['lhost-exim-06', 'lhost-exim-07', 'lhost-gmx-04', 'lhost-mailru-10', 'lhost-einsundeins-02', 'lhost-exim-53', 'lhost-exim-57'],
    ...['lhost-gmail-10', 'lhost-gmail-11', 'lhost-gmail-15', 'lhost-gmail-19', 'lhost-x4-01', 'lhost-zoho-05'],
  ],
  'a refusal at connection, HELO, MAIL FROM or of the message body': [
    ...['lhost-exim-35', 'lhost-exim-36', 'lhost-exim-40', 'lhost-exim-47', 'lhost-exim-51', 'lhost-exim-54', 'lhost-ezweb-08'],
    ...['lhost-v5sendmail-06', 'lhost-imailserver-06', 'lhost-qmail-04'],
  ],
  'our sender, IP or rate refused under 5.1.x or 5.2.1, a quota under #5.1.1': [
    ...['lhost-postfix-80', 'lhost-office365-03', 'rhost-godaddy-02', 'rhost-godaddy-03', 'lhost-postfix-59', 'lhost-mailfoundry-02'],
  ],
  "the remote's 5.7.1 under sendmail's Status: 5.1.1": ['lhost-sendmail-33', 'lhost-sendmail-36'],
  'a name server that answers badly (5.4.4 without a missing domain)': ['rhost-aol-06'],
  'a soft bounce of every other server': [
    ...['lhost-amavis-03', 'lhost-amazonses-01', 'lhost-amazonworkmail-03', 'lhost-barracuda-01', 'lhost-biglobe-01', 'lhost-courier-03'],
    ...['lhost-domino-02', 'lhost-dragonfly-01', 'lhost-einsundeins-03', 'lhost-exchange2003-04', 'lhost-exchange2007-02', 'lhost-exim-01'],
    ...['lhost-ezweb-01', 'lhost-gmail-03', 'lhost-gmx-01', 'lhost-googlegroups-01', 'lhost-googleworkspace-01', 'lhost-imailserver-02'],
    ...['lhost-mailru-02', 'lhost-messagingserver-02', 'lhost-mfilter-04', 'lhost-notes-01', 'lhost-office365-05', 'lhost-opensmtpd-04'],
    ...['lhost-outlook-01', 'lhost-postfix-08', 'lhost-qmail-03', 'lhost-receivingses-03', 'lhost-sendgrid-03', 'lhost-sendmail-04'],
    ...['lhost-surfcontrol-02', 'lhost-v5sendmail-01', 'lhost-x1-02', 'lhost-x3-02', 'lhost-yahoo-02', 'lhost-yandex-03', 'lhost-zoho-04'],
    ...['rfc3464-03', 'rhost-aol-02', 'rhost-apple-02', 'rhost-cox-01', 'rhost-franceptt-03', 'rhost-google-03', 'rhost-gsuite-03'],
    ...['rhost-kddi-01', 'rhost-messagelabs-01', 'rhost-microsoft-01', 'rhost-mimecast-01', 'rhost-nttdocomo-01', 'rhost-outlook-01'],
    ...['rhost-spectrum-01', 'rhost-tencent-01', 'rhost-yahooinc-01'],
  ],
};

const cases = (groups: Record<string, string[]>): [string, string][] => Object.entries(groups).flatMap(([why, names]) => names.map((name): [string, string] => [why, name]));

describe("sisimai's corpus of real returned mail", () => {
  it.each(cases(permanent))('reads as permanent: %s (%s)', async (_why, name) => {
    expect(outcome(await parseInboundMessage(corpus(name), 'bounce'))).toBe('permanent');
  });

  it.each(cases(transient))('reads as transient: %s (%s)', async (_why, name) => {
    expect(outcome(await parseInboundMessage(corpus(name), 'bounce'))).toBe('transient');
  });

  it("reads Microsoft's JMRP reports, which are no ARF, as complaints naming the reader", async () => {
    for (const name of ['arf-22', 'arf-23', 'arf-24']) {
      expect(await parseInboundMessage(corpus(name), null)).toMatchObject({ kind: 'arf', feedbackType: 'abuse', recipient: 'kijitora@example.com' });
    }
    expect(await parseInboundMessage(corpus('arf-01'), null)).toMatchObject({ kind: 'arf', feedbackType: 'abuse' });
  });

  it("reads Apple Mail's Unsubscribe, marked auto-replied, as a mailto unsubscribe at the unsubscribe address", async () => {
    expect(await parseInboundMessage(corpus('arf-26'), 'unsubscribe')).toMatchObject({ kind: 'mailto-unsubscribe', from: 'example@icloud.com' });
  });

  it('reads a success report (Action: deliverable, 2.1.5) as delivered, and RFC 3834 auto-replies as such', async () => {
    expect(await parseInboundMessage(corpus('rfc3464-28'), 'bounce')).toMatchObject({ kind: 'dsn', verdict: 'delivered', status: '2.1.5' });
    for (const name of ['rfc3834-01', 'rfc3834-02']) expect(outcome(await parseInboundMessage(corpus(name), 'bounce'))).toBe('auto-reply');
  });

  it("takes Exim's pipelined commands for what they answer, and an indented Received: line for the report's own", async () => {
    const sender = corpus('lhost-exim-36').replace('after MAIL FROM:', 'after pipelined MAIL FROM:').replace('550 Unroutable sender address', '550 Requested action not taken: mailbox unavailable');
    expect(outcome(await parseInboundMessage(sender, 'bounce'))).toBe('transient');
    const indented = corpus('lhost-qmail-02').replace('192.0.2.153 does not like recipient.', '  Received: 2026-11-30 08:00\r\n192.0.2.153 does not like recipient.');
    expect(outcome(await parseInboundMessage(indented, 'bounce'))).toBe('permanent');
  });

  it('reads no complaint at the unsubscribe address: whatever comes there is its reader\'s request', async () => {
    expect(await parseInboundMessage(corpus('arf-22'), 'unsubscribe')).toMatchObject({ kind: 'mailto-unsubscribe' });
  });

  it("never reads the quoted digest as the report, whatever a day's articles say, behind qmail's and Yahoo's separator", async () => {
    // Its reply without the code, so that nothing before the quote is coded: a code in the quoted digest would decide.
    const uncoded = corpus('lhost-yahoo-02').replace('550 5.2.2 <kijitora@example.ed.jp>... Mailbox Full [RCPT_TO]', 'Mailbox Full');
    expect(outcome(await parseInboundMessage(uncoded, 'bounce'))).toBe('transient');
    for (const article of ['Section 5.1.1 of the plan was approved.', 'Call 550 1234 for tickets.', 'Plans for a bridge that does not exist yet.']) {
      expect(outcome(await parseInboundMessage(`${uncoded}${article}\r\n`, 'bounce'))).toBe('transient');
    }
  });
});
