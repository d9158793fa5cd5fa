// Average response times over time, from the history of L7 servers (DNS, HTTP, TLS, QUIC): each
// series is a (count, sum in ns) pair of counter positions of the history points (docs/api.md: the
// servers' timed responses and their response times' sum); a point's value is sum / count, none
// where nothing was timed. Several histories of the same window (an IP's TLS ports) add up per point.
import { History, PALETTE, TimeChart } from './chart';

export interface TimedSeries {
  label: string;
  count: number; // position of the timed-response count in a history point
  sum: number; // position of their response times' sum (ns)
}

export class ResponseTimeChart {
  readonly el: HTMLElement;
  private chart: TimeChart;

  constructor(
    title: string,
    private series: TimedSeries[],
  ) {
    this.chart = new TimeChart(title, series.map((s, i) => ({ label: s.label, color: PALETTE[(i * 3 + 2) % PALETTE.length], fill: false, points: true })), 'seconds', 180);
    this.el = this.chart.el;
    this.el.dataset.chart = 'response-time';
  }

  update(histories: (History | undefined)[]): void {
    const hs = histories.filter((h): h is History => !!h && Array.isArray(h.values));
    if (!hs.length) {
      this.chart.showError('No history');
      return;
    }
    const base = hs[0];
    const step = base.timespan > 0 ? base.timespan : 1;
    const same = hs.filter((h) => h.starttime === base.starttime && h.timespan === base.timespan);
    const xs = base.values.map((_, i) => base.starttime + i * step);
    const ys = this.series.map((s) =>
      xs.map((_, i) => {
        let count = 0;
        let sum = 0;
        for (const h of same) {
          count += h.values[i]?.[s.count] ?? 0;
          sum += h.values[i]?.[s.sum] ?? 0;
        }
        return count > 0 ? sum / count / 1e9 : null;
      }),
    );
    this.chart.setData(xs, ys as number[][]);
  }

  destroy(): void {
    this.chart.destroy();
  }
}
