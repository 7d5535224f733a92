// Charts as inline SVG, drawn on the server from numbers the store aggregated: no script, readable at 375 px
// (the viewBox scales), in print, and to colour-blind eyes (Okabe–Ito colours, each series also dashed or marked).
import { escapeAttr, escapeText } from '../feeds/xml.js';

/** One line or bar series: a label and one value per category. */
export interface Series {
  label: string;
  values: readonly number[];
}

/** A horizontal reference line (a threshold), in the chart's units. */
export interface Threshold {
  label: string;
  value: number;
}

/** What every chart shares: a title (for screen readers too), the category labels, and how values read. */
export interface ChartInput {
  /** Unique on the page: prefixes the ids of the chart's patterns. */
  id: string;
  title: string;
  categories: readonly string[];
  series: readonly Series[];
  /** Formats an axis value in the page's language (`12%`, `1.2K`: see compactNumbers). */
  format: (value: number) => string;
}

// Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
const palette = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
const dashes = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4'];

const width = 640;
const height = 260;
// The left margin holds the axis labels: 90 units fit the longest compact numbers (German `1,3 Mio.`, Arabic `1.3 مليون`).
const margin = { top: 16, right: 12, bottom: 60, left: 90 };
const plotWidth = width - margin.left - margin.right;
const plotHeight = height - margin.top - margin.bottom;

/** A round upper bound for the axis and its ticks (1, 2, 2.5 or 5 times a power of ten). */
function niceScale(max: number): { top: number; ticks: number[] } {
  if (!(max > 0)) return { top: 1, ticks: [0, 1] };
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const top = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { top, ticks };
}

/** Compact numbers for axes as `language` writes them: 950, 1.2K, 3.4M in English, 1,2 k in French. */
export function compactNumbers(language: string): (value: number) => string {
  const format = new Intl.NumberFormat(language, { notation: 'compact', maximumFractionDigits: 1 });
  return (value) => format.format(value);
}

function frame(input: ChartInput, top: number, ticks: readonly number[], body: string, legend: readonly { label: string; mark: string }[]): string {
  const { format } = input;
  const y = (v: number): number => margin.top + plotHeight - (v / top) * plotHeight;
  const grid = ticks
    .map(
      (t) =>
        `<line class="grid" x1="${margin.left}" x2="${width - margin.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/>` +
        `<text class="tick" x="${margin.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${escapeText(format(t))}</text>`,
    )
    .join('');
  // At most 6 category labels so they never overlap; every value is in the table beside the chart anyway.
  const every = Math.max(1, Math.ceil(input.categories.length / 6));
  const step = plotWidth / Math.max(1, input.categories.length);
  const labels = input.categories
    .map((c, i) =>
      i % every === 0
        ? `<text class="tick" x="${(margin.left + step * (i + 0.5)).toFixed(1)}" y="${height - margin.bottom + 20}" text-anchor="middle">${escapeText(c)}</text>`
        : '',
    )
    .join('');
  const legendItems = legend
    .map((item, i) => {
      const x = margin.left + (i % 3) * 190;
      const ly = height - 16 + Math.floor(i / 3) * 22;
      return `<g transform="translate(${x} ${ly})">${item.mark}<text class="legend" x="22" y="4">${escapeText(item.label)}</text></g>`;
    })
    .join('');
  const rows = Math.ceil(legend.length / 3);
  const totalHeight = height + Math.max(0, rows - 1) * 22;
  return (
    `<svg class="chart" role="img" viewBox="0 0 ${width} ${totalHeight}" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">` +
    `<title>${escapeText(input.title)}</title>` +
    grid +
    `<line class="axis" x1="${margin.left}" x2="${width - margin.right}" y1="${y(0)}" y2="${y(0)}"/>` +
    body +
    labels +
    legendItems +
    '</svg>'
  );
}

function lineMark(i: number): string {
  return `<line x1="0" x2="18" y1="0" y2="0" stroke="${palette[i % palette.length]}" stroke-width="3" stroke-dasharray="${dashes[i % dashes.length]}"/>`;
}

