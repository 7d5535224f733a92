// Which kind of database a `--db` value names, and how to name it in a message, without loading either driver.

/** True when `--db` / `GAZETTE_DB` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(db);
}

/** `host:port/database` of a URL, for messages: never the user's password. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'the PostgreSQL URL';
  }
}
