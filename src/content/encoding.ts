// Bytes read as UTF-8 text, or where and why they are not: for article files and site.json alike.
import type { Problem } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** 1-based line of the byte at `index`. */
function lineAt(bytes: Uint8Array, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** 1-based line of the first byte sequence that is not UTF-8 (no sequence spans a line feed). */
function firstBadUtf8Line(bytes: Uint8Array): number {
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, start);
    try {
      utf8.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
    } catch {
      return line;
    }
    if (end === -1) return line;
    start = end + 1;
  }
}

/**
 * The text of the file `path`, or its problem at the first line that is not UTF-8: UTF-16 text or another binary (NUL
 * bytes), or text in another encoding (Windows-1252, Latin-1). `otherwise` ends the binary file's hint with another way out.
 */
export function decodeUtf8(bytes: Uint8Array, path: string, otherwise = ''): { text: string } | Problem {
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    return { path, line: lineAt(bytes, nul), message: 'the file contains NUL bytes: it is binary, or UTF-16 text', hint: `save it as UTF-8 text${otherwise}` };
  }
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return { path, line: firstBadUtf8Line(bytes), message: 'the file is not valid UTF-8', hint: 'save it as UTF-8, e.g. iconv -f WINDOWS-1252 -t UTF-8' };
  }
}
