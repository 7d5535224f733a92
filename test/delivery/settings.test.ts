import { describe, expect, it } from 'vitest';
import { defaultDeliverySettings, resolveDeliverySettings } from '../../src/delivery/settings.js';
import { UsageError } from '../../src/errors.js';

describe('resolveDeliverySettings', () => {
  it('gives the defaults when nothing is set: five connections, sessions of 500 messages', () => {
    expect(resolveDeliverySettings({})).toEqual({ ...defaultDeliverySettings, claimSeconds: 60 });
    expect(defaultDeliverySettings).toMatchObject({ maxConnections: 5, messagesPerConnection: 500 });
  });

  it('reads SMTP_MESSAGES_PER_CONNECTION', () => {
    expect(resolveDeliverySettings({ SMTP_MESSAGES_PER_CONNECTION: ' 100 ' }).messagesPerConnection).toBe(100);
  });

  it('refuses a value that is not a whole number from 1, naming the variable', () => {
    for (const text of ['0', '-5', '2.5', 'many']) {
      expect(() => resolveDeliverySettings({ SMTP_MESSAGES_PER_CONNECTION: text })).toThrow(UsageError);
      expect(() => resolveDeliverySettings({ SMTP_MESSAGES_PER_CONNECTION: text })).toThrow(/SMTP_MESSAGES_PER_CONNECTION/);
    }
  });
});
