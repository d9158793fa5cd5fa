// The reference's "TCP flow chart" of a connection (IP module, connection details): computed on
// request (GET .../ip/connections/:id/tcpFlowChart reads the connection's packets again from the
// analysed files), drawn as a ladder: the client's line on the left, the server's on the right, one
// arrow per segment in capture order with its flags, relative numbers, length and window, and what
// the TCP analysis concluded about it (retransmission, duplicate ACK, ...) in colour at the right;
// above it the sequence and window graphs of the same segments (tcp_flow_graphs.ts).
import { get } from '../api';
import { Child, h, replace } from '../dom';
import { api } from '../endpoints';
import * as fmt from '../format';
import { card } from './misc';
import { flowGraphs } from './tcp_flow_graphs';
import { errorState, loading } from './states';

export interface FlowSegment {
  time: number; // µs since epoch
  offsetNs: number; // since the connection's first packet
  from: 'client' | 'server';
  wireLength: number;
  damaged?: boolean; // a TCP header too short or beyond the packet: no TCP fields
  ipFragment?: boolean; // an IP fragment before its datagram is whole: no TCP fields of its own
  flags?: string;
  seq?: number;
  ack?: number | null;
  len?: number;
  window?: number;
  marks?: string[];
}

type Marks = Record<string, number>;

export interface FlowChart {
  id: string;
  client: { ip: string; port: number };
  server: { ip: string; port: number };
  connectionPackets: number;
  firstPacket?: number; // index of segments[0] among the connection's packets
  complete: boolean;
  truncated: boolean;
  windowScaleKnown: boolean;
  error?: string;
  marks: { client: Marks; server: Marks };
  segments: FlowSegment[];
}

// What each mark means, as Wireshark's expert info names it, and its colour.
export const MARKS: Record<string, { text: string; counted: string; color: string }> = {
  retransmission: { text: 'Retransmission', counted: 'retransmissions', color: '#c62828' },
  outOfOrder: { text: 'Out of order', counted: 'out of order', color: '#ad1457' },
  dupAck: { text: 'Dup ACK', counted: 'dup ACKs', color: '#ef6c00' },
  zeroWindow: { text: 'Zero window', counted: 'zero windows', color: '#6a1b9a' },
  keepAlive: { text: 'Keep-alive', counted: 'keep-alives', color: '#00838f' },
  windowProbe: { text: 'Window probe', counted: 'window probes', color: '#4527a0' },
  gap: { text: 'Previous segment not captured', counted: 'after data not captured', color: '#8d6e63' },
};

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

const ROW = 26;
const TOP = 44;
const X_TIME = 8;
const X_CLIENT = 150;
const X_SERVER = 590;
const X_MARKS = 604;
const WIDTH = 820;

// Seconds since the connection's start, to the microsecond.
const offset = (nanos: number) => `${(nanos / 1e9).toFixed(6)} s`;

function label(s: FlowSegment): string {
  if (s.damaged) return 'damaged TCP header';
  if (s.ipFragment) return 'IP fragment (its datagram’s TCP header comes with the last one)';
  const parts = [s.flags || '(no flags)', `Seq=${s.seq}`];
  if (s.ack !== null && s.ack !== undefined) parts.push(`Ack=${s.ack}`);
  parts.push(`Len=${s.len}`, `Win=${s.window}`);
  return parts.join(' ');
}

