// `subscribers import`: a CSV file (header row; `email` required, `name` and `status` optional) streamed into
// the store in batches, each bad line reported with its number and the rest imported. Imported addresses are
// `active` (the operator vouches for them) unless a status column says otherwise, as in a file from
// `subscribers export` or another tool's export (see formats.ts): an unsubscribed or bounced row is recorded as such,
// so neither a backup nor a move from another tool revives anyone. Running the same import twice changes nothing.
import type { Readable } from 'node:stream';
import { parseArticleDate } from '../content/dates.js';
import { InputError, quoteValue, type Problem } from '../errors.js';
import { emailKey } from '../store/sql.js';
import { hasLeft, type Store, type SubscriberInput, type UpsertOutcome } from '../store/types.js';
import { resolveChoices, splitNames, type KnownChoices } from './choices.js';
import { readCsvRecords, unprotectCell } from './csv.js';
import { columnKey, emailColumns, firstNameColumns, fullNameColumns, lastNameColumns, mayTellWhoLeft, readRowStatus, saysMoreOf, statusReading, statusWordList, unreadSaysLeft, type Reading } from './formats.js';
import { cleanName, validateEmail } from './validate.js';

/** What an import did, line by line counted; the first four are the store's upsert outcomes. */
export interface ImportSummary extends Record<UpsertOutcome, number> {
  /** New addresses. */
  added: number;
  /** Known addresses whose name or status changed. */
  updated: number;
  /** Known addresses already as the file says (including repeats within the file). */
  unchanged: number;
  /** Addresses that had unsubscribed or bounced, left that way. */
  kept: number;
  /** Rows whose `status` column says unsubscribed or bounced, recorded so: an opt-out always holds. */
  optedOut: number;
  rejected: number;
}

/** How to import: the clock, where to report each rejected line (as it is found), the batch size. */
export interface ImportOptions {
  /** The file name shown in problems. */
  path: string;
  now: Date;
  onProblem: (problem: Problem) => void;
  /** Where to say what was left out without rejecting a line (a header column that looks misspelt). */
  onWarning?: ((warning: Problem) => void) | undefined;
  /** Rows written per transaction. */
  batchSize?: number;
  /** The sections and editions readers can choose, read only when the file has a `sections` or `editions` column. */
  known?: () => Promise<KnownChoices>;
}

interface Columns {
  email: number;
  name: number;
  /** Without a `name` column: a first and a last name, joined (-1: none). */
  firstName: number;
  lastName: number;
  /** Every column that says whether the reader may be mailed: `status`, or another tool's (see formats.ts). */
  statuses: { index: number; cell: string; read: Reading }[];
  /** The columns not read, with their header cell and `columnKey`: one whose cell says the reader left rejects the row (see unreadSaysLeft). */
  unread: { index: number; cell: string; key: string }[];
  sections: number;
  editions: number;
  /** `createdAt`, as `export` writes it: a backup keeps when each reader joined. */
  createdAt: number;
  width: number;
}

const columnNames = ['email', 'name', 'status', 'createdat', 'sections', 'editions'];
const columnList = 'email, name, status, createdAt, sections, editions';

/** Whether `a` becomes `b` by one edit: a character inserted, removed or replaced, or two neighbours swapped. */
function oneEditApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (a.length === b.length && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2)) return true;
  return a.slice(i + (a.length >= b.length ? 1 : 0)) === b.slice(i + (b.length >= a.length ? 1 : 0));
}

/**
 * A column a tool names for the state of a subscription (`Newsletter Subscription Status`), as `columnKey` gives it,
 * not of a payment or of an address's deliverability (a list cleaner's `Email Status`: valid, invalid).
 */
const subscriptionStatus = /\b(?:subscriptions?|subscriber|subscribed|membership|newsletter|marketing|mailing list|opt ?in|opt ?out)\b.*\bstatus$/;

