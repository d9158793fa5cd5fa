// Connection rows of the API and their table columns (IP detail tab, global connections).
import { Column } from './components/table';
import { CounterRow, bytesOf, packets } from './counters';
import { Child, h, link } from './dom';
import * as fmt from './format';
import { ns } from './l7';
import { ipLink } from './components/misc';
import { captureButton } from './components/capture';

export interface Endpoint {
  ip?: string;
  port?: number;
  [key: string]: unknown;
}

export interface ConnectionRow extends CounterRow {
  id?: string | number;
  client?: Endpoint;
  server?: Endpoint;
  clientIp?: string;
  clientPort?: number;
  serverIp?: string;
  serverPort?: number;
  l4Protocol?: string | number;
  l4ProtocolName?: string;
  protocol?: string;
  termination?: string;
  start?: number;
  startTime?: number;
  end?: number;
  terminationReason?: string;
  l7Protocol?: string;
  serverName?: string;
  l7ResponseTime?: number | null;
  l7ResponseScore?: number | null; // 0..100: this connection against its server's average
  l7ServerScore?: number | null; // 0..100: its server's average against all servers'
  tcp?: TcpConnection | null;
  clientAlternativeNames?: string[];
  serverAlternativeNames?: string[];
  tls?: Record<string, unknown>;
  quic?: Record<string, unknown>;
  dns?: { query?: string; type?: number };
  http?: { method?: string; host?: string; url?: string; status?: number | null; responseTime?: number | null; requestTime?: number }[];
  [key: string]: unknown;
}

// The reference's "Layer 7 response time" column: the time and its scores (docs/api.md).
export const L7_RESPONSE_TITLE =
  'Longest HTTP response, or the TLS handshake / first data response. ' +
  'Score (0–100, higher is better): this connection against its server’s average (HTTP responses, TLS handshakes), ' +
  '100 as fast as usual, 50 twice as slow; server: the server’s average against all servers’ of the same kind';

const score = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : String(v));

// "12.3 ms · score 80 / server 95" ("–" parts left out).
export function l7ResponseText(r: ConnectionRow): string {
  const scores: string[] = [];
  if (r.l7ResponseScore !== null && r.l7ResponseScore !== undefined) scores.push(`score ${r.l7ResponseScore}`);
  if (r.l7ServerScore !== null && r.l7ServerScore !== undefined) scores.push(`server ${r.l7ServerScore}`);
  return scores.length ? `${ns(r.l7ResponseTime)} · ${scores.join(' / ')}` : ns(r.l7ResponseTime);
}

// The "tcp" object of a TCP connection (README "TCP health"); per side what that side sent/announced.
export interface TcpSide {
  mss?: number | null;  // null: the side's SYN was not captured
  mssAnnounced?: boolean;
  windowScale?: number | null;
  windowSizeLimit?: number;
  minWindow?: number | null;
  maxWindow?: number;
  windowLimitUsagePercent?: number;
  maxBytesInFlight?: number;
  payloadBytes?: number;
  retransmittedBytes?: number;
  retransmissionPercent?: number;
  missedBytes?: number;
  dupAcks?: number;
  zeroWindows?: number;
  outOfOrder?: number;
  dataResponseAvgNs?: number | null;
  dataResponseMaxNs?: number | null;
  [key: string]: unknown;
}
export interface TcpConnection {
  valid?: boolean;
  handshakeComplete?: boolean;
  handshakeNs?: number | null;
  closedBy?: string | null;
  closedByRst?: boolean;
  client?: TcpSide;
  server?: TcpSide;
  application?: Record<string, number | null>;
  [key: string]: unknown;
}

