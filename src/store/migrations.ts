// Versioned schema of the SQLite store. Append only: a released migration is never edited, so a database made
// by any earlier version upgrades in place (`PRAGMA user_version` records how far it got).

/** The schema migrations, in order; version N is the database after migrations[0..N-1]. */
export const migrations: readonly string[] = [
  // 1: the subscriber list and small named values (the token secret).
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
   CREATE TABLE subscribers (
     id INTEGER PRIMARY KEY,
     email TEXT NOT NULL,
     email_key TEXT NOT NULL UNIQUE,
     name TEXT,
     status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced')),
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   ) STRICT;
   CREATE INDEX subscribers_by_status ON subscribers (status, id);`,

  // 2: digests, the articles each carried or passed over (a slug once only), and the delivery ledger.
  `CREATE TABLE digests (
     number INTEGER PRIMARY KEY,
     created_at TEXT NOT NULL,
     subject TEXT NOT NULL,
     html TEXT NOT NULL,
     text TEXT NOT NULL
   ) STRICT;
   CREATE TABLE digest_articles (
     slug TEXT PRIMARY KEY,
     digest_number INTEGER NOT NULL REFERENCES digests (number),
     role TEXT NOT NULL CHECK (role IN ('carried', 'passed_over')),
     position INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX digest_articles_by_digest ON digest_articles (digest_number, role, position);
   CREATE TABLE deliveries (
     digest_number INTEGER NOT NULL REFERENCES digests (number),
     subscriber_id INTEGER NOT NULL REFERENCES subscribers (id),
     status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'bounced', 'failed', 'skipped')),
     attempts INTEGER NOT NULL DEFAULT 0,
     detail TEXT,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (digest_number, subscriber_id)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX deliveries_pending ON deliveries (digest_number, subscriber_id) WHERE status = 'pending';`,

  // 3: leases, so that one process at a time publishes or sends from a database.
  `CREATE TABLE leases (
     name TEXT PRIMARY KEY,
     holder TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   ) STRICT;`,
];
