// The TCP statistics of an IP or of all TCP traffic (GET .../ips/:ip/tcpStats, /API/stats/modules/tcp):
// the 20 counters named in "counters" for the selected range, the client/server summaries, and
// history graphs (retransmissions, missed data, handshake and data response times).
import { Child, h } from '../dom';
import * as fmt from '../format';
import { History, PALETTE, TimeChart } from './chart';
import { card, facts } from './misc';
import { ns } from '../l7';

export interface TcpRole {
  connections?: number;
  validConnections?: number;
  invalidConnections?: number;
  handshakes?: number;
  handshakeAvgNs?: number | null;
  handshakeMinNs?: number | null;
  handshakeMaxNs?: number | null;
  transactions?: number;
  firstResponseAvgNs?: number | null;
  requestResponses?: number;
  requestResponseAvgNs?: number | null;
}

export interface TcpStats {
  counters: string[];
  allTime?: number[];
  interval?: number[];
  history?: History;
  asClient?: TcpRole;
  asServer?: TcpRole;
  retransmissionPercent?: number;
  dataResponseAvgNs?: number | null;
  [key: string]: unknown;
}

// Named access to one counter array of a TcpStats object.
export class TcpCounters {
  constructor(
    private names: string[],
    private values: number[] | undefined,
  ) {}
  get(name: string): number {
    const i = this.names.indexOf(name);
    return i >= 0 && this.values ? (this.values[i] ?? 0) : 0;
  }
  // Average of a sum of nanoseconds over a count, in seconds (null without any).
  avgSeconds(sumName: string, countName: string): number | null {
    const n = this.get(countName);
    return n > 0 ? this.get(sumName) / n / 1e9 : null;
  }
  retransmissionPercent(): number | null {
    const payload = this.get('payloadBytes');
    return payload > 0 ? (100 * this.get('retransmittedBytes')) / payload : null;
  }
}

const secs = (v: number | null): string => (v === null ? '–' : fmt.duration(v));
const pct = (v: number | null): string => (v === null ? '–' : `${v.toFixed(v > 0 && v < 0.1 ? 3 : 2)} %`);

// The figures of the selected range, as [label, value, counter name] rows.
export function tcpIntervalFacts(s: TcpStats): [string, Child, string][] {
  const c = new TcpCounters(s.counters, s.interval);
  return [
    ['TCP payload', fmt.bytes(c.get('payloadBytes')), 'payloadBytes'],
    ['Payload segments', fmt.integer(c.get('payloadSegments')), 'payloadSegments'],
    ['Retransmitted', `${fmt.bytes(c.get('retransmittedBytes'))} in ${fmt.integer(c.get('retransmittedSegments'))} segments (${pct(c.retransmissionPercent())})`, 'retransmittedBytes'],
    ['Missed data', fmt.bytes(c.get('missedBytes')), 'missedBytes'],
    ['Duplicate ACKs', fmt.integer(c.get('dupAcks')), 'dupAcks'],
    ['Zero windows', fmt.integer(c.get('zeroWindows')), 'zeroWindows'],
    ['Out of order', fmt.integer(c.get('outOfOrder')), 'outOfOrder'],
    ['Handshakes as client', `${fmt.integer(c.get('handshakesAsClient'))}, avg ${secs(c.avgSeconds('handshakeNsAsClient', 'handshakesAsClient'))}`, 'handshakesAsClient'],
    ['Handshakes as server', `${fmt.integer(c.get('handshakesAsServer'))}, avg ${secs(c.avgSeconds('handshakeNsAsServer', 'handshakesAsServer'))}`, 'handshakesAsServer'],
    ['Data response time', `avg ${secs(c.avgSeconds('dataResponseNs', 'dataResponses'))} over ${fmt.integer(c.get('dataResponses'))} ACKs`, 'dataResponses'],
    ['Data transfer time', `avg ${secs(c.avgSeconds('dataTransferNs', 'dataTransfers'))} over ${fmt.integer(c.get('dataTransfers'))} bursts`, 'dataTransfers'],
    ['First data response (server)', `avg ${secs(c.avgSeconds('firstResponseNsAsServer', 'transactionsAsServer'))} over ${fmt.integer(c.get('transactionsAsServer'))} transactions`, 'transactionsAsServer'],
    ['Request-response (server)', `avg ${secs(c.avgSeconds('requestResponseNsAsServer', 'requestResponsesAsServer'))}`, 'requestResponsesAsServer'],
  ];
}

