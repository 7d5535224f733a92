// What is wrong with a JSON text a person edited, in their words: the line of the mistake and how to mend it. The
// engine's own message ("Expected double-quoted property name in JSON at position 550") names the line after a
// trailing comma, and no fix.
import { createRequire } from 'node:module';
import type * as Jsonc from 'jsonc-parser';

const require = createRequire(import.meta.url);

/** A mistake in a JSON text: its 1-based line, what it is, and how to mend it. */
export interface JsonMistake {
  line: number;
  message: string;
  hint: string;
}

/** 1-based line of `offset` in `text` (CRLF, CR and LF each end one). */
export function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split(/\r\n?|\n/).length;
}

/** Offset of the last character before `offset` that is not white space, or -1. */
function previousCharacter(text: string, offset: number): number {
  let at = offset - 1;
  while (at >= 0 && /\s/.test(text[at] ?? '')) at--;
  return at;
}

/** The first mistake of a JSON text that JSON.parse refused; null when the scanner finds none it can name. */
export function describeJsonMistake(text: string): JsonMistake | null {
  // Only on the error path: a valid site.json never loads the scanner.
  const jsonc = require('jsonc-parser') as typeof Jsonc;
  const errors: Jsonc.ParseError[] = [];
  jsonc.parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const [first] = errors;
  if (first === undefined) return null;
  const { offset } = first;
  // By name: the typings' codes are a const enum, which verbatimModuleSyntax cannot read.
  const code = jsonc.printParseErrorCode(first.error);
  const at = text[offset] ?? '';
  const before = previousCharacter(text, offset);
  const line = lineOf(text, offset);
  if (code === 'InvalidCommentToken') return { line, message: 'a comment: JSON has none', hint: 'remove the comment (// … or /* … */), or move the note into a value such as "note": "…"' };
  if ((at === '}' || at === ']') && text[before] === ',') {
    const commaLine = lineOf(text, before);
    return { line: commaLine, message: `a comma after the last ${at === '}' ? 'entry of an object' : 'item of a list'}: JSON allows none there`, hint: `remove the comma at the end of line ${commaLine}` };
  }
  if (at === "'") return { line, message: 'a string in single quotes', hint: 'write JSON strings in double quotes: "…"' };
  if ((code === 'PropertyNameExpected' || code === 'InvalidSymbol') && /^[\p{L}_$][\p{L}\p{N}_$-]*\s*:/u.test(text.slice(offset))) {
    return { line, message: 'a key without quotes', hint: 'write each key in double quotes, e.g. "title": "…"' };
  }
  // `010` and `0x10` stop the scanner after their first digit, where a comma would go: the number is the mistake.
  if ((code === 'CommaExpected' || code === 'InvalidSymbol') && /\d/.test(text[offset - 1] ?? '') && /^[\dxX]/.test(at)) {
    return { line, message: 'a number JSON cannot read', hint: 'write numbers without leading zeros or hex, e.g. 10' };
  }
  if (code === 'CommaExpected') {
    const endLine = lineOf(text, before + 1);
    return { line: endLine, message: 'a comma is missing between two entries', hint: `add a comma at the end of line ${endLine}` };
  }
  if (code === 'ColonExpected') return { line, message: 'a colon is missing after a key', hint: 'write "key": value' };
  if (code === 'InvalidSymbol' && /[\p{L}]/u.test(at)) return { line, message: 'a value without quotes', hint: 'write text in double quotes ("…"); true, false and null take none' };
  const words: Record<string, string> = {
    ValueExpected: 'a value is missing',
    CloseBraceExpected: 'an object is not closed',
    CloseBracketExpected: 'a list is not closed',
    EndOfFileExpected: 'more text after the end of the JSON object',
    UnexpectedEndOfString: 'a string is not closed',
    InvalidEscapeCharacter: 'a backslash escape JSON does not have',
    InvalidNumberFormat: 'a number JSON cannot read',
    InvalidCharacter: 'a control character inside a string',
  };
  return { line, message: words[code] ?? `the JSON cannot be read here (${code})`, hint: 'fix the syntax at this line; a JSON validator shows where' };
}
