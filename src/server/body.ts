// Request bodies, read whole and capped before any route believes them.
import type { Context, MiddlewareHandler } from 'hono';

/**
 * A middleware that reads the whole body here, chunked or not, or none at all (RFC 8058 allows an empty one-click
 * POST), at most `max` bytes, into a plain Request for `parseBody`, `json` and `text`; past `max` (as declared or as
 * read) it answers `tooLarge` (a 413). Hono's bodyLimit on node-server answered 500 to a chunked POST and to one
 * without a body. A compressed body (`Content-Encoding` other than identity) is not read: `coded` answers it (a 415,
 * RFC 9110 §15.5.16), where it read as a bad address. For POST routes: a Request of a GET or HEAD may not have a body.
 */
export function readBodyUpTo(max: number, tooLarge: (c: Context) => Response, coded: (c: Context) => Response): MiddlewareHandler {
  return async (c, next) => {
    const encoding = c.req.header('content-encoding')?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== '' && encoding !== 'identity') return coded(c);
    if (Number(c.req.header('content-length') ?? 0) > max) return tooLarge(c);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of c.req.raw.body ?? []) {
      size += chunk.byteLength;
      if (size > max) return tooLarge(c);
      chunks.push(chunk);
    }
    c.req.raw = new Request(c.req.url, { method: c.req.method, headers: c.req.raw.headers, body: Buffer.concat(chunks) });
    await next();
  };
}
