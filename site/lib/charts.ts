/**
 * Report charts as plain geometry (rectangles, lines, labels) computed at build time with d3-scale and
 * d3-shape; site/components/Chart.astro writes it as SVG, so the charts need no JavaScript and every
 * label is escaped by Astro. Pure.
 */
import { max } from 'd3-array';
import { scaleBand, scaleLinear } from 'd3-scale';
import { stack } from 'd3-shape';
import { formatDuration } from './format.ts';
import type { AgeRow, Compliance, MonthCount, UnitTimes } from './reports.ts';

interface ChartRect {
  x: number;
  y: number;
  width: number;
  height: number;
  className: string;
  title: string;
}
interface ChartText {
  x: number;
  y: number;
  text: string;
  anchor?: 'start' | 'middle' | 'end';
  className?: string;
  rotate?: number;
}
interface ChartLine {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  className: string;
}

export interface Chart {
  width: number;
  height: number;
  title: string;
  description: string;
  rects: ChartRect[];
  texts: ChartText[];
  lines: ChartLine[];
  legend: { label: string; className: string }[];
}

const MARGIN = { top: 16, right: 24, bottom: 56, left: 48 };

function valueAxis(chart: Chart, scale: ReturnType<typeof scaleLinear<number, number>>, x0: number, x1: number, format: (n: number) => string = String): void {
  for (const tick of scale.ticks(5)) {
    const y = scale(tick);
    chart.lines.push({ x1: x0, y1: y, x2: x1, y2: y, className: 'grid' });
    chart.texts.push({ x: x0 - 6, y: y + 4, text: format(tick), anchor: 'end', className: 'tick' });
  }
}

/** A chart's frame, text and legend, with nothing drawn yet. */
function newChart(frame: Pick<Chart, 'width' | 'height' | 'title' | 'description' | 'legend'>): Chart {
  return { width: frame.width, height: frame.height, title: frame.title, description: frame.description, rects: [], texts: [], lines: [], legend: frame.legend };
}

/** The value axis under horizontal bars: grid lines from the top margin down, labels below. */
function bottomAxis(chart: Chart, scale: ReturnType<typeof scaleLinear<number, number>>, format: (n: number) => string): void {
  for (const tick of scale.ticks(5)) {
    chart.lines.push({ x1: scale(tick), y1: MARGIN.top, x2: scale(tick), y2: chart.height - 30, className: 'grid' });
    chart.texts.push({ x: scale(tick), y: chart.height - 14, text: format(tick), anchor: 'middle', className: 'tick' });
  }
}

/** One band a unit for horizontal bars, from the top margin down. */
function unitBands(units: readonly string[], rowHeight: number, padding: number): ReturnType<typeof scaleBand<string>> {
  return scaleBand<string>()
    .domain(units)
    .range([MARGIN.top, MARGIN.top + units.length * rowHeight])
    .padding(padding);
}

/** Grouped bars: tickets submitted and closed in each month. */
export function monthlyChart(months: readonly MonthCount[]): Chart {
  const width = Math.max(480, 60 + months.length * 44);
  const height = 280;
  const chart = newChart({
    width,
    height,
    title: 'Tickets submitted and closed per month',
    description: months.map((m) => `${m.month}: ${m.submitted} submitted, ${m.closed} closed`).join('; '),
    legend: [
      { label: 'submitted', className: 'series-submitted' },
      { label: 'closed', className: 'series-closed' },
    ],
  });
  const x = scaleBand<string>()
    .domain(months.map((m) => m.month))
    .range([MARGIN.left, width - MARGIN.right])
    .padding(0.2);
  const series = ['submitted', 'closed'] as const;
  const inner = scaleBand<string>().domain(series).range([0, x.bandwidth()]).padding(0.08);
  const y = scaleLinear()
    .domain([0, max(months, (m) => Math.max(m.submitted, m.closed)) ?? 1])
    .nice()
    .range([height - MARGIN.bottom, MARGIN.top]);
  valueAxis(chart, y, MARGIN.left, width - MARGIN.right);
  for (const m of months) {
    for (const key of series) {
      const value = m[key];
      chart.rects.push({ x: (x(m.month) ?? 0) + (inner(key) ?? 0), y: y(value), width: inner.bandwidth(), height: y(0) - y(value), className: `series-${key}`, title: `${m.month}: ${value} ${key}` });
    }
    chart.texts.push({ x: (x(m.month) ?? 0) + x.bandwidth() / 2, y: height - MARGIN.bottom + 16, text: m.month, anchor: 'end', rotate: -40, className: 'tick' });
  }
  chart.lines.push({ x1: MARGIN.left, y1: y(0), x2: width - MARGIN.right, y2: y(0), className: 'axis' });
  return chart;
}

