// Shared set-up for delivery tests: the site config, a stored digest with the real per-reader placeholders, readers.
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSiteConfigText } from '../../src/config/load.js';
import type { SiteConfig } from '../../src/config/schema.js';
import { openStore } from '../../src/store/index.js';
import type { DigestRecord, Store } from '../../src/store/types.js';
import type { TestDatabase } from '../store/databases.js';
import { startSink, type Faults, type Sink } from './smtp-sink.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/delivery/${name}`, import.meta.url), 'utf8');

/** The fixed clock of these tests. */
export const now = new Date('2026-11-20T07:00:00Z');

/** The site config of test/fixtures/delivery/site.json. */
export function deliveryConfig(): SiteConfig {
  return parseSiteConfigText(fixture('site.json'));
}

/** The rendered digest fixture: HTML and text with the %%GZ_…%% placeholders. */
export function renderedDigest(): { subject: string; html: string; text: string; blocks: [] } {
  return { subject: 'Example News — 20 November 2026: The bridge reopens', html: fixture('digest.html'), text: fixture('digest.txt'), blocks: [] };
}

/** Adds `count` active readers r0…r{count-1} at `domain` (every third with a name), in one transaction. */
export async function addReaders(store: Store, count: number, domain = 'example.net', from = 0): Promise<void> {
  await store.upsertSubscribers(
    Array.from({ length: count }, (_, i) => ({
      email: `r${from + i}@${domain}`,
      name: (from + i) % 3 === 0 ? `Reader ${from + i}` : null,
      status: 'active' as const,
    })),
    now,
  );
}

/** Stores the fixture digest (one pending row per active reader) and returns it. */
export async function storeDigest(store: Store, slug = 'bridge'): Promise<DigestRecord> {
  return await store.createDigest({ ...(await editionOf(store)), createdAt: now, ...renderedDigest(), carried: [slug], passedOver: [] });
}

/** The number, edition and issue of the next digest of the one edition, with no blocks (everyone gets all of it). */
export async function editionOf(store: Store): Promise<{ number: number; edition: string; issue: number; defaultEdition: true; blocks: [] }> {
  return { number: await store.nextDigestNumber(), edition: 'newsletter', issue: await store.nextIssueNumber('newsletter'), defaultEdition: true, blocks: [] };
}

/** A send ready to run (see setUpSend), and how to take it down. */
export interface SendSetup {
  /** A temp folder holding `content/` (test/fixtures/delivery/content). */
  dir: string;
  database: TestDatabase;
  sink: Sink;
  dispose(): Promise<void>;
}

/**
 * A temp folder (named from `prefix`) with the delivery content, a database made by `createDatabase` holding `readers`
 * active readers and the fixture digest pending for each, and an SMTP sink with `faults`.
 */
export async function setUpSend(prefix: string, readers: number, createDatabase: (dir: string) => Promise<TestDatabase>, faults: Faults = {}): Promise<SendSetup> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await cp(fileURLToPath(new URL('../fixtures/delivery/content/', import.meta.url)), join(dir, 'content'), { recursive: true });
  const database = await createDatabase(dir);
  const store = await openStore({ dbPath: database.db });
  await addReaders(store, readers);
  await storeDigest(store);
  await store.close();
  const sink = await startSink(faults);
  return {
    dir,
    database,
    sink,
    async dispose() {
      await sink.close();
      await database.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