/** Lines over categories (time), each series its own colour and dash, with optional threshold lines. */
export function renderLineChart(input: ChartInput & { thresholds?: readonly Threshold[] }): string {
  const thresholds = input.thresholds ?? [];
  const max = Math.max(0, ...input.series.flatMap((s) => s.values), ...thresholds.map((t) => t.value * 1.25));
  const { top, ticks } = niceScale(max);
  const step = plotWidth / Math.max(1, input.categories.length);
  const x = (i: number): number => margin.left + step * (i + 0.5);
  const y = (v: number): number => margin.top + plotHeight - (v / top) * plotHeight;
  const lines = input.series
    .map((series, i) => {
      const points = series.values.map((v, j) => `${x(j).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      const color = palette[i % palette.length] ?? '#000';
      const dots = series.values.length <= 40 ? series.values.map((v, j) => `<circle cx="${x(j).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${color}"/>`).join('') : '';
      return `<polyline fill="none" stroke="${color}" stroke-width="2.5" stroke-dasharray="${dashes[i % dashes.length]}" points="${points}"><title>${escapeText(series.label)}</title></polyline>${dots}`;
    })
    .join('');
  const limits = thresholds
    .map(
      (t, i) =>
        `<line class="threshold" x1="${margin.left}" x2="${width - margin.right}" y1="${y(t.value).toFixed(1)}" y2="${y(t.value).toFixed(1)}"/>` +
        // Alternate ends, so the labels of two close thresholds do not overlap.
        (i % 2 === 0
          ? `<text class="threshold-label" x="${margin.left + 4}" y="${(y(t.value) - 4).toFixed(1)}">${escapeText(t.label)}</text>`
          : `<text class="threshold-label" x="${width - margin.right - 4}" y="${(y(t.value) - 4).toFixed(1)}" text-anchor="end">${escapeText(t.label)}</text>`),
    )
    .join('');
  const legend = input.series.map((s, i) => ({ label: s.label, mark: lineMark(i) }));
  return frame(input, top, ticks, limits + lines, legend);
}

/** A bar chart's input: besides the chart's, what each bar's tooltip says (a category's value of one series). */
export interface BarChartInput extends ChartInput {
  barTitle: (category: string, series: string, value: number) => string;
}

/** Stacked bars over categories: each bar is the sum of the series, each series its own colour and hatch. */
export function renderStackedBarChart(input: BarChartInput): string {
  const totals = input.categories.map((_, j) => input.series.reduce((sum, s) => sum + (s.values[j] ?? 0), 0));
  const { top, ticks } = niceScale(Math.max(0, ...totals));
  const step = plotWidth / Math.max(1, input.categories.length);
  const barWidth = Math.max(1, step * 0.7);
  const y = (v: number): number => margin.top + plotHeight - (v / top) * plotHeight;
  const patterns = input.series
    .map((_, i) => {
      const color = palette[i % palette.length] ?? '#000';
      // Every other series is hatched, so neighbours differ in texture as well as colour.
      return i % 2 === 0
        ? ''
        : `<pattern id="${input.id}-hatch-${i}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${color}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern>`;
    })
    .join('');
  const fill = (i: number): string => (i % 2 === 0 ? (palette[i % palette.length] ?? '#000') : `url(#${input.id}-hatch-${i})`);
  const bars = input.categories
    .map((category, j) => {
      let base = 0;
      const x = margin.left + step * j + (step - barWidth) / 2;
      return input.series
        .map((series, i) => {
          const value = series.values[j] ?? 0;
          if (value <= 0) return '';
          const rect = `<rect x="${x.toFixed(1)}" y="${y(base + value).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(base) - y(base + value)).toFixed(1)}" fill="${fill(i)}"><title>${escapeText(input.barTitle(category, series.label, value))}</title></rect>`;
          base += value;
          return rect;
        })
        .join('');
    })
    .join('');
  const legend = input.series.map((s, i) => ({ label: s.label, mark: `<rect x="0" y="-6" width="18" height="12" fill="${escapeAttr(fill(i))}"/>` }));
  return frame(input, top, ticks, `<defs>${patterns}</defs>${bars}`, legend);
}
