import { describe, expect, it } from 'vitest';
import { cleanName, mailboxKey, validateEmail } from '../../src/subscribers/validate.js';

function reason(value: string): string {
  const check = validateEmail(value);
  return check.ok ? 'ok' : check.message;
}

describe('validateEmail', () => {
  it('accepts ordinary addresses and trims surrounding spaces', () => {
    expect(validateEmail('ada@example.org')).toEqual({ ok: true, email: 'ada@example.org' });
    expect(validateEmail('  Ada.Lovelace+news@mail.Example.org ')).toEqual({ ok: true, email: 'Ada.Lovelace+news@mail.Example.org' });
  });

  it('refuses line breaks anywhere, even at the end (header injection)', () => {
    for (const value of ['a@example.org\r\nBcc: x@evil.test', 'a@example.org\n', '\ra@example.org', 'a@exa\u2028mple.org']) {
      expect(reason(value)).toBe('contains a line break');
    }
  });

  it('refuses spaces, missing or repeated @, and control characters', () => {
    expect(reason('ada lovelace@example.org')).toBe('contains a space');
    // As a mail program copies it: the hint gives the address alone.
    for (const value of ['Ada Lovelace <ada@example.org>', '"Lovelace, Ada" <ada@example.org>']) {
      expect(validateEmail(value)).toEqual({ ok: false, message: 'is a name with an address', hint: 'give the address alone (ada@example.org); a name goes in its own field' });
    }
    expect(validateEmail('<ada@example.org>')).toEqual({ ok: false, message: 'is in angle brackets', hint: 'give the address alone (ada@example.org)' });
    // What is in the brackets is suggested only when it is an address.
    expect(reason('Ada Lovelace <not-an-address>')).toBe('contains a space');
    expect(reason('ada.example.org')).toBe('has no @');
    expect(reason('ada@@example.org')).toBe('has more than one @');
    expect(reason('@example.org')).toBe('has nothing before the @');
    expect(reason('ada\u0000@example.org')).toBe('contains a control character');
    expect(reason('')).toBe('is empty');
  });

  it('names what was pasted around an address (a mailto: link, a list separator, a comment) and gives it alone', () => {
    const alone = { hint: 'give the address alone (ada@example.org)' };
    expect(validateEmail('mailto:ada@example.org')).toEqual({ ok: false, message: 'starts with "mailto:"', ...alone });
    expect(validateEmail('ada@example.org;')).toEqual({ ok: false, message: 'ends with a separator', ...alone });
    expect(validateEmail('ada@example.org (Home)')).toEqual({ ok: false, message: 'has a comment after it', ...alone });
    expect(reason('mailto:not-an-address')).toBe('has no @');
  });

  it('refuses addresses over 254 characters and local parts over 64', () => {
    const label = 'a'.repeat(60);
    const long = `x@${[label, label, label, label, label].join('.')}.org`;
    expect(long.length).toBeGreaterThan(254);
    expect(reason(long)).toBe('is longer than 254 characters');
    expect(reason(`${'a'.repeat(65)}@example.org`)).toBe('has more than 64 characters before the @');
    expect(validateEmail(`${'a'.repeat(64)}@example.org`).ok).toBe(true);
  });

  it('refuses bad domains', () => {
    expect(reason('ada@localhost')).toMatch(/without a dot/);
    expect(reason('ada@example..org')).toMatch(/invalid domain/);
    expect(reason('ada@-example.org')).toMatch(/invalid domain/);
    expect(reason('ada@example-.org')).toMatch(/invalid domain/);
    expect(reason(`ada@${'a'.repeat(64)}.org`)).toMatch(/invalid domain/);
    expect(reason('ada@example.o')).toBe('is not a valid email address');
    expect(reason('ada@[127.0.0.1]')).toBe('is not a valid email address');
  });

  it('refuses what zod finds malformed', () => {
    for (const value of ['.ada@example.org', 'ada.@example.org', 'a..b@example.org', 'a<b>@example.org', 'a"b@example.org']) {
      expect(validateEmail(value).ok, value).toBe(false);
    }
  });

  it('stores an internationalised domain in its punycode form, and refuses a non-ASCII local part', () => {
    expect(validateEmail('ada@bücher.example')).toEqual({ ok: true, email: 'ada@xn--bcher-kva.example' });
    expect(reason('adä@example.org')).toMatch(/non-ASCII/);
  });

  it('takes a domain under an internationalised top-level domain (.рф, .中国, .مصر), in punycode', () => {
    expect(validateEmail('ivan@пример.рф')).toEqual({ ok: true, email: 'ivan@xn--e1afmkfd.xn--p1ai' });
    expect(validateEmail('user@例え.中国')).toEqual({ ok: true, email: 'user@xn--r8jz45g.xn--fiqs8s' });
    expect(validateEmail('a@xn--mgbh0fb.xn--wgbh1c')).toEqual({ ok: true, email: 'a@xn--mgbh0fb.xn--wgbh1c' });
    expect(reason('a@example.c')).toMatch(/not a valid email address/);
  });
});

describe('mailboxKey', () => {
  it('names the inbox an address reaches: lower case, no +tag, and at Gmail no dots, googlemail.com as gmail.com', () => {
    expect(mailboxKey('Ada+news@Example.org')).toBe('ada@example.org');
    expect(mailboxKey('a.da@example.org')).toBe('a.da@example.org');
    for (const email of ['victim@gmail.com', 'v.ictim@gmail.com', 'V.I.C.T.I.M@Gmail.com', 'victim@googlemail.com', 'vic.tim+1@googlemail.com']) {
      expect(mailboxKey(email), email).toBe('victim@gmail.com');
    }
  });
});

describe('cleanName', () => {
  it('turns line breaks and controls into spaces so a name can never add a header line', () => {
    expect(cleanName('Ada\r\nBcc: x@evil.test')).toBe('Ada Bcc: x@evil.test');
    expect(cleanName('Ada\u0000\u001b[31m Lovelace')).toBe('Ada [31m Lovelace');
    expect(cleanName('\u202eAda')).toBe('Ada');
  });

  it('trims, collapses spaces, caps at 100 characters and maps empty to null', () => {
    expect(cleanName('  Ada   Lovelace  ')).toBe('Ada Lovelace');
    expect(cleanName('   ')).toBeNull();
    expect(cleanName(undefined)).toBeNull();
    expect(Array.from(cleanName('😀'.repeat(150)) ?? '')).toHaveLength(100);
  });

  it('keeps markup as text: escaping is the templates’ job', () => {
    expect(cleanName('<script>alert(1)</script>')).toBe('<script>alert(1)</script>');
  });
});
