// The server's pages and the confirmation mail of an Arabic site, through real HTTP and a real SMTP server.
import { afterEach, describe, expect, it } from 'vitest';
import { createToken } from '../../src/subscribers/tokens.js';
import { secret, startHarness, type Harness } from '../server/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const post = (fields: Record<string, string>): RequestInit => ({ method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });

describe('an Arabic site\'s server', () => {
  it('shows the sign-up form, its errors and its answer in Arabic, right to left', async () => {
    h = await startHarness({ language: 'ar' });
    const form = await (await fetch(`${h.url}/subscribe/`)).text();
    expect(form).toContain('<html lang="ar" dir="rtl">');
    expect(form).toContain('<title>اشترك — Example News</title>');
    expect(form).toContain('<p>احصل على <bdi>Example News</bdi> في بريدك الإلكتروني: موجز واحد بكل جديد، ورابط لإلغاء الاشتراك في كل عدد.</p>');
    expect(form).toContain('<button type="submit">اشترك</button>');

    const refused = await fetch(`${h.url}/subscribe`, post({ email: 'not an address' }));
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('لا يمكننا الإرسال إلى \u2068&quot;not an address&quot;\u2069: عنوان البريد الإلكتروني يكون على شكل name@example.org.');

    const accepted = await fetch(`${h.url}/subscribe`, post({ email: 'layla@example.org', name: 'Layla' }));
    const page = await accepted.text();
    expect(accepted.status).toBe(200);
    expect(page).toContain('<h1>تفقّد بريدك الوارد</h1>');
    expect(page).toContain('إن لم يكن العنوان \u2068layla@example.org\u2069 مشتركًا بعد، فرابط التأكيد في طريقه إليه.');

    const mail = await h.nextMail();
    expect(mail.subject).toBe('أكّد اشتراكك في \u2068Example News\u2069');
    expect(mail.html).toMatch(/<html lang="ar" dir="rtl"/);
    // Issue 12: the confirmation mail carries nothing the requester typed, so it greets without the name.
    expect(mail.html).toContain('مرحبًا <bdi>بك</bdi>،');
    expect(mail.html).not.toContain('Layla');
    expect(mail.text).toContain('تأكيد اشتراكي');
    expect(mail.text).toContain('إذا لم يعمل الزر، فافتح هذا الرابط:');
  });

  it('asks before unsubscribing, answers and reports a broken link in Arabic', async () => {
    h = await startHarness({ language: 'ar' });
    const { publicId } = (await h.store.upsertSubscriber({ email: 'omar@example.org', name: null, status: 'active' }, new Date())).subscriber;
    const token = encodeURIComponent(createToken(secret, publicId, 'unsubscribe'));
    const ask = await (await fetch(`${h.url}/unsubscribe?token=${token}`)).text();
    expect(ask).toContain('<h1>إلغاء الاشتراك</h1>');
    expect(ask).toContain('<p>هل تريد إيقاف إرسال <bdi>Example News</bdi> إلى <bdi>omar@example.org</bdi>؟</p>');
    const done = await (await fetch(`${h.url}/unsubscribe?token=${token}`, post({ 'List-Unsubscribe': 'One-Click' }))).text();
    expect(done).toContain('<h1>تم إلغاء اشتراكك</h1>');
    expect(done).toContain('<a href="/subscribe/">الاشتراك من جديد</a>');
    const broken = await fetch(`${h.url}/unsubscribe?token=nonsense`);
    expect(broken.status).toBe(400);
    expect(await broken.text()).toContain('<h1>هذا الرابط لا يعمل</h1>');
    const missing = await fetch(`${h.url}/no-such-page`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('<h1>الصفحة غير موجودة</h1>');
  });
});

describe('a German site\'s consent and preferences pages', () => {
  it('asks to confirm, confirms and shows a reader\'s choices in German', async () => {
    h = await startHarness({ language: 'de' });
    await fetch(`${h.url}/subscribe`, post({ email: 'jonas@example.org' }));
    const link = /https:\/\/news\.example\.org(\/confirm\?token=[^\s<>()\]]+)/.exec((await h.nextMail()).text ?? '')?.[1];
    if (link === undefined) throw new Error('no confirm link in the mail');
    const ask = await (await fetch(`${h.url}${link}`)).text();
    expect(ask).toContain('<h1>Abonnement bestätigen</h1>');
    expect(ask).toContain('<p>Den Newsletter an diese Adresse senden?</p>');
    expect(ask).toContain('<button type="submit">Ja, abonnieren</button>');
    const done = await (await fetch(`${h.url}${link}`, { method: 'POST', headers: { Origin: 'https://news.example.org' } })).text();
    expect(done).toContain('<h1>Ihr Abonnement ist bestätigt</h1>');
    expect(done).not.toContain('You are subscribed');

    const reader = await h.store.findSubscriber('jonas@example.org');
    const token = encodeURIComponent(createToken(secret, reader!.publicId, 'preferences'));
    const page = await (await fetch(`${h.url}/preferences?token=${token}`)).text();
    expect(page).toContain('<h1>Ihre Rubriken und Ausgaben</h1>');
    expect(page).toContain('<p>Was Example News an jonas@example.org sendet. Entfernen Sie alle Häkchen, um sich abzumelden.</p>');
    expect(page).toContain('<button type="submit">Speichern</button>');
    const broken = await fetch(`${h.url}/preferences?token=nonsense`);
    expect(broken.status).toBe(400);
    expect(await broken.text()).toContain('Nutzen Sie den Link am Ende einer beliebigen Ausgabe, vollständig kopiert.');
  });
});
