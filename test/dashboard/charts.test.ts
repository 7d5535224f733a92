import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { compactNumbers, renderLineChart, renderStackedBarChart } from '../../src/dashboard/charts.js';

const format = compactNumbers('en');
const barTitle = (category: string, series: string, value: number): string => `${category}: ${series} ${value}`;

/** Parses SVG strictly and returns its elements' names with their attributes. */
function elements(svg: string): { name: string; attributes: Record<string, string> }[] {
  const found: { name: string; attributes: Record<string, string> }[] = [];
  const parser = new SaxesParser({ xmlns: true });
  parser.on('opentag', (tag) => {
    const attributes: Record<string, string> = {};
    for (const [key, attr] of Object.entries(tag.attributes)) attributes[key] = typeof attr === 'string' ? attr : attr.value;
    found.push({ name: tag.local, attributes });
  });
  parser.write(svg).close();
  return found;
}

describe('charts', () => {
  it('draws one line per series, scaled so the largest value stays inside the plot', () => {
    const svg = renderLineChart({
      id: 'c',
      title: 'Subscribers',
      categories: ['w1', 'w2', 'w3'],
      series: [
        { label: 'active', values: [10, 20, 30] },
        { label: 'bounced', values: [0, 1, 2] },
      ],
      format,
    });
    const lines = elements(svg).filter((e) => e.name === 'polyline');
    expect(lines).toHaveLength(2);
    const ys = lines.flatMap((l) => (l.attributes.points ?? '').split(' ').map((p) => Number(p.split(',')[1])));
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(16);
    expect(Math.max(...ys)).toBeLessThanOrEqual(260 - 60);
    // Different dash patterns, so the series differ without colour too.
    expect(new Set(lines.map((l) => l.attributes['stroke-dasharray'])).size).toBe(2);
  });

  it('escapes every label it draws', () => {
    const svg = renderStackedBarChart({ id: 'x', title: 'A <b>&', categories: ['<script>'], series: [{ label: '"quoted" & <x>', values: [3] }], format, barTitle });
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(() => elements(svg)).not.toThrow();
    expect(svg).toContain('&lt;script&gt;');
  });

  it('stacks bars to the category total and draws nothing for zeros', () => {
    const svg = renderStackedBarChart({
      id: 'd',
      title: 'Digests',
      categories: ['#1', '#2'],
      series: [
        { label: 'sent', values: [90, 0] },
        { label: 'bounced', values: [10, 0] },
      ],
      format,
      barTitle,
    });
    const rects = elements(svg).filter((e) => e.name === 'rect' && e.attributes.width !== '18' && e.attributes.width !== '6');
    expect(rects).toHaveLength(2);
    const heights = rects.map((r) => Number(r.attributes.height));
    // 100 on a nice axis of 100: the two parts fill the plot height exactly.
    expect(heights.reduce((a, b) => a + b, 0)).toBeCloseTo(260 - 16 - 60, 0);
    expect(heights[0]! / heights[1]!).toBeCloseTo(9, 1);
  });

  it('draws thresholds as labelled lines, and the axis reaches above them', () => {
    const svg = renderLineChart({
      id: 'r',
      title: 'Complaint rate',
      categories: ['#1'],
      series: [{ label: 'rate', values: [0.0001] }],
      thresholds: [{ label: 'limit 0.3%', value: 0.003 }],
      format: (v) => `${v * 100}%`,
    });
    expect(elements(svg).filter((e) => e.name === 'line' && e.attributes.class === 'threshold')).toHaveLength(1);
    expect(svg).toContain('limit 0.3%');
  });

  it('keeps pattern ids unique per chart', () => {
    const a = renderStackedBarChart({ id: 'a', title: 't', categories: ['1'], series: [{ label: 'x', values: [1] }, { label: 'y', values: [1] }], format, barTitle });
    const b = renderStackedBarChart({ id: 'b', title: 't', categories: ['1'], series: [{ label: 'x', values: [1] }, { label: 'y', values: [1] }], format, barTitle });
    const ids = [...`${a}${b}`.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes compact axis numbers as the language does', () => {
    expect([950, 1200, 45_000, 3_400_000].map(format)).toEqual(['950', '1.2K', '45K', '3.4M']);
    expect([950, 1200, 3_400_000].map(compactNumbers('fr'))).toEqual(['950', '1,2\u00a0k', '3,4\u00a0M']);
  });
});
