// Structured logs for long runs (send, daemon): one JSON object a line when not on a terminal, readable lines on one.
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

const require = createRequire(import.meta.url);

/** A logger writing to `stream`: JSON lines, or human-readable lines when the stream is a terminal. */
export function createLogger(stream: NodeJS.WritableStream & { isTTY?: boolean }, level = 'info'): Logger {
  if (stream.isTTY) {
    // Loaded only for a terminal: logs to a file or a pipe (a service, CI) are JSON lines.
    const pretty = require('pino-pretty') as typeof PinoPretty;
    return pino({ level }, pretty({ destination: stream, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }));
  }
  return pino({ level, base: null, timestamp: pino.stdTimeFunctions.isoTime }, stream);
}