function roleTable(s: TcpStats): HTMLElement {
  const c = s.asClient ?? {};
  const v = s.asServer ?? {};
  const row = (label: string, a: Child, b: Child) => h('tr', null, h('th', null, label), h('td', { class: 'num' }, a), h('td', { class: 'num' }, b));
  return h(
    'table',
    { class: 'compact roles', 'data-testid': 'tcp-roles' },
    h('thead', null, h('tr', null, h('th', null, 'All time'), h('th', { class: 'num' }, 'As client'), h('th', { class: 'num' }, 'As server'))),
    h(
      'tbody',
      null,
      row('Connections', fmt.integer(c.connections), fmt.integer(v.connections)),
      row('Valid / invalid', `${fmt.integer(c.validConnections)} / ${fmt.integer(c.invalidConnections)}`, `${fmt.integer(v.validConnections)} / ${fmt.integer(v.invalidConnections)}`),
      row('Handshakes', fmt.integer(c.handshakes), fmt.integer(v.handshakes)),
      row('Handshake time avg', ns(c.handshakeAvgNs), ns(v.handshakeAvgNs)),
      row('Handshake time min / max', `${ns(c.handshakeMinNs)} / ${ns(c.handshakeMaxNs)}`, `${ns(v.handshakeMinNs)} / ${ns(v.handshakeMaxNs)}`),
      row('Transactions', '–', fmt.integer(v.transactions)),
      row('First data response avg', '–', ns(v.firstResponseAvgNs)),
      row('Request-response avg', '–', ns(v.requestResponseAvgNs)),
    ),
  );
}

// Per-point series of a TCP history: a rate of a counter, or an average of a sum over a count.
function series(s: TcpStats, fn: (c: TcpCounters, step: number) => number | null): [number[], (number | null)[]] {
  const hist = s.history;
  if (!hist || !Array.isArray(hist.values)) return [[], []];
  const step = hist.timespan > 0 ? hist.timespan : 1;
  const xs = hist.values.map((_, i) => hist.starttime + i * step);
  const ys = hist.values.map((p) => fn(new TcpCounters(s.counters, p), step));
  return [xs, ys];
}

// The view: facts for the selected range, role summary, three graphs. update() re-renders.
export class TcpStatsView {
  readonly el: HTMLElement;
  private figures: HTMLElement;
  private roles: HTMLElement;
  private rate = new TimeChart('TCP payload and retransmissions', [
    { label: 'Payload', color: PALETTE[0] },
    { label: 'Retransmitted', color: PALETTE[3] },
    { label: 'Missed', color: PALETTE[4] },
  ], 'bps', 180);
  private events = new TimeChart('TCP events', [
    { label: 'Duplicate ACKs', color: PALETTE[1] },
    { label: 'Zero windows', color: PALETTE[5] },
    { label: 'Out of order', color: PALETTE[6] },
  ], 'pps', 180);
  private times = new TimeChart('TCP times (average)', [
    { label: 'Handshake (as client)', color: PALETTE[2] },
    { label: 'Data response', color: PALETTE[9] },
  ], 'seconds', 180);

  constructor() {
    this.figures = h('div');
    this.roles = h('div');
    this.el = h(
      'div',
      { class: 'tcp-stats', 'data-testid': 'tcp-stats' },
      h('div', { class: 'grid two' }, card('Selected time range', this.figures), card('Clients and servers', this.roles)),
      this.rate.el,
      h('div', { class: 'grid two' }, this.events.el, this.times.el),
    );
  }

  update(s: TcpStats): void {
    const c = new TcpCounters(s.counters, s.interval);
    // data-counter/data-value: the counter behind each figure (the e2e tests compare it with the API).
    this.figures.replaceChildren(
      facts(tcpIntervalFacts(s).map(([k, v, name]) => [k, h('span', { 'data-counter': name, 'data-value': c.get(name) }, v)])),
    );
    this.roles.replaceChildren(roleTable(s));
    const bits = (name: string) => (c: TcpCounters, step: number) => (c.get(name) * 8) / step;
    const perSecond = (name: string) => (c: TcpCounters, step: number) => c.get(name) / step;
    const [xs, payload] = series(s, bits('payloadBytes'));
    this.rate.setData(xs, [payload, series(s, bits('retransmittedBytes'))[1], series(s, bits('missedBytes'))[1]] as number[][]);
    this.events.setData(xs, [series(s, perSecond('dupAcks'))[1], series(s, perSecond('zeroWindows'))[1], series(s, perSecond('outOfOrder'))[1]] as number[][]);
    this.times.setData(xs, [
      series(s, (c) => c.avgSeconds('handshakeNsAsClient', 'handshakesAsClient'))[1],
      series(s, (c) => c.avgSeconds('dataResponseNs', 'dataResponses'))[1],
    ] as number[][]);
  }

  showError(message: string): void {
    this.rate.showError(message);
    this.events.showError(message);
    this.times.showError(message);
  }

  destroy(): void {
    this.rate.destroy();
    this.events.destroy();
    this.times.destroy();
  }
}