// "client"/"server" hold per-direction details (MTU, QoS, TCP flags); the addresses are
// clientIp/clientPort and serverIp/serverPort.
export function clientOf(r: ConnectionRow): Endpoint {
  return { ip: r.clientIp ?? r.client?.ip, port: r.clientPort ?? r.client?.port };
}
export function serverOf(r: ConnectionRow): Endpoint {
  return { ip: r.serverIp ?? r.server?.ip, port: r.serverPort ?? r.server?.port };
}
export function protoOf(r: ConnectionRow): string {
  return String(r.l4ProtocolName ?? r.l4Protocol ?? r.protocol ?? '–');
}
export function startOf(r: ConnectionRow): number | undefined {
  return (r.start ?? r.startTime ?? r.firstActivity ?? undefined) as number | undefined;
}
// Seconds between the first and the last packet.
export function durationOf(r: ConnectionRow): number | undefined {
  const s = startOf(r);
  if (!s || !r.lastActivity) return undefined;
  return fmt.epochSeconds(r.lastActivity) - fmt.epochSeconds(s);
}

export function endpoint(e: Endpoint, names?: string[]): Child {
  if (!e.ip) return '–';
  const v6 = e.ip.includes(':');
  return h(
    'span',
    { class: 'endpoint' },
    ipLink(e.ip),
    e.port !== undefined ? (v6 ? ` port ${e.port}` : `:${e.port}`) : '',
    names && names.length ? h('span', { class: 'alt-name', title: names.join(', ') }, names[0]) : null,
  );
}

