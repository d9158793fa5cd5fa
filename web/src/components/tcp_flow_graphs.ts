// Graphs of one TCP connection drawn from its flow chart (tcp_flow_chart.ts), the way engineers read
// a transfer in Wireshark's TCP stream graphs: the sequence numbers each side has sent over time
// (tcptrace / Stevens: a flat stretch is a stall, points below the line are retransmissions), and per
// direction the receiver's announced window against the sender's bytes in flight (a sender at its
// peer's window is window-limited). Time is seconds since the connection's first packet.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from '../dom';
import * as fmt from '../format';
import { FlowChart } from './tcp_flow_chart';

type Column = (number | null)[];

export interface FlowSeries {
  x: number[]; // seconds since the connection's first packet, one per segment
  clientSeq: Column; // relative seq + len of the client's data segments (null elsewhere)
  serverSeq: Column;
  retransmitted: Column; // seq + len of retransmitted data segments, either side
  clientWindow: Column; // the window the client announced (what the server may send)
  serverInFlight: Column; // the server's data not yet acknowledged by the client
  serverWindow: Column;
  clientInFlight: Column;
}

// Per segment: what each side has sent (highest seq + len), what the other acknowledged, and the
// last windows; flight = highest sent - highest acknowledged, at each data segment of the sender.
export function flowSeries(chart: FlowChart): FlowSeries {
  const s: FlowSeries = { x: [], clientSeq: [], serverSeq: [], retransmitted: [], clientWindow: [], serverInFlight: [], serverWindow: [], clientInFlight: [] };
  const sent = { client: 0, server: 0 };
  const acked = { client: 0, server: 0 }; // acknowledged by the peer, of this side's data
  for (const seg of chart.segments) {
    s.x.push(seg.offsetNs / 1e9);
    const push = (col: keyof Omit<FlowSeries, 'x'>, v: number | null) => s[col].push(v);
    const analyzed = !seg.damaged && !seg.ipFragment && seg.seq !== undefined;
    const from = seg.from;
    const peer = from === 'client' ? 'server' : 'client';
    const len = seg.len ?? 0;
    const end = analyzed ? (seg.seq as number) + len : null;
    if (analyzed && len > 0 && end !== null) sent[from] = Math.max(sent[from], end);
    if (analyzed && seg.ack !== null && seg.ack !== undefined) acked[peer] = Math.max(acked[peer], seg.ack);
    const data = analyzed && len > 0;
    const retransmission = data && (seg.marks ?? []).includes('retransmission');
    push('clientSeq', data && from === 'client' && !retransmission ? end : null);
    push('serverSeq', data && from === 'server' && !retransmission ? end : null);
    push('retransmitted', retransmission ? end : null);
    const window = analyzed && !(seg.flags ?? '').includes('RST') ? seg.window ?? null : null;
    push('clientWindow', from === 'client' ? window : null);
    push('serverWindow', from === 'server' ? window : null);
    const flight = (side: 'client' | 'server') => (data && from === side && acked[side] > 0 ? Math.max(0, sent[side] - acked[side]) : null);
    push('clientInFlight', flight('client'));
    push('serverInFlight', flight('server'));
  }
  return s;
}

function graph(title: string, testid: string, x: number[], series: { label: string; color: string; values: Column; line: boolean }[]): HTMLElement {
  const body = h('div', { class: 'chart-body' });
  const el = h('section', { class: 'flow-graph', 'data-testid': testid }, h('h4', null, title, h('span', { class: 'hint' }, 'drag to zoom, double-click to reset')), body);
  const draw = () => {
    if (!el.isConnected || body.firstChild) return;
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
    const font = `${Math.round(rem * 0.78)}px system-ui, sans-serif`;
    const axis = { stroke: '#6b7585', font, grid: { stroke: 'rgba(127,127,127,0.15)' }, ticks: { show: false } };
    const opts: uPlot.Options = {
      width: Math.max(300, body.clientWidth || 760),
      height: Math.round((200 * rem) / 14),
      scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] } },
      axes: [
        { ...axis, values: (_u, splits) => splits.map((v) => `${+v.toFixed(6)} s`) },
        { ...axis, size: Math.round(rem * 6), values: (_u, splits) => splits.map((v) => fmt.bytes(v)) },
      ],
      series: [
        { label: 'Time', value: (_u, v) => (v === null ? '–' : `${v.toFixed(6)} s`) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.line ? 1.5 : 0,
          spanGaps: true,
          points: { show: true, size: s.line ? 4 : 6, fill: s.color },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : fmt.integer(v)),
        })),
      ],
    };
    const plot = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, body);
    Object.defineProperty(plot.root, 'uplot', { value: plot });
  };
  // Drawn once the card is in the page (uPlot measures its container).
  requestAnimationFrame(draw);
  return el;
}

// The two graphs of a chart, or nothing for a chart without data segments.
export function flowGraphs(chart: FlowChart): HTMLElement | null {
  const s = flowSeries(chart);
  if (!s.clientSeq.some((v) => v !== null) && !s.serverSeq.some((v) => v !== null)) return null;
  return h(
    'div',
    { class: 'flow-graphs' },
    graph('Sequence numbers sent (relative seq + len)', 'flow-seq', s.x, [
      { label: 'Client → server', color: '#1f6feb', values: s.clientSeq, line: true },
      { label: 'Server → client', color: '#2e7d32', values: s.serverSeq, line: true },
      { label: 'Retransmitted', color: '#c62828', values: s.retransmitted, line: false },
    ]),
    graph('Receive window and bytes in flight', 'flow-window', s.x, [
      { label: 'Server’s window', color: '#9467bd', values: s.serverWindow, line: true },
      { label: 'Client in flight', color: '#1f6feb', values: s.clientInFlight, line: false },
      { label: 'Client’s window', color: '#ff7f0e', values: s.clientWindow, line: true },
      { label: 'Server in flight', color: '#2e7d32', values: s.serverInFlight, line: false },
    ]),
  );
}
