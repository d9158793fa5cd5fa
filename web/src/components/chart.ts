// A time-series chart (uPlot). Dragging horizontally selects an interval of packet time, which
// becomes the global time selection (every page follows it).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from '../dom';
import * as fmt from '../format';
import { setRange } from '../time';

export type Unit = 'bps' | 'pps' | 'count' | 'bytes' | 'seconds' | 'percent';

export interface SeriesDef {
  label: string;
  color: string;
  fill?: boolean;
  points?: boolean; // always mark the points (sparse series: a point between gaps has no line)
}

export interface History {
  starttime: number;
  timespan: number;
  values: number[][];
}

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

// Tick steps of a time axis in seconds: uPlot's own list without the sub-second steps.
const [MIN, HOUR, DAY] = [60, 3600, 86400];
const TIME_INCREMENTS = [
  1, 2, 5, 10, 15, 30, MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR, 6 * HOUR, 8 * HOUR,
  12 * HOUR, DAY, 2 * DAY, 3 * DAY, 4 * DAY, 5 * DAY, 6 * DAY, 7 * DAY, 8 * DAY, 9 * DAY, 10 * DAY, 15 * DAY,
  30 * DAY, 60 * DAY, 90 * DAY, 120 * DAY, 180 * DAY, 365 * DAY, 730 * DAY, 1825 * DAY, 3650 * DAY, 9125 * DAY, 18250 * DAY, 36500 * DAY,
];

function unitFormatter(unit: Unit): (v: number) => string {
  switch (unit) {
    case 'bps':
      return (v) => fmt.bitsPerSecond(v / 8);
    case 'pps':
      return (v) => fmt.packetsPerSecond(v);
    case 'bytes':
      return (v) => fmt.bytes(v);
    case 'seconds':
      return (v) => fmt.duration(v);
    case 'percent':
      return (v) => `${v.toFixed(v < 10 ? 2 : 1)} %`;
    default:
      return (v) => fmt.count(v);
  }
}

export class TimeChart {
  readonly el: HTMLElement;
  private plot: uPlot | null = null;
  private body: HTMLElement;
  private status: HTMLElement;
  private observer: ResizeObserver;
  private data: uPlot.AlignedData | null = null;

  constructor(
    title: string,
    private series: SeriesDef[],
    private unit: Unit,
    private height = 220,
  ) {
    this.body = h('div', { class: 'chart-body' });
    this.status = h('div', { class: 'chart-status state' }, 'Loading…');
    this.el = h(
      'section',
      { class: 'card chart', 'data-chart': title },
      h('h3', null, title, h('span', { class: 'hint' }, 'drag to zoom')),
      this.status,
      this.body,
    );
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.el);
  }

  private width(): number {
    return Math.max(200, this.body.clientWidth || this.el.clientWidth - 24);
  }

  // The height follows the root font size (larger on big screens).
  private scaledHeight(): number {
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
    return Math.round((this.height * rem) / 14);
  }

  private resize(): void {
    if (this.plot) this.plot.setSize({ width: this.width(), height: this.scaledHeight() });
    else if (this.data) this.draw();
  }

  showError(message: string): void {
    this.status.textContent = message;
    this.status.className = 'chart-status state error';
    this.status.hidden = false;
  }

  // x: epoch seconds; ys: one array per series.
  setData(xs: number[], ys: number[][]): void {
    this.data = [xs, ...ys];
    if (xs.length === 0) {
      this.status.textContent = 'No traffic in the selected time range';
      this.status.className = 'chart-status state empty';
      this.status.hidden = false;
    } else {
      this.status.hidden = true;
    }
    if (this.plot) this.plot.setData(this.data);
    else this.draw();
  }

  private draw(): void {
    if (!this.data || !this.el.isConnected) return;
    const format = unitFormatter(this.unit);
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
    const font = `${Math.round(rem * 0.78)}px system-ui, sans-serif`;
    const opts: uPlot.Options = {
      width: this.width(),
      height: this.scaledHeight(),
      cursor: { drag: { x: true, y: false, setScale: false } },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      legend: { live: true },
      scales: {
        // One point (a trace of one second): uPlot 1.6 would stretch the axis over 1000 days after it.
        x: { time: true, range: (u, min, max) => (u.data[0].length === 1 ? [u.data[0][0] - 1, u.data[0][0] + 1] : [min, max]) },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
      },
      axes: [
        {
          stroke: '#6b7585',
          font,
          grid: { stroke: 'rgba(127,127,127,0.15)' },
          ticks: { show: false },
          size: Math.round(rem * 3.2),
          // Room for a date label ("2017-04-01") between ticks; uPlot's default (50 px) let them overlap.
          space: Math.round(rem * 6.5),
          // Whole seconds at least: history has 1-s resolution, and labels show no fractions.
          incrs: TIME_INCREMENTS,
          values: (_u, splits, _axis, _space, incr) => fmt.axisTimes(splits, incr),
        },
        {
          stroke: '#6b7585',
          font,
          grid: { stroke: 'rgba(127,127,127,0.15)' },
          ticks: { show: false },
          size: Math.round(rem * 6.5),
          values: (_u, splits) => splits.map(format),
        },
      ],
      series: [
        { value: (_u, v) => (v === null ? '–' : fmt.dateTime(v)) },
        ...this.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          fill: s.fill === false ? undefined : s.color + '22',
          points: { show: (u: uPlot) => s.points === true || u.data[0].length < 3 },  // lines need two points
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
        })),
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 4) return;
            const start = u.posToVal(u.select.left, 'x');
            const end = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            if (end > start) setRange(start, end);
          },
        ],
      },
    };
    this.plot = new uPlot(opts, this.data, this.body);
    // For the end-to-end tests, which check the axes' labels (drawn on a canvas) for overlaps.
    Object.defineProperty(this.plot.root, 'uplot', { value: this.plot });
  }

  destroy(): void {
    this.observer.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }
}

// Turns a history dataset of [rxP, rxB, txP, txB] points into x and per-series values.
export function historySeries(
  history: History | undefined,
  pick: ((point: number[], step: number) => number)[],
): [number[], number[][]] {
  if (!history || !Array.isArray(history.values)) return [[], pick.map(() => [])];
  const step = history.timespan > 0 ? history.timespan : 1;
  const xs = history.values.map((_, i) => history.starttime + i * step);
  const ys = pick.map((fn) => history.values.map((p) => fn(p, step)));
  return [xs, ys];
}

export const rxBits = (p: number[], step: number) => ((p[1] ?? 0) * 8) / step;
export const txBits = (p: number[], step: number) => ((p[3] ?? 0) * 8) / step;
export const rxPackets = (p: number[], step: number) => (p[0] ?? 0) / step;
export const txPackets = (p: number[], step: number) => (p[2] ?? 0) / step;
export const totalBits = (p: number[], step: number) => (((p[1] ?? 0) + (p[3] ?? 0)) * 8) / step;
