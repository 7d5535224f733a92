// Reading CSV record by record with the physical line each starts on, so every bad line can be named and the
// rest still read. Records are framed by quote balance (RFC 4180 doubles quotes inside a quoted field, so a
// complete record has an even number of them) and parsed by csv-parse: framing first means a stray quote costs
// one line, not the rest of the file, and line numbers stay exact with CRLF endings inside quoted fields.
import { isUtf8 } from 'node:buffer';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parse, type Options } from 'csv-parse/sync';

/** One record and where it is: its fields, or why it could not be read. */
export type CsvRecord =
  | { line: number; lastLine: number; fields: string[] }
  | { line: number; lastLine: number; error: string; hint: string };

/** A quoted field may span at most this many lines (or characters) before its quote counts as never closed. */
const maxRecordLines = 20;
const maxRecordChars = 64 * 1024;
/** Records parsed in one csv-parse call; a batch with a malformed record is parsed again in halves. */
const parseBatchSize = 500;

// Lines are joined with \n (readline took the CRs off), so the delimiter need not be guessed per call.
const parseOptions: Options = { relax_quotes: true, relax_column_count: true, trim: true, record_delimiter: '\n' };

/**
 * The separator Excel's first line names (`sep=;`; a comma for a bare `sep=`), which comes before the header row and is
 * no record; null for any other line.
 */
function namedSeparator(firstLine: string): string | null {
  const named = /^"?sep=(.)?"?\s*$/i.exec(firstLine);
  return named === null ? null : (named[1] ?? ',');
}

/**
 * The field separator of a header row: a semicolon or a tab when it has one and no comma (Excel's "CSV" where the
 * decimal mark is a comma, its "Unicode text"), else a comma.
 */
function separatorOf(header: string): string {
  if (header.includes(',')) return ',';
  return header.includes(';') ? ';' : header.includes('\t') ? '\t' : ',';
}

/** A physical line: its text, its number, and whether its bytes were not UTF-8 (then `text` is them as latin1). */
interface Line {
  text: string;
  line: number;
  notUtf8: boolean;
}

interface Framed {
  line: number;
  lastLine: number;
  text: string;
}

function quoteCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) n++;
  return n;
}

/**
 * Whether a line with an odd number of quotes is a record by itself: its quotes sit inside unquoted fields
 * (`Screen 5" wide`), which csv-parse's relax_quotes keeps as they are, rather than open a field that goes on.
 */
function isWholeRecord(text: string, options: Options): boolean {
  try {
    return parse(text, options).length === 1;
  } catch {
    return false;
  }
}

function parseOne(record: Framed, options: Options): CsvRecord {
  try {
    const [fields = []] = parse(record.text, options) as string[][];
    return { line: record.line, lastLine: record.lastLine, fields };
  } catch (error) {
    const reason = (error as Error).message.replace(/\s*at line \d+\.?$/, '');
    return {
      line: record.line,
      lastLine: record.lastLine,
      error: `is not valid CSV (${reason})`,
      hint: 'a quoted field is "like this", with nothing but spaces between its closing quote and the next comma',
    };
  }
}

function parseBatch(batch: readonly Framed[], options: Options): CsvRecord[] {
  if (batch.length <= 1) return batch.map((record) => parseOne(record, options));
  try {
    const rows = parse(batch.map((r) => r.text).join('\n'), options) as string[][];
    if (rows.length === batch.length) {
      return batch.map((r, i) => ({ line: r.line, lastLine: r.lastLine, fields: rows[i] ?? [] }));
    }
  } catch {
    // A record is malformed: halve the batch until it stands alone and says which.
  }
  const half = batch.length >> 1;
  return [...parseBatch(batch.slice(0, half), options), ...parseBatch(batch.slice(half), options)];
}

/** Files people take for CSV that are not text, by their first bytes, with how to get the CSV out of them. */
const binaryFiles: readonly { magic: string; kind: string; hint: string }[] = [
  { magic: 'PK\x03\x04', kind: 'a ZIP archive (a zipped export, or an Excel workbook)', hint: 'unzip it and import the CSV file inside; from Excel, save the sheet as "CSV UTF-8"' },
  { magic: 'PK\x05\x06', kind: 'an empty ZIP archive', hint: 'export the list again, and import the CSV file inside' },
  { magic: '\x1f\x8b', kind: 'a gzip archive', hint: 'unpack it (gunzip) and import the CSV file' },
  { magic: '\xd0\xcf\x11\xe0', kind: 'an Excel 97–2003 workbook (.xls)', hint: 'in Excel, save the sheet as "CSV UTF-8"' },
];