function endpointText(e: Endpoint): string {
  return e.ip?.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

// The filter expression (docs/filter-language.md) of a connection's packets.
export function connectionExpression(r: ConnectionRow): string {
  const c = clientOf(r);
  const s = serverOf(r);
  const parts = [`ip == ${endpointText(c)}`, `ip == ${endpointText(s)}`];
  if (r.l4ProtocolName || r.l4Protocol !== undefined) parts.push(`l4Protocol == ${r.l4ProtocolName ?? r.l4Protocol}`);
  return parts.join(' and ');
}

// A connection's page: by its id when the server gives one (GET .../ip/connections/:id), else by its
// endpoints, protocol and start.
export function connectionHref(r: ConnectionRow): string | null {
  if (r.id !== undefined && r.id !== null && r.id !== '') return `/connections/${encodeURIComponent(String(r.id))}`;
  const c = clientOf(r);
  const s = serverOf(r);
  if (!c.ip || !s.ip) return null;
  const q = new URLSearchParams({
    client: c.ip,
    clientPort: String(c.port ?? 0),
    server: s.ip,
    serverPort: String(s.port ?? 0),
    protocol: String(r.l4ProtocolName ?? r.l4Protocol ?? ''),
    start: String(startOf(r) ?? ''),
  });
  return `/connection?${q}`;
}

const both = (r: ConnectionRow, f: (s: TcpSide) => number | null | undefined): number | null => {
  if (!r.tcp) return null;
  const a = f(r.tcp.client ?? {});
  const b = f(r.tcp.server ?? {});
  if ((a === null || a === undefined) && (b === null || b === undefined)) return null;
  return (a ?? 0) + (b ?? 0);
};
const sides = (r: ConnectionRow, f: (s: TcpSide) => Child): Child => (r.tcp ? `${f(r.tcp.client ?? {})} / ${f(r.tcp.server ?? {})}` : '–');
const dirs = (r: ConnectionRow, key: string): Child => {
  const c = (r.client ?? {}) as Record<string, unknown>;
  const s = (r.server ?? {}) as Record<string, unknown>;
  return c[key] === undefined && s[key] === undefined ? '–' : `${c[key] ?? '–'} / ${s[key] ?? '–'}`;
};

// The reference's "Meta data": the last HTTP request and its status, or the DNS question.
export function connectionMetadata(r: ConnectionRow): string {
  const t = r.http?.[r.http.length - 1];
  if (t) return `${t.method ?? ''} ${t.host ?? ''}${t.url ?? ''}${t.status ? ` → ${t.status}` : ''}`.trim();
  if (r.dns?.query) return r.dns.query;
  return '';
}

export function connectionColumns(): Column<ConnectionRow>[] {
  const tcpNum = (key: string, label: string, sort: string | undefined, f: (s: TcpSide) => number | null | undefined, show: (v: number) => string, hidden = true, title?: string): Column<ConnectionRow> => ({
    key,
    label,
    sort,
    numeric: true,
    hidden,
    title: title ?? 'Both directions',
    render: (r) => {
      const v = both(r, f);
      return v === null ? '–' : show(v);
    },
  });
  return [
    { key: 'client', label: 'Client', sort: 'client', render: (r) => endpoint(clientOf(r), r.clientAlternativeNames) },
    { key: 'server', label: 'Server', sort: 'server', render: (r) => endpoint(serverOf(r), r.serverAlternativeNames) },
    { key: 'proto', label: 'L4', sort: 'l4Protocol', render: protoOf },
    { key: 'l7', label: 'L7 protocol', render: (r) => (r.l7Protocol ? (r.l7Protocol === 'unclassified' || r.l7Protocol === 'pending' ? h('span', { class: 'muted-cell' }, r.l7Protocol) : link(`/l7/${encodeURIComponent(r.l7Protocol)}`, r.l7Protocol)) : '–') },
    { key: 'serverName', label: 'Server name', render: (r) => (r.serverName ? h('span', { class: 'url', title: r.serverName }, r.serverName) : '–'), title: 'TLS/QUIC SNI or HTTP Host' },
    {
      key: 'goto',
      label: 'Details',
      render: (r) => {
        const href = connectionHref(r);
        return href ? link(href, 'details') : '–';
      },
    },
    { key: 'start', label: 'Start', sort: 'start', render: (r) => fmt.microTime(startOf(r)) },
    { key: 'last', label: 'Last activity', sort: 'lastActivity', hidden: true, render: (r) => fmt.microTime(r.lastActivity) },
    {
      key: 'duration',
      label: 'Duration',
      numeric: true,
      sort: 'duration',
      render: (r) => fmt.duration(durationOf(r)),
    },
    { key: 'packets', label: 'Packets', numeric: true, sort: 'packets', render: (r) => fmt.integer(packets(r.interval, 'rxtx')) },
    { key: 'bytes', label: 'Bytes', numeric: true, sort: 'bytes', render: (r) => fmt.bytes(bytesOf(r.interval, 'rxtx')) },
    { key: 'pps', label: 'Packets/s', numeric: true, sort: 'pps', hidden: true, render: (r) => fmt.packetsPerSecond(packets(r.intervalPerSecond, 'rxtx')) },
    { key: 'bps', label: 'Bit/s', numeric: true, sort: 'bps', render: (r) => fmt.bitsPerSecond(bytesOf(r.intervalPerSecond, 'rxtx')) },
    {
      key: 'alltime',
      label: 'Bytes (all time)',
      numeric: true,
      hidden: true,
      render: (r) => fmt.bytes(bytesOf(r.allTime, 'rxtx')),
    },
    { key: 'mtu', label: 'MTU c/s', hidden: true, render: (r) => dirs(r, 'mtu'), title: 'Client / server' },
    { key: 'handshake', label: 'TCP handshake', sort: 'handshake', numeric: true, render: (r) => (r.tcp ? ns(r.tcp.handshakeNs) : '–'), title: 'SYN to the ACK of the SYN-ACK' },
    {
      key: 'dataResponse',
      label: 'TCP response max/avg',
      sort: 'dataResponseTime',
      numeric: true,
      hidden: true,
      title: 'Data response time, the slower side (sort: maximum)',
      render: (r) => {
        if (!r.tcp) return '–';
        const max = Math.max(r.tcp.client?.dataResponseMaxNs ?? -1, r.tcp.server?.dataResponseMaxNs ?? -1);
        const avg = Math.max(r.tcp.client?.dataResponseAvgNs ?? -1, r.tcp.server?.dataResponseAvgNs ?? -1);
        return max < 0 ? '–' : `${ns(max)} / ${ns(avg)}`;
      },
    },
    { key: 'l7rt', label: 'L7 response time', sort: 'l7ResponseTime', numeric: true, hidden: true, render: (r) => l7ResponseText(r), title: L7_RESPONSE_TITLE },
    { key: 'l7score', label: 'L7 score', sort: 'l7ResponseScore', numeric: true, hidden: true, render: (r) => score(r.l7ResponseScore), title: 'This connection’s L7 response time against its server’s average: 100 as fast as usual, 50 twice as slow' },
    { key: 'l7serverScore', label: 'L7 server score', sort: 'l7ServerScore', numeric: true, hidden: true, render: (r) => score(r.l7ServerScore), title: 'The server’s average L7 response time against all servers’: 100 as fast as the average or faster' },
    tcpNum('retrans', 'TCP retransmissions', 'retransmissions', (s) => s.retransmittedBytes, (v) => fmt.bytes(v), false),
    {
      key: 'retransPct',
      label: 'Retrans. %',
      sort: 'retransmissionPercent',
      numeric: true,
      hidden: true,
      render: (r) => {
        const payload = both(r, (s) => s.payloadBytes);
        const re = both(r, (s) => s.retransmittedBytes);
        return payload ? fmt.percent(re ?? 0, payload) : '–';
      },
    },
    tcpNum('dupAcks', 'TCP dup ACKs', 'dupAcks', (s) => s.dupAcks, (v) => fmt.integer(v)),
    tcpNum('missed', 'TCP missed data', 'missedBytes', (s) => s.missedBytes, (v) => fmt.bytes(v)),
    tcpNum('zeroWindows', 'TCP zero windows', 'zeroWindows', (s) => s.zeroWindows, (v) => fmt.integer(v)),
    tcpNum('outOfOrder', 'TCP out of order', 'outOfOrder', (s) => s.outOfOrder, (v) => fmt.integer(v)),
    { key: 'flags', label: 'SYN/SYN-ACK/FIN/RST c/s', hidden: true, render: (r) => `${dirs(r, 'syn')}, ${dirs(r, 'synAck')}, ${dirs(r, 'fin')}, ${dirs(r, 'rst')}` },
    { key: 'mss', label: 'TCP MSS c/s', hidden: true, render: (r) => sides(r, (s) => (s.mss == null ? '–' : `${s.mss}${s.mssAnnounced ? '' : '*'}`)), title: '* not announced (default)' },
    { key: 'maxWindow', label: 'Max window c/s', hidden: true, render: (r) => sides(r, (s) => fmt.bytes(s.maxWindow)) },
    { key: 'minWindow', label: 'Min window c/s', hidden: true, render: (r) => sides(r, (s) => (s.minWindow === null || s.minWindow === undefined ? '–' : fmt.bytes(s.minWindow))) },
    { key: 'inFlight', label: 'Max bytes in flight c/s', hidden: true, render: (r) => sides(r, (s) => fmt.bytes(s.maxBytesInFlight)) },
    { key: 'windowLimit', label: 'Window size limit c/s', hidden: true, render: (r) => sides(r, (s) => `${fmt.bytes(s.windowSizeLimit)} (ws ${s.windowScale ?? '–'})`) },
    { key: 'windowUsage', label: 'Window limit usage c/s', hidden: true, render: (r) => sides(r, (s) => (s.windowLimitUsagePercent === undefined ? '–' : `${s.windowLimitUsagePercent.toFixed(1)} %`)) },
    { key: 'tlsVersion', label: 'TLS negotiated', hidden: true, render: (r) => (r.tls ? `${String(r.tls.negotiatedVersion ?? '–')} ${String(r.tls.negotiatedCipherSuite ?? '')}` : '–') },
    { key: 'tlsAlert', label: 'TLS alert', hidden: true, render: (r) => {
      const a = r.tls?.alert as { level?: string; description?: string } | undefined;
      return a ? `${a.level ?? ''} ${a.description ?? ''}` : '–';
    } },
    { key: 'meta', label: 'Meta data', hidden: true, render: (r) => connectionMetadata(r) || '–' },
    { key: 'termination', label: 'End reason', hidden: true, render: (r) => String(r.termination ?? r.terminationReason ?? '–') },
    {
      key: 'pcap',
      label: 'PCAP',
      render: (r) => captureButton({ expression: connectionExpression(r), name: `${clientOf(r).ip}-${serverOf(r).ip}` }),
    },
  ];
}
