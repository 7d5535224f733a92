import { afterEach, describe, expect, it } from 'vitest';
import { renderDigest, renderDigestIndex } from '../../src/digest/render.js';
import { startEmailThread, type EmailThread } from '../../src/digest/render-thread.js';
import { hostileArticles, pinnedNow, sampleArticles, testConfig } from '../fixtures/digest/articles.js';

const config = testConfig();
let thread: EmailThread | null = null;

afterEach(async () => {
  await thread?.close();
  thread = null;
});

describe('startEmailThread', () => {
  it('renders a digest and the archive index byte for byte as the main thread does', async () => {
    thread = startEmailThread();
    for (const articles of [sampleArticles(config.newsletter.maxArticles), hostileArticles]) {
      const content = { number: 3, date: pinnedNow, articles, config };
      expect(await renderDigest(content, thread.render)).toEqual(await renderDigest(content));
    }
    const digests = [{ number: 1, edition: 'newsletter', issue: 1, createdAt: pinnedNow, subject: 'First <issue>' }];
    expect(await renderDigestIndex(digests, config, thread.render)).toBe(await renderDigestIndex(digests, config));
  });

  it("rejects a render with the template's own error when the view does not fit it", async () => {
    thread = startEmailThread();
    await expect(thread.render('archive', {})).rejects.toThrow(/"digests" not defined|not defined in/);
    // The thread survives a failed render.
    expect(await renderDigestIndex([], config, thread.render)).toContain('No issue has been sent yet.');
  });

  it('rejects the renders still waiting when the thread ends, instead of leaving them hanging', async () => {
    thread = startEmailThread();
    const waiting = renderDigestIndex([], config, thread.render);
    await thread.close();
    await expect(waiting).rejects.toThrow(/email render thread stopped \(exit code \d+\) before it answered/);
  });
});