/** Reads CSV records from a stream, in order, holding at most a few hundred in memory; blank lines are skipped. */
export async function* readCsvRecords(input: Readable): AsyncGenerator<CsvRecord> {
  // Lines are split as latin1 (a character per byte) and each checked to be UTF-8 before it is decoded: readline's
  // own UTF-8 decoding puts U+FFFD for bytes that are not, which cannot be told from a U+FFFD the file really holds.
  const bytes = Readable.from(
    (async function* () {
      for await (const chunk of input) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    })(),
  );
  bytes.setEncoding('latin1');
  const lines = createInterface({ input: bytes, crlfDelay: Infinity })[Symbol.asyncIterator]();
  const replay: Line[] = [];
  let lineNumber = 0;
  const nextLine = async (): Promise<Line | null> => {
    const again = replay.shift();
    if (again) return again;
    const { value, done } = await lines.next();
    if (done) return null;
    lineNumber++;
    const raw = Buffer.from(value, 'latin1');
    if (!isUtf8(raw)) return { text: value, line: lineNumber, notUtf8: true };
    const text = raw.toString('utf8');
    return { text: lineNumber === 1 ? text.replace(/^\uFEFF/, '') : text, line: lineNumber, notUtf8: false };
  };

  let batch: Framed[] = [];
  let options: Options | undefined;
  for (let first = await nextLine(); first; first = await nextLine()) {
    if (first.text.trim() === '') continue;
    if (options === undefined) {
      const named = namedSeparator(first.text);
      options = { ...parseOptions, delimiter: named ?? separatorOf(first.text) };
      if (named !== null) continue;
    }
    const fileOptions = options;
    const taken = [first];
    let text = first.text;
    const unbalanced = (): boolean => quoteCount(text) % 2 === 1 && !(taken.length === 1 && isWholeRecord(text, fileOptions));
    while (unbalanced() && taken.length < maxRecordLines && text.length < maxRecordChars) {
      const more = await nextLine();
      if (!more) break;
      taken.push(more);
      text += `\n${more.text}`;
    }
    const record: Framed = { line: first.line, lastLine: taken.at(-1)?.line ?? first.line, text };
    // Mailchimp and others export a list as a .zip; an Excel workbook (.xlsx) is one too.
    const binary = first.line === 1 ? binaryFiles.find(({ magic }) => first.text.startsWith(magic)) : undefined;
    if (binary) {
      yield { ...record, error: `is not text: the file is ${binary.kind}`, hint: binary.hint };
      return;
    }
    // A file saved as Windows-1252 (Excel's "CSV") or UTF-16 would otherwise import "José" as "Jos\uFFFD".
    if (taken.some((line) => line.notUtf8)) {
      yield* parseBatch(batch, fileOptions);
      batch = [];
      // A UTF-16 file (Excel's "Unicode text") starts with its byte-order mark, FF FE or FE FF.
      const utf16 = first.line === 1 && /^(?:\xff\xfe|\xfe\xff)/.test(first.text);
      const hint = `save the file as UTF-8 (Excel: "CSV UTF-8"), e.g. iconv -f ${utf16 ? 'UTF-16' : 'WINDOWS-1252'} -t UTF-8`;
      yield { ...record, error: 'is not valid UTF-8 text', hint };
      continue;
    }
    // A record over several lines is either a quoted field with line breaks (rare, valid) or a stray quote that
    // swallowed the lines after it; the second shows as unbalanced or unparsable, and then only its first line is lost.
    const spanning = taken.length > 1 ? parseOne(record, fileOptions) : null;
    if (unbalanced() || (spanning && 'error' in spanning)) {
      yield* parseBatch(batch, fileOptions);
      batch = [];
      yield {
        line: first.line,
        lastLine: first.line,
        error: 'has a double quote (") that is never closed',
        hint: 'remove the stray quote, or quote the whole field and double each quote inside it ("")',
      };
      replay.unshift(...taken.slice(1));
      continue;
    }
    if (spanning) {
      yield* parseBatch(batch, fileOptions);
      batch = [];
      yield spanning;
      continue;
    }
    batch.push(record);
    if (batch.length >= parseBatchSize) {
      yield* parseBatch(batch, fileOptions);
      batch = [];
    }
  }
  yield* parseBatch(batch, options ?? parseOptions);
}

/**
 * Cells that spreadsheets would run as formulas (OWASP "CSV injection"), and cells that already start with the
 * guard's `'` before such a character: those get one more `'`, so that stripping one always gives the value back.
 */
const formulaStart = /^'*[=+\-@\t\r]/;

/** Makes a cell safe to open in a spreadsheet: a leading `'` before what would start a formula. */
export function protectCell(value: string): string {
  return formulaStart.test(value) ? `'${value}` : value;
}

/** Undoes `protectCell` exactly, so an exported file imports back unchanged. */
export function unprotectCell(value: string): string {
  return value.startsWith("'") && formulaStart.test(value.slice(1)) ? value.slice(1) : value;
}