/** Horizontal bars per unit: median and mean of a time in hours. */
export function timesChart(rows: readonly UnitTimes[], which: 'response' | 'solution'): Chart {
  const shown = rows.filter((r) => (which === 'response' ? r.responseMedian : r.solutionMedian) !== undefined);
  const rowHeight = 34;
  const left = 110;
  const width = 640;
  const height = MARGIN.top + shown.length * rowHeight + 40;
  const title = which === 'response' ? 'Response time per unit (first supporter action)' : 'Solution time per unit (without time waiting for the submitter)';
  const pick = (r: UnitTimes): [number, number] => (which === 'response' ? [r.responseMedian ?? 0, r.responseMean ?? 0] : [r.solutionMedian ?? 0, r.solutionMean ?? 0]);
  const chart = newChart({
    width,
    height,
    title,
    description: shown.map((r) => `${r.unit}: median ${formatDuration(pick(r)[0])}, mean ${formatDuration(pick(r)[1])}`).join('; '),
    legend: [
      { label: 'median', className: 'bar-median' },
      { label: 'mean', className: 'bar-mean' },
    ],
  });
  const x = scaleLinear()
    .domain([0, max(shown, (r) => Math.max(...pick(r))) ?? 1])
    .nice()
    .range([left, width - MARGIN.right]);
  const y = unitBands(
    shown.map((r) => r.unit),
    rowHeight,
    0.15,
  );
  bottomAxis(chart, x, formatDuration);
  for (const r of shown) {
    const [med, avg] = pick(r);
    const top = y(r.unit) ?? 0;
    const bar = y.bandwidth() / 2;
    chart.rects.push({ x: left, y: top, width: x(med) - left, height: bar, className: 'bar-median', title: `${r.unit}: median ${formatDuration(med)}` });
    chart.rects.push({ x: left, y: top + bar, width: x(avg) - left, height: bar, className: 'bar-mean', title: `${r.unit}: mean ${formatDuration(avg)}` });
    chart.texts.push({ x: left - 8, y: top + y.bandwidth() / 2 + 4, text: r.unit, anchor: 'end' });
  }
  return chart;
}

/** Stacked bars: open tickets by age, split by priority colour (d3-shape's stack). */
export function agesChart(rows: readonly AgeRow[], colours: readonly string[]): Chart {
  const width = 560;
  const height = 280;
  const chart = newChart({
    width,
    height,
    title: 'Open tickets by age and priority colour',
    description: rows.map((r) => `${r.bucket}: ${colours.map((c) => `${r.counts[c] ?? 0} ${c}`).join(', ')}`).join('; '),
    legend: colours.map((c) => ({ label: c, className: `fill-${c.replace(/\s+/g, '-')}` })),
  });
  const layers = stack<AgeRow, string>()
    .keys(colours)
    .value((row, key) => row.counts[key] ?? 0)([...rows]);
  const x = scaleBand<string>()
    .domain(rows.map((r) => r.bucket))
    .range([MARGIN.left, width - MARGIN.right])
    .padding(0.25);
  const y = scaleLinear()
    .domain([0, max(layers.at(-1) ?? [], (point) => point[1]) ?? 1])
    .nice()
    .range([height - MARGIN.bottom, MARGIN.top]);
  valueAxis(chart, y, MARGIN.left, width - MARGIN.right);
  for (const layer of layers) {
    for (const point of layer) {
      const count = point[1] - point[0];
      if (count <= 0) continue;
      chart.rects.push({ x: x(point.data.bucket) ?? 0, y: y(point[1]), width: x.bandwidth(), height: y(point[0]) - y(point[1]), className: `fill-${layer.key.replace(/\s+/g, '-')}`, title: `${point.data.bucket}: ${count} ${layer.key}` });
    }
  }
  for (const r of rows) chart.texts.push({ x: (x(r.bucket) ?? 0) + x.bandwidth() / 2, y: height - MARGIN.bottom + 18, text: r.bucket, anchor: 'middle', className: 'tick' });
  chart.lines.push({ x1: MARGIN.left, y1: y(0), x2: width - MARGIN.right, y2: y(0), className: 'axis' });
  return chart;
}

/** Horizontal bars per unit: share of tickets answered within the QoS target. */
export function complianceChart(rows: readonly Compliance[]): Chart {
  const shown = rows.filter((r) => r.share !== undefined);
  const rowHeight = 26;
  const left = 110;
  const width = 640;
  const height = MARGIN.top + shown.length * rowHeight + 40;
  const chart = newChart({
    width,
    height,
    title: 'QoS deadline compliance per unit (first response within target)',
    description: shown.map((r) => `${r.unit}: ${Math.round((r.share ?? 0) * 100)}% of ${r.inTime + r.late}`).join('; '),
    legend: [
      { label: 'in time', className: 'ok' },
      { label: 'late', className: 'late' },
    ],
  });
  const x = scaleLinear()
    .domain([0, 1])
    .range([left, width - MARGIN.right - 50]);
  const y = unitBands(
    shown.map((r) => r.unit),
    rowHeight,
    0.2,
  );
  bottomAxis(chart, x, (tick) => `${Math.round(tick * 100)}%`);
  for (const r of shown) {
    const share = r.share ?? 0;
    const top = y(r.unit) ?? 0;
    chart.rects.push({ x: left, y: top, width: x(share) - left, height: y.bandwidth(), className: 'ok', title: `${r.unit}: ${r.inTime} in time` });
    chart.rects.push({ x: x(share), y: top, width: x(1) - x(share), height: y.bandwidth(), className: 'late', title: `${r.unit}: ${r.late} late` });
    chart.texts.push({ x: left - 8, y: top + y.bandwidth() / 2 + 4, text: r.unit, anchor: 'end' });
    chart.texts.push({ x: x(1) + 6, y: top + y.bandwidth() / 2 + 4, text: `${Math.round(share * 100)}%`, anchor: 'start' });
  }
  return chart;
}