/**
 * The column Gazette reads that an unknown header cell looks like a misspelling of (one edit away from one of its own,
 * as lower-cased `own`; or, by its `columnKey`, a subscription's status), else null. Other columns (a tool's own) are ignored.
 */
function misspeltColumn(own: string, key: string): string | null {
  if (subscriptionStatus.test(key)) return 'status';
  return columnNames.find((name) => oneEditApart(own, name)) ?? null;
}

/** Choices to resolve empty cells against: empty cells name none, and mean every section and the default edition. */
const noChoices: KnownChoices = { sections: [], editions: [] };

/** The hint for a header row without an address column: the names read, and the separator when it is not a comma. */
function noEmailHint(fields: readonly string[]): string {
  const only = fields.length === 1 ? (fields[0] ?? '') : '';
  const separator = only.includes(';') ? 'semicolons' : only.includes('\t') ? 'tabs' : null;
  if (separator !== null) return `the file separates its fields with ${separator}: save it as CSV with commas (comma-separated values)`;
  return 'name the address column "email" (Gazette also reads "Email Address", "email_address" and "E-mail"); keep every other column, as some say who left';
}

function headerColumns(fields: readonly string[], path: string, line: number, onWarning: ImportOptions['onWarning']): Columns {
  // Gazette's own columns as `export` writes them (`createdAt`), lower-cased; other tools' by their columnKey.
  const own = fields.map((f) => f.trim().toLowerCase());
  const keys = fields.map(columnKey);
  const isRead = (i: number): boolean => {
    const key = keys[i] ?? '';
    return (
      columnNames.includes(own[i] ?? '') ||
      emailColumns.includes(key) ||
      firstNameColumns.includes(key) ||
      lastNameColumns.includes(key) ||
      fullNameColumns.includes(key) ||
      statusReading(key) !== undefined
    );
  };
  const email = keys.findIndex((key) => emailColumns.includes(key));
  if (email === -1) {
    throw new InputError('E_CONTENT', [
      {
        path,
        line,
        message: `the header row has no "email" column (it has ${fields.map((f) => quoteValue(f, 40)).join(', ') || 'nothing'})`,
        hint: noEmailHint(fields),
      },
    ]);
  }
  // A column that may say who left and is not read: no reader may be imported past it, whatever other columns say.
  const unread = fields.filter((_, i) => !isRead(i) && mayTellWhoLeft.test(keys[i] ?? '') && !saysMoreOf.test(keys[i] ?? ''));
  if (unread.length > 0) {
    throw new InputError('E_CONTENT', [
      {
        path,
        line,
        message: `the header row has ${unread.length === 1 ? 'a column' : 'columns'} ${unread.map((cell) => quoteValue(cell, 40)).join(' and ')} that may say who left, which Gazette does not read`,
        hint: `make it a "status" column (${statusWordList}), or remove it if it says nothing about who may be mailed; nothing was imported`,
      },
    ]);
  }
  // Near misses by the column they look like. One whose column the header already has is a column of its own
  // (`fname` beside `name`); several that look like one column (`fname`, `lname`) are named together, as only one
  // of them can be renamed to it.
  const misspelt = new Map<string, string[]>();
  for (const [i, cell] of fields.entries()) {
    const meant = isRead(i) ? null : misspeltColumn(own[i] ?? '', keys[i] ?? '');
    if (meant === null || own.includes(meant)) continue;
    misspelt.set(meant, [...(misspelt.get(meant) ?? []), cell]);
  }
  const told = (meant: string, cells: readonly string[]): Problem => {
    const column = meant === 'createdat' ? 'createdAt' : meant;
    const quoted = cells.map((cell) => quoteValue(cell, 40)).join(' and ');
    return cells.length === 1
      ? { path, line, message: `the header row has a column ${quoted}, which Gazette does not read: is it "${column}"?`, hint: `rename it to ${column}, or remove it (the columns read are ${columnList})` }
      : {
          path,
          line,
          message: `the header row has columns ${quoted}, which Gazette does not read: is one of them "${column}"?`,
          hint: `Gazette reads one ${column} column: rename the one you mean to ${column}, or join them into one (the columns read are ${columnList})`,
        };
  };
  // A misspelt status would make readers who left active again: nothing is imported. Any other near miss (`nmae`,
  // `section`) loses only that column, which the operator is told of.
  const status = misspelt.get('status');
  if (status) throw new InputError('E_CONTENT', [{ ...told('status', status), hint: `${told('status', status).hint}; nothing was imported` }]);
  for (const [meant, cells] of misspelt) onWarning?.({ ...told(meant, cells), message: `${told(meant, cells).message} ${cells.length === 1 ? 'Its' : 'Their'} values were not imported` });
  // Two address columns (`email` and `Email Address`) may disagree: which one is meant is the operator's to say.
  const addresses = fields.filter((_, i) => emailColumns.includes(keys[i] ?? ''));
  if (addresses.length > 1) {
    throw new InputError('E_CONTENT', [
      { path, line, message: `the header row has ${addresses.length} address columns (${addresses.map((f) => quoteValue(f, 40)).join(', ')})`, hint: 'keep the one to import, and remove or rename the others' },
    ]);
  }
  const repeated = own.find((name, i) => columnNames.includes(name) && own.indexOf(name) !== i);
  if (repeated !== undefined) {
    throw new InputError('E_CONTENT', [
      { path, line, message: `the header row names the "${repeated}" column twice`, hint: 'keep one of them' },
    ]);
  }
  const name = own.includes('name') ? own.indexOf('name') : keys.findIndex((key) => fullNameColumns.includes(key));
  const firstOf = (list: readonly string[]): number => (name === -1 ? keys.findIndex((key) => list.includes(key)) : -1);
  // Beside a name column, a first or last name (`Name,Surname`) is not joined to it, which may already hold the whole name: said, not dropped silently.
  const besideName = name === -1 ? [] : fields.filter((_, i) => firstNameColumns.includes(keys[i] ?? '') || lastNameColumns.includes(keys[i] ?? ''));
  if (besideName.length > 0) {
    const quoted = besideName.map((cell) => quoteValue(cell, 40)).join(' and ');
    onWarning?.({
      path,
      line,
      message: `the header row has ${quoted} beside ${quoteValue(fields[name] ?? 'name', 40)}, which Gazette reads alone as the name: ${besideName.length === 1 ? 'its' : 'their'} values were not imported`,
      hint: 'join them into the name column if it holds only first names, or remove the column',
    });
  }
  return {
    email,
    name,
    firstName: firstOf(firstNameColumns),
    lastName: firstOf(lastNameColumns),
    statuses: keys.flatMap((key, index) => {
      const read = statusReading(key);
      return read ? [{ index, cell: fields[index] ?? key, read }] : [];
    }),
    unread: fields.flatMap((cell, index) => (isRead(index) || saysMoreOf.test(keys[index] ?? '') ? [] : [{ index, cell, key: keys[index] ?? '' }])),
    createdAt: own.indexOf('createdat'),
    sections: own.indexOf('sections'),
    editions: own.indexOf('editions'),
    width: fields.length,
  };
}

