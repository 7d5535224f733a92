// The inbound fixtures of test/fixtures/inbound/, with their placeholders filled in.
import { readFileSync } from 'node:fs';

/** What the placeholders of a fixture become. */
export interface FixtureValues {
  verp: string;
  unsubscribe: string;
  reader: string;
  domain: string;
  /** Makes a report unique (its Message-ID), for reports sent more than once on purpose. */
  id?: string;
}

/** Names of the fixtures. */
export type FixtureName =
  | 'postfix-bounce'
  | 'postfix-delay'
  | 'exim-bounce'
  | 'gmail-bounce'
  | 'gmail-over-quota'
  | 'microsoft365-bounce'
  | 'yahoo-bounce'
  | 'arf-complaint'
  | 'out-of-office'
  | 'mailto-unsubscribe'
  | 'not-a-report';

/** A fixture as CRLF text with its placeholders filled in. */
export function inboundFixture(name: FixtureName, values: FixtureValues): string {
  const text = readFileSync(new URL(`../fixtures/inbound/${name}.eml`, import.meta.url), 'utf8');
  return text
    .replaceAll('{{VERP}}', values.verp)
    .replaceAll('{{UNSUB}}', values.unsubscribe)
    .replaceAll('{{READER}}', values.reader)
    .replaceAll('{{DOMAIN}}', values.domain)
    .replaceAll('{{ID}}', values.id ?? 'once')
    .replace(/\r?\n/g, '\r\n');
}
