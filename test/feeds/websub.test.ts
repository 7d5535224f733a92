// WebSub publish pings against a real HTTP hub on 127.0.0.1.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pingWebSub } from '../../src/feeds/websub.js';

interface Received {
  method: string;
  contentType: string;
  body: URLSearchParams;
}

let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function startHub(status: (body: URLSearchParams) => number): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((request: IncomingMessage, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      const body = new URLSearchParams(text);
      received.push({ method: request.method ?? '', contentType: request.headers['content-type'] ?? '', body });
      response.writeHead(status(body)).end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hub`, received };
}

describe('pingWebSub', () => {
  it('posts hub.mode=publish with each changed feed URL, form-encoded', async () => {
    const hub = await startHub(() => 204);
    const feeds = ['https://news.example.org/feed.xml', 'https://news.example.org/sections/r%26d/atom.xml?x=1&y=2'];
    const results = await pingWebSub(hub.url, feeds);
    expect(results).toEqual(feeds.map((feedUrl) => ({ feedUrl, ok: true, status: 204, error: null })));
    expect(hub.received.map((r) => [r.method, r.contentType, r.body.get('hub.mode'), r.body.get('hub.url')]).sort()).toEqual(
      feeds.map((f) => ['POST', 'application/x-www-form-urlencoded', 'publish', f]).sort(),
    );
  });

  it('reports a refusing hub and an unreachable one without throwing', async () => {
    const hub = await startHub((body) => (body.get('hub.url')?.endsWith('bad.xml') ? 400 : 202));
    const results = await pingWebSub(hub.url, ['https://news.example.org/good.xml', 'https://news.example.org/bad.xml']);
    expect(results.map((r) => [r.ok, r.status])).toEqual([
      [true, 202],
      [false, 400],
    ]);
    const closedPort = Number(new URL(hub.url).port);
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    const [down] = await pingWebSub(`http://127.0.0.1:${closedPort}/hub`, ['https://news.example.org/feed.xml']);
    expect(down).toMatchObject({ ok: false, status: null });
    expect(down?.error).toBeTruthy();
  });

  it('sends nothing when no feed changed', async () => {
    const hub = await startHub(() => 204);
    expect(await pingWebSub(hub.url, [])).toEqual([]);
    expect(hub.received).toEqual([]);
  });
});