/**
 * A `createdAt` cell as an instant, or null: ISO 8601 as export writes it, or the `2020-01-01 10:00:00` SQL tools
 * write (listmonk's `…10:00:00.000000+00` too), a time without an offset being UTC.
 */
function joinedAt(cell: string): Date | null {
  // Read as an article's date-time is (impossible days refused), but with a time: a date alone is no instant.
  if (!/^\d{4}-\d\d-\d\d[T ]/.test(cell)) return null;
  // Kit and Beehiiv name the zone after the time (`2021-03-04 10:11:12 UTC`), and their seconds may have a fraction.
  const read = parseArticleDate(cell.replace(/\s*(?:UTC|GMT)$/i, 'Z'), 'UTC');
  return read.ok ? read.date : null;
}

/** A row's name: its `name` column, else its first and last names joined, else null. */
function nameOf(fields: readonly string[], columns: Columns): string | null {
  const cell = (index: number): string => (index === -1 ? '' : unprotectCell(fields[index] ?? '').trim());
  if (columns.name !== -1) return cleanName(cell(columns.name));
  if (columns.firstName === -1 && columns.lastName === -1) return null;
  return cleanName([cell(columns.firstName), cell(columns.lastName)].filter((part) => part !== '').join(' '));
}

/** What an import writes through. */
export type ImportStore = Pick<Store, 'upsertSubscribers' | 'findSubscriber' | 'setSubscriberStatus'>;

