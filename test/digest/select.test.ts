import { describe, expect, it } from 'vitest';
import { selectDigestArticles } from '../../src/digest/select.js';
import { sampleArticles } from '../fixtures/digest/articles.js';

const slugs = (articles: { slug: string }[]): string[] => articles.map((a) => a.slug);

describe('selectDigestArticles', () => {
  const published = sampleArticles(5);

  it('carries the newest unseen articles, up to maxArticles, and passes over the rest', () => {
    const { carried, passedOver } = selectDigestArticles(published, new Set(), 3);
    expect(slugs(carried)).toEqual(['story-001', 'story-002', 'story-003']);
    expect(slugs(passedOver)).toEqual(['story-004', 'story-005']);
  });

  it('skips articles an earlier digest carried or passed over, whatever their date', () => {
    const { carried, passedOver } = selectDigestArticles(published, new Set(['story-001', 'story-003', 'story-005']), 10);
    expect(slugs(carried)).toEqual(['story-002', 'story-004']);
    expect(passedOver).toEqual([]);
  });

  it('carries nothing when nothing is new', () => {
    expect(selectDigestArticles(published, new Set(slugs(published)), 10)).toEqual({ carried: [], passedOver: [] });
    expect(selectDigestArticles([], new Set(), 10)).toEqual({ carried: [], passedOver: [] });
  });
});
