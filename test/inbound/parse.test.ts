// Reports in the shapes real servers send (built from the RFCs and the servers' documentation), classified.
import { describe, expect, it } from 'vitest';
import { parseFieldGroups, parseInboundMessage } from '../../src/inbound/parse.js';
import { inboundFixture, type FixtureName } from './fixtures.js';

const values = {
  verp: 'bounces+4-7-0123456789abcdef0123456789abcdef@mail.example.org',
  unsubscribe: 'bounces+u-7-0123456789abcdef0123456789abcdef@mail.example.org',
  reader: 'ann@example.net',
  domain: 'mail.example.org',
};
const parse = (name: FixtureName, to: 'bounce' | 'unsubscribe' | null = 'bounce') => parseInboundMessage(inboundFixture(name, values), to);

describe('parseInboundMessage', () => {
  it.each([
    ['postfix-bounce', '5.1.1', /^550 5\.1\.1 <ann@example\.net>: Recipient address rejected: User unknown in virtual mailbox table$/],
    ['gmail-bounce', '5.1.1', /^550-5\.1\.1 The email account that you tried to reach does not exist\./],
    ['microsoft365-bounce', '5.1.10', /RESOLVER\.ADR\.RecipientNotFound/],
  ] as const)('reads a %s DSN as permanent, keeping status and diagnostic', async (name, status, diagnostic) => {
    const report = await parse(name);
    expect(report).toMatchObject({ kind: 'dsn', verdict: 'permanent', status, recipient: 'ann@example.net', standard: true });
    expect(report.kind === 'dsn' && report.diagnostic).toMatch(diagnostic);
    expect(report.references).toContain(values.verp);
  });

  it.each([
    ['postfix-delay', '4.2.2'],
    ['gmail-over-quota', '4.2.2'],
  ] as const)('reads a %s DSN (Action: delayed) as transient', async (name, status) => {
    expect(await parse(name)).toMatchObject({ kind: 'dsn', verdict: 'transient', status, standard: true });
  });

  it('guesses a non-standard Exim bounce from its SMTP reply code, as permanent', async () => {
    expect(await parse('exim-bounce')).toMatchObject({
      kind: 'dsn',
      verdict: 'permanent',
      status: '5.0.0',
      diagnostic: '550 No such user here',
      recipient: 'ann@example.net',
      standard: false,
    });
  });

  it('guesses a Yahoo "Failure Notice" from its 554 reply, as permanent', async () => {
    const report = await parse('yahoo-bounce');
    expect(report).toMatchObject({ kind: 'dsn', verdict: 'permanent', status: '5.0.0', standard: false });
    expect(report.kind === 'dsn' && report.diagnostic).toMatch(/^554: delivery error: dd This user doesn't have a yahoo\.com account/);
  });

  it('reads an Exim delay warning as transient, not the IP address in it as a status', async () => {
    const text = inboundFixture('exim-bounce', values)
      .replace('This is a permanent error. The following address(es) failed:', 'Delivery attempts will continue. The following address(es) are delayed:')
      .replace('550 No such user here', 'host mx.example.org [5.9.20.30]: 451 4.7.1 Greylisted, please try again later');
    expect(await parseInboundMessage(text, 'bounce')).toMatchObject({ kind: 'dsn', verdict: 'transient', status: '4.7.1' });
  });

  it('reads the status of an Exim bounce after the host\'s IP address, not the address', async () => {
    const text = inboundFixture('exim-bounce', values).replace('550 No such user here', 'host mx1.example.org [4.31.198.44]\n    550 5.1.1 <ann@example.net>: User unknown');
    expect(await parseInboundMessage(text, 'bounce')).toMatchObject({ kind: 'dsn', verdict: 'permanent', status: '5.1.1' });
  });

  it('takes an out-of-office that quotes a headline with "undelivered" in it for an auto-reply, not a bounce', async () => {
    const text = inboundFixture('out-of-office', values)
      .replace('Subject: Automatic reply: Example News: The bridge reopens', 'Subject: Automatic reply: Example News: Postal strike leaves letters undelivered')
      .replace('please contact the desk.', 'please call our front desk on 555-0100.');
    expect(await parseInboundMessage(text, 'bounce')).toMatchObject({ kind: 'auto-reply' });
  });

  it('reads a DSN that refuses the sender by policy (5.7.26 DMARC) as transient: the address is fine', async () => {
    const text = inboundFixture('gmail-bounce', values).replace('Status: 5.1.1', 'Status: 5.7.26');
    expect(await parseInboundMessage(text, 'bounce')).toMatchObject({ kind: 'dsn', verdict: 'transient', status: '5.7.26' });
  });

  it.each([
    ['5.0.0', 'smtp; 550 User unknown', 'permanent'],
    ['5.0.0', 'smtp; 550 5.7.1 Message rejected as spam', 'transient'],
    ['5.4.1', 'smtp; 550 5.4.1 Recipient address rejected: Access denied. AS(201806281)', 'permanent'],
    ['5.1.8', 'smtp; 553 5.1.8 Sender address domain does not resolve', 'transient'],
    ['5.1.0', 'smtp; 554 5.1.0 Sender denied', 'transient'],
    ['5.1.0', 'smtp; 550 5.1.0 <bounces@mail.example.org>: Sender address rejected: User unknown in virtual alias table', 'transient'],
  ] as const)('reads a DSN with status %s and the diagnostic "%s" as %s', async (status, diagnostic, verdict) => {
    const text = inboundFixture('postfix-bounce', values)
      .replace('Status: 5.1.1', `Status: ${status}`)
      .replace(/Diagnostic-Code: .*(\r?\n[ \t].*)*/, `Diagnostic-Code: ${diagnostic}`);
    expect(await parseInboundMessage(text, 'bounce')).toMatchObject({ kind: 'dsn', verdict, status });
  });

  it('takes a bounce without any code as transient when only the quoted digest says "does not exist"', async () => {
    const text = inboundFixture('exim-bounce', values)
      .replace('This is a permanent error. The following address(es) failed:', 'The mailbox is full. The following address(es) failed:')
      .replace(/ +SMTP error from remote mail server after RCPT TO:<[^>]+>:\r?\n +550 No such user here\r?\n/, '')
      .replace('Hello there,', 'Hello there, the bridge that does not exist yet,');
    expect(await parseInboundMessage(text, 'bounce')).toMatchObject({ kind: 'dsn', verdict: 'transient', status: null });
  });

  it('leaves a message of thousands of MIME parts, or of nested messages, unread, as no report has them', async () => {
    const reason = 'over 500 MIME part delimiters and types: no report has that many';
    const parts = Array.from({ length: 2000 }, () => '--b\r\n\r\n').join('');
    const raw = `From: x@example.net\r\nSubject: Undelivered\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts}--b--\r\n`;
    expect(await parseInboundMessage(raw, 'bounce')).toMatchObject({ kind: 'unknown', reason });
    const nested = `Message-ID: <cpu@example.net>\r\n${'Content-Type: message/rfc822\r\n\r\n'.repeat(31_000)}`;
    expect(await parseInboundMessage(nested, null)).toMatchObject({ kind: 'unknown', reason });
    // A bounce that quotes a whole digest is far from the limit.
    expect(await parse('postfix-bounce')).toMatchObject({ kind: 'dsn' });
  });

  it('reads an ARF abuse report as a complaint, naming the VERP sender and the mailto from the quoted headers', async () => {
    const report = await parse('arf-complaint', null);
    expect(report).toMatchObject({ kind: 'arf', feedbackType: 'abuse', recipient: 'ann@example.net' });
    expect(report.references).toEqual([values.verp, values.verp, values.unsubscribe]);
  });

  it('does not take a not-spam feedback report for a complaint', async () => {
    const text = inboundFixture('arf-complaint', values).replace('Feedback-Type: abuse', 'Feedback-Type: not-spam');
    expect(await parseInboundMessage(text, null)).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('not-spam') });
  });

  it('ignores an out-of-office reply even when it mentions a failed delivery', async () => {
    expect(await parse('out-of-office')).toMatchObject({ kind: 'auto-reply' });
    expect(await parse('out-of-office', 'unsubscribe')).toMatchObject({ kind: 'auto-reply' });
  });

  it('reads a plain message to the unsubscribe address as a mailto unsubscribe, and the same to a VERP address as nothing', async () => {
    expect(await parse('mailto-unsubscribe', 'unsubscribe')).toMatchObject({ kind: 'mailto-unsubscribe', from: 'ann@example.net', id: '<CAunsub20261130080000@mail.gmail.com>' });
    expect(await parse('mailto-unsubscribe', 'bounce')).toMatchObject({ kind: 'unknown' });
    const generated = inboundFixture('mailto-unsubscribe', values).replace('Subject: unsubscribe', 'Subject: unsubscribe\r\nAuto-Submitted: auto-generated');
    expect(await parseInboundMessage(generated, 'unsubscribe')).toMatchObject({ kind: 'mailto-unsubscribe' });
    // Apple Mail's Unsubscribe button marks its mail auto-replied (see sisimai.test.ts): at the unsubscribe address only an
    // out-of-office's other signs make it one.
    expect(await parseInboundMessage(generated.replace('auto-generated', 'auto-replied'), 'unsubscribe')).toMatchObject({ kind: 'mailto-unsubscribe' });
    expect(await parseInboundMessage(generated.replace('auto-generated', 'auto-replied'), 'bounce')).toMatchObject({ kind: 'auto-reply' });
    expect(await parse('not-a-report')).toMatchObject({ kind: 'unknown', reason: 'not a delivery report, complaint or unsubscribe' });
  });

  it('survives truncated MIME and garbage, and identifies a report without a Message-ID by its bytes', async () => {
    const full = inboundFixture('gmail-bounce', values);
    const cut = full.slice(0, full.indexOf('Status: 5.1.1') + 8);
    const report = await parseInboundMessage(cut, 'bounce');
    expect(report.kind).toBe('dsn');
    for (const garbage of ['', '\u0000\u0001binary', 'Content-Type: multipart/report; boundary=x\r\n\r\n--x\r\n']) {
      const parsed = await parseInboundMessage(garbage, 'bounce');
      expect(parsed.kind).toBe('unknown');
      expect(parsed.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });
});

describe('parseFieldGroups', () => {
  it('unfolds continued lines and splits groups at blank lines', () => {
    const groups = parseFieldGroups('Reporting-MTA: dns; a\n\nFinal-Recipient: rfc822; b@c\nDiagnostic-Code: smtp; 550\n  no such\nAction: failed\n');
    expect(groups.map((g) => Object.fromEntries(g))).toEqual([
      { 'reporting-mta': 'dns; a' },
      { 'final-recipient': 'rfc822; b@c', 'diagnostic-code': 'smtp; 550 no such', action: 'failed' },
    ]);
  });
});