// The ladder as an SVG element (one row per segment).
export function ladder(chart: FlowChart): SVGElement {
  const n = chart.segments.length;
  const height = TOP + n * ROW + 12;
  const root = svg('svg', { width: WIDTH, height, viewBox: `0 0 ${WIDTH} ${height}`, class: 'tcp-flow', role: 'img', 'aria-label': 'TCP flow chart' });
  const defs = svg('defs', {});
  const colors = new Set(['#1f6feb', '#2e7d32', ...Object.values(MARKS).map((m) => m.color)]);
  for (const c of colors) {
    const marker = svg('marker', { id: `arrow-${c.slice(1)}`, viewBox: '0 0 10 10', refX: 10, refY: 5, markerUnits: 'userSpaceOnUse', markerWidth: 9, markerHeight: 9, orient: 'auto-start-reverse' });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: c }));
    defs.append(marker);
  }
  root.append(defs);
  root.append(svg('text', { x: X_TIME, y: 16, class: 'head' }, 'Time'));
  root.append(svg('text', { x: X_CLIENT, y: 16, 'text-anchor': 'middle', class: 'head' }, `Client ${chart.client.ip}:${chart.client.port}`));
  root.append(svg('text', { x: X_SERVER, y: 16, 'text-anchor': 'middle', class: 'head' }, `Server ${chart.server.ip}:${chart.server.port}`));
  root.append(svg('line', { x1: X_CLIENT, y1: 24, x2: X_CLIENT, y2: height - 4, class: 'axis' }));
  root.append(svg('line', { x1: X_SERVER, y1: 24, x2: X_SERVER, y2: height - 4, class: 'axis' }));
  chart.segments.forEach((s, i) => {
    const y = TOP + i * ROW + 12;
    const row = svg('g', { class: 'segment', 'data-index': i, 'data-from': s.from, 'data-marks': (s.marks ?? []).join(' ') });
    const first = s.marks?.find((m) => MARKS[m]);
    const color = first ? MARKS[first].color : s.from === 'client' ? '#1f6feb' : '#2e7d32';
    const [x1, x2] = s.from === 'client' ? [X_CLIENT, X_SERVER] : [X_SERVER, X_CLIENT];
    const previous = i > 0 ? chart.segments[i - 1].offsetNs : 0;
    const time = svg('text', { x: X_TIME, y: y + 4, class: 'time' }, offset(s.offsetNs));
    time.append(svg('title', {}, `${fmt.microTime(s.time)} (+${((s.offsetNs - previous) / 1e6).toFixed(3)} ms after the previous segment)`));
    row.append(time);
    row.append(svg('line', { x1, y1: y, x2, y2: y, stroke: color, 'stroke-width': (s.len ?? 0) > 0 ? 2.2 : 1.2, 'marker-end': `url(#arrow-${color.slice(1)})` }));
    row.append(svg('text', { x: (X_CLIENT + X_SERVER) / 2, y: y - 4, 'text-anchor': 'middle', class: 'label' }, label(s)));
    let x = X_MARKS;
    for (const m of s.marks ?? []) {
      const info = MARKS[m];
      if (!info) continue;
      const t = svg('text', { x, y: y + 4, fill: info.color, class: 'mark' }, info.text);
      row.append(t);
      x += info.text.length * 6.4 + 8;
    }
    row.append(svg('title', {}, `${s.from === 'client' ? 'client → server' : 'server → client'}, ${s.wireLength} bytes on the wire`));
    root.append(row);
  });
  return root;
}

function markSummary(marks: Marks): string {
  const parts = Object.entries(marks)
    .filter(([k, v]) => v > 0 && MARKS[k])
    .map(([k, v]) => `${fmt.integer(v)} ${v === 1 ? MARKS[k].text.toLowerCase().replace('dup ack', 'dup ACK') : MARKS[k].counted}`);
  return parts.length ? parts.join(', ') : 'nothing marked';
}

// What the chart shows: how many segments of how many, and the marks per side.
export function summary(chart: FlowChart): Child[] {
  const shown = chart.segments.length;
  const total = fmt.integer(chart.connectionPackets);
  const first = chart.firstPacket ?? 0;
  const extent =
    chart.complete && first === 0
      ? `all ${total} packets of the connection`
      : chart.complete || chart.truncated
        ? `packets ${fmt.integer(first + 1)}–${fmt.integer(first + shown)} of the connection’s ${total}`
        : `${fmt.integer(shown)} of its ${total} packets (the others are no longer in the capture files)`;
  return [
    h('p', { 'data-field': 'flow-extent' }, `${fmt.integer(shown)} segments: ${extent}.`, chart.windowScaleKnown ? '' : ' Windows unscaled (both SYNs not seen).'),
    h('p', { 'data-field': 'flow-marks' }, `Client → server: ${markSummary(chart.marks.client)}. Server → client: ${markSummary(chart.marks.server)}.`),
    chart.error ? h('p', { class: 'error' }, `The capture files ended in an error: ${chart.error}`) : null,
  ];
}

// Segments per page of the chart.
const PAGE = 2000;

// A card with the button that calculates the chart of connection `id`, and the chart once loaded,
// a page of PAGE segments at a time.
export function tcpFlowCard(id: string): HTMLElement {
  const body = h('div', { class: 'tcp-flow-body' });
  const button = h('button', { class: 'button', type: 'button', 'data-testid': 'tcp-flow-calculate' }, 'Calculate TCP flow chart') as HTMLButtonElement;
  const load = async (firstPacket: number) => {
    button.disabled = true;
    replace(body, loading('Reading the connection’s packets…'));
    try {
      const chart = await get<FlowChart>(`${api.connection(id)}/tcpFlowChart`, { maxPackets: PAGE, firstPacket });
      const pager = (label: string, first: number, testid: string) =>
        h('button', { class: 'button small', type: 'button', 'data-testid': testid, onclick: () => load(first) }, label);
      const pages = h(
        'div',
        { class: 'flow-pages' },
        firstPacket > 0 ? pager(`← Previous ${PAGE}`, Math.max(0, firstPacket - PAGE), 'tcp-flow-previous') : null,
        chart.truncated ? pager(`Next ${PAGE} →`, firstPacket + PAGE, 'tcp-flow-next') : null,
      );
      replace(body, ...summary(chart), flowGraphs(chart), pages, h('div', { class: 'tcp-flow-scroll', 'data-testid': 'tcp-flow' }, ladder(chart)));
      button.textContent = 'Recalculate';
    } catch (e) {
      replace(body, errorState(e));
    } finally {
      button.disabled = false;
    }
  };
  button.onclick = () => load(0);
  return card('TCP flow chart', h('p', { class: 'muted' }, 'Every segment of the connection, read again from the capture files, with what the TCP analysis found in it.'), button, body);
}
