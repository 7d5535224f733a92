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
    expect(await parseInboundMessage(generated.replace('auto-generated', 'auto-replied'), 'unsubscribe')).toMatchObject({ kind: 'auto-reply' });
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