/** Records a row that left: a new address goes in as pending (never mailed) and is then marked as it left; `kept` when it had left already. */
async function recordLeaver(
  store: ImportStore,
  input: Omit<SubscriberInput, 'status'>,
  status: 'unsubscribed' | 'bounced',
  now: Date,
): Promise<'recorded' | 'kept'> {
  const [outcome] = await store.upsertSubscribers([{ ...input, status: 'pending' }], now, { source: 'import' });
  if (outcome === 'kept') return 'kept';
  const subscriber = await store.findSubscriber(input.email);
  if (subscriber && !hasLeft(subscriber.status)) {
    await store.setSubscriberStatus(subscriber.id, status, now, { kind: status, source: 'import' });
  }
  return 'recorded';
}

/**
 * Imports subscribers from CSV; throws InputError only when the header itself is unusable. A store given as a function
 * is opened only once there is a line to write: a refused file leaves no database behind.
 */
export async function importSubscribers(given: ImportStore | (() => Promise<ImportStore>), input: Readable, options: ImportOptions): Promise<ImportSummary> {
  const { path, now, onProblem, batchSize = 1000 } = options;
  const open = typeof given === 'function' ? given : async (): Promise<ImportStore> => given;
  let opened: ImportStore | undefined;
  const storeOf = async (): Promise<ImportStore> => (opened ??= await open());
  const summary: ImportSummary = { added: 0, updated: 0, unchanged: 0, kept: 0, optedOut: 0, rejected: 0 };
  let columns: Columns | null = null;
  let known: KnownChoices | null = null;
  let batch: SubscriberInput[] = [];
  // The line each address came from: its first line is the one imported, wherever its later lines fall (a later one
  // that won within a batch, but not past one, made the outcome hang on where batches ended, and importing the file
  // again wrote the one line and then the other).
  const imported = new Map<string, number>();

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    for (const outcome of await (await storeOf()).upsertSubscribers(batch, now, { source: 'import' })) summary[outcome]++;
    batch = [];
  };
  const add = (row: SubscriberInput, line: number): void => {
    const key = emailKey(row.email);
    const first = imported.get(key);
    if (first !== undefined) {
      summary.unchanged++;
      options.onWarning?.({ path, line, message: `${row.email} was imported from line ${first.toLocaleString('en')} already: this line is not`, hint: 'keep one line per address' });
      return;
    }
    imported.set(key, line);
    batch.push(row);
  };
  const reject = (line: number, lastLine: number, message: string, hint: string): void => {
    summary.rejected++;
    const span = lastLine > line ? ` (lines ${line}–${lastLine} are one record: check the quotes)` : '';
    onProblem({ path, line, message: `${message}${span}`, hint });
  };

  for await (const record of readCsvRecords(input)) {
    if ('error' in record) {
      if (!columns) throw new InputError('E_CONTENT', [{ path, line: record.line, message: `the header row ${record.error}`, hint: record.hint }]);
      reject(record.line, record.lastLine, record.error, record.hint);
      continue;
    }
    const { fields, line, lastLine } = record;
    if (!columns) {
      columns = headerColumns(fields, path, line, options.onWarning);
      continue;
    }
    if (fields.every((f) => f === '')) continue;
    if (fields.length > columns.width) {
      reject(line, lastLine, `has ${fields.length} fields but the header names ${columns.width}`, 'quote a value that contains a comma: "Lovelace, Ada"');
      continue;
    }
    const email = fields[columns.email] ?? '';
    const check = validateEmail(email);
    if (!check.ok) {
      reject(line, lastLine, email.trim() === '' ? 'has no email address' : `${quoteValue(email)} ${check.message}`, check.hint);
      continue;
    }
    const name = nameOf(fields, columns);
    const read = readRowStatus(fields, columns.statuses);
    if ('unknown' in read) {
      reject(line, lastLine, `has ${quoteValue(read.unknown.value)} in its ${quoteValue(read.unknown.column, 40)} column, which says no status Gazette knows`, `write ${statusWordList}; a reader who left must be unsubscribed or bounced, never left empty`);
      continue;
    }
    const status = read.status ?? 'active';
    const left = hasLeft(status) ? undefined : columns.unread.find(({ index, key }) => unreadSaysLeft(key, fields[index] ?? ''));
    if (left) {
      const said = quoteValue((fields[left.index] ?? '').trim(), 40);
      reject(line, lastLine, `says ${said} in its ${quoteValue(left.cell, 40)} column, which Gazette does not read: the reader may have left`, `make it a "status" column (${statusWordList}), or remove the column if it says nothing about who may be mailed`);
      continue;
    }
    const joined = columns.createdAt === -1 ? '' : (fields[columns.createdAt] ?? '').trim();
    const createdAt = joinedAt(joined);
    if (joined !== '' && createdAt === null) {
      reject(line, lastLine, `has the createdAt ${quoteValue(joined)}, which is not a date and time`, 'write it as export does (2026-11-20T07:00:00.000Z), or as 2026-11-20 07:00:00 (UTC), or leave it empty');
      continue;
    }
    const since = createdAt === null ? {} : { createdAt };
    const cell = (index: number): string | undefined => (index === -1 ? undefined : (fields[index] ?? ''));
    const raw = { sections: cell(columns.sections), editions: cell(columns.editions) };
    // The site's sections and editions (site.json, the articles) are read at the first cell that names one: restoring
    // an export, whose cells are empty for readers of every section, needs no content folder.
    if (known === null && [raw.sections, raw.editions].some((value) => value !== undefined && splitNames(value).length > 0)) {
      if (!options.known) throw new Error('importing sections or editions needs the known choices');
      known = await options.known();
    }
    const chosen = resolveChoices(raw, known ?? noChoices);
    if (!chosen.ok) {
      reject(line, lastLine, chosen.message, 'use the names the site gives them, comma-separated, or leave the cell empty (all sections, the default edition)');
      continue;
    }
    if (hasLeft(status)) {
      await flush(); // the file's order decides when an address appears twice
      // One already unsubscribed or bounced here (the same file imported again) is kept, not recorded anew.
      if ((await recordLeaver(await storeOf(), { email: check.email, name, ...chosen.choices, ...since }, status, now)) === 'kept') summary.kept++;
      else summary.optedOut++;
      continue;
    }
    add({ email: check.email, name, status, ...chosen.choices, ...since }, line);
    if (batch.length >= batchSize) await flush();
  }
  if (!columns) {
    throw new InputError('E_CONTENT', [{ path, message: 'the file is empty', hint: 'the first line names the columns, e.g. "email,name"' }]);
  }
  await flush();
  return summary;
}

/** `imported 99,000 (98,500 new, 500 updated, 0 unchanged), 1,000 rejected, 20 kept unsubscribed or bounced`. */
export function formatImportSummary(summary: ImportSummary): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const imported = summary.added + summary.updated + summary.unchanged;
  const leavers = summary.optedOut > 0 ? `, ${n(summary.optedOut)} recorded as unsubscribed or bounced` : '';
  return (
    `imported ${n(imported)} (${n(summary.added)} new, ${n(summary.updated)} updated, ${n(summary.unchanged)} unchanged), ` +
    `${n(summary.rejected)} rejected, ${n(summary.kept)} kept unsubscribed or bounced${leavers}`
  );
}
