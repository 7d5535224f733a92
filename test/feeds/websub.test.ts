// WebSub publish pings against a real HTTP hub on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { parseUnannounced, pingWebSub } from '../../src/feeds/websub.js';
import { startHub as startRecordingHub, type Hub } from '../fixtures/hub.js';

let running: Hub | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function startHub(status: (body: URLSearchParams) => number): Promise<Hub> {
  running = await startRecordingHub(status);
  return running;
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
    await hub.close();
    running = undefined;
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

describe('parseUnannounced', () => {
  it('reads each feed URL with the time it last changed, and a damaged record as none that can be trusted', () => {
    expect(parseUnannounced('{"https://news.example.org/feed.xml":1764770000000}')).toEqual(new Map([['https://news.example.org/feed.xml', 1764770000000]]));
    expect(parseUnannounced('{"https://news.example.org/feed.xml":"soon","https://news.example.org/atom.xml":2}')).toEqual(new Map([['https://news.example.org/atom.xml', 2]]));
    for (const damaged of ['', '{', '[]', 'null', '"x"']) expect(parseUnannounced(damaged)).toBeNull();
  });
});
