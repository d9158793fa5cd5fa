// A connection's page (reference: IP module, connection details): traffic over time, endpoints with
// their alternative names, per-direction details (MTU, QoS, TCP flags, TCP health), the TCP
// handshake and application times, what the application analyses read (L7 protocol, TLS/QUIC
// handshake, DNS question, HTTP transactions) and, on request, the TCP flow chart. Addressed by the connection's id
// (GET .../ip/connections/:id), or, for servers without ids, by its endpoints and start.
import { get } from '../api';
import { History, PALETTE, TimeChart, historySeries, rxBits, txBits } from '../components/chart';
import { captureButton } from '../components/capture';
import { jsonFacts } from '../components/json_view';
import { card, facts, pageHeader } from '../components/misc';
import { errorState, loading } from '../components/states';
import { staticTable } from '../components/table';
import { tcpFlowCard } from '../components/tcp_flow_chart';
import { ConnectionRow, L7_RESPONSE_TITLE, TcpSide, clientOf, connectionExpression, durationOf, endpoint, l7ResponseText, protoOf, serverOf, startOf } from '../connections';
import { Child, h, link, replace } from '../dom';
import { api } from '../endpoints';
import * as fmt from '../format';
import { ns } from '../l7';
import { setRange, windowParams } from '../time';
import { Page } from './page';

type Detail = ConnectionRow & { history?: History };

const show = (v: unknown): string =>
  v === null || v === undefined ? '–' : Array.isArray(v) ? (v.length ? v.join(', ') : '–') : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);

// The API's per-direction keys as a network engineer writes them; a key added later falls back to
// its camelCase split into words.
const LABELS: Record<string, string> = {
  mtu: 'MTU',
  dscp: 'DSCP',
  vlanPcp: 'VLAN PCP',
  mplsTc: 'MPLS TC',
  qosChanged: 'QoS changed',
  mplsLabels: 'MPLS labels',
  mplsChanged: 'MPLS labels changed',
  syn: 'SYN',
  synAck: 'SYN-ACK',
  fin: 'FIN',
  rst: 'RST',
};
const label = (k: string) =>
  LABELS[k] ??
  k
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/^./, (x) => x.toUpperCase());

// A connection's [rx packets, rx bytes, tx packets, tx bytes] (the client's view) named by direction,
// which is what "rx" and "tx" mean on a connection.
const directionTotals = (v: number[]): string =>
  v.length >= 4 ? `client → server ${fmt.integer(v[2])} pkts, ${fmt.bytes(v[3])} · server → client ${fmt.integer(v[0])} pkts, ${fmt.bytes(v[1])}` : '–';

// Per direction side by side: the flow's attributes, then the TCP figures of each side.
function directions(c: Detail): HTMLElement | null {
  const client = (c.client ?? {}) as Record<string, unknown>;
  const server = (c.server ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(client), ...Object.keys(server)])].filter((k) => k !== 'ip' && k !== 'port');
  const rows: [string, Child, Child][] = keys.map((k) => [label(k), show(client[k]), show(server[k])]);
  const tc = c.tcp?.client;
  const ts = c.tcp?.server;
  if (tc && ts) {
    const tcp = (name: string, f: (s: TcpSide) => Child) => rows.push([name, f(tc), f(ts)]);
    tcp('TCP MSS', (s) => (s.mss == null ? '–' : `${s.mss}${s.mssAnnounced ? '' : ' (default)'}`));
    tcp('TCP window scale', (s) => show(s.windowScale));
    tcp('TCP window min / max', (s) => `${s.minWindow === null || s.minWindow === undefined ? '–' : fmt.bytes(s.minWindow)} / ${fmt.bytes(s.maxWindow)}`);
    tcp('TCP window size limit (usage)', (s) => `${fmt.bytes(s.windowSizeLimit)} (${(s.windowLimitUsagePercent ?? 0).toFixed(1)} %)`);
    tcp('TCP max bytes in flight', (s) => fmt.bytes(s.maxBytesInFlight));
    tcp('TCP payload', (s) => fmt.bytes(s.payloadBytes));
    tcp('TCP retransmitted', (s) => h('span', { 'data-field': 'retransmitted' }, `${fmt.bytes(s.retransmittedBytes)} (${(s.retransmissionPercent ?? 0).toFixed(2)} %)`));
    tcp('TCP missed data', (s) => fmt.bytes(s.missedBytes));
    tcp('TCP dup ACKs', (s) => fmt.integer(s.dupAcks));
    tcp('TCP zero windows', (s) => fmt.integer(s.zeroWindows));
    tcp('TCP out of order', (s) => fmt.integer(s.outOfOrder));
    tcp('TCP keep-alives / window probes', (s) => `${fmt.integer(s.keepAlives as number)} / ${fmt.integer(s.windowProbes as number)}`);
    tcp('TCP data response avg / max', (s) => `${ns(s.dataResponseAvgNs)} / ${ns(s.dataResponseMaxNs)}`);
  }
  if (!rows.length) return null;
  return h(
    'table',
    { class: 'compact directions', 'data-testid': 'directions' },
    h('thead', null, h('tr', null, h('th', null, ''), h('th', { class: 'num' }, 'Client → server'), h('th', { class: 'num' }, 'Server → client'))),
    h('tbody', null, ...rows.map(([k, a, b]) => h('tr', null, h('th', null, k), h('td', { class: 'num' }, a), h('td', { class: 'num' }, b)))),
  );
}

function tcpCard(c: Detail): HTMLElement | null {
  const t = c.tcp;
  if (!t) return null;
  const a = (t.application ?? {}) as Record<string, number | null>;
  return card(
    'TCP',
    facts([
      ['Valid', show(t.valid)],
      ['Handshake', t.handshakeComplete ? h('span', { 'data-field': 'handshake' }, `${ns(t.handshakeNs)} (server ${ns(t.handshakeServerNs as number)}, client ${ns(t.handshakeClientNs as number)})`) : 'not seen'],
      ['Closed by', t.closedBy ? `${t.closedBy}${t.closedByRst ? ' (RST)' : ''}` : '–'],
      ['Transactions', fmt.integer(a.transactions ?? 0)],
      ['First data response avg / max', `${ns(a.firstResponseAvgNs)} / ${ns(a.firstResponseMaxNs)}`],
      ['Request-response avg / max', `${ns(a.requestResponseAvgNs)} / ${ns(a.requestResponseMaxNs)}`],
    ]),
  );
}

function applicationCards(c: Detail): HTMLElement[] {
  const out: HTMLElement[] = [];
  const hello = (t: Record<string, unknown>): [string, Child][] => [
    ['Server name (SNI)', show(t.sni) || '–'],
    ['ALPN', show(t.alpn)],
    ['Announced versions', show(t.announcedVersions)],
    ['Announced cipher suites', h('div', { class: 'wrap' }, show(t.announcedCipherSuites))],
    ['JA3', h('span', { class: 'mono' }, show(t.ja3))],
    ['JA4', h('span', { class: 'mono' }, show(t.ja4))],
  ];
  if (c.tls) {
    const t = c.tls;
    const alert = t.alert as { level?: string; description?: string; fromServer?: boolean; count?: number } | undefined;
    out.push(
      card(
        'TLS',
        facts([
          ...hello(t),
          ['Negotiated', `${show(t.negotiatedVersion)} ${t.negotiatedCipherSuite ? show(t.negotiatedCipherSuite) : ''}`],
          ['Alert', alert ? `${alert.level} ${alert.description} from the ${alert.fromServer ? 'server' : 'client'} (${alert.count}×)` : '–'],
          ['Encrypted alerts', show(t.encryptedAlerts)],
          ['Handshake response time', ns(t.handshakeResponseTime as number | null)],
          ['First data response time', ns(t.firstDataResponseTime as number | null)],
        ]),
      ),
    );
  }
  if (c.quic) {
    const q = c.quic;
    // Google QUIC's CHLO has no TLS: its SNI and user agent instead of the ClientHello's fields.
    const google = q.userAgent !== undefined;
    const details: [string, Child][] = google
      ? [['Server name (SNI)', show(q.sni) || '–'], ['User agent', show(q.userAgent) || '–']]
      : [...hello(q), ['Negotiated cipher suite', show(q.negotiatedCipherSuite)]];
    out.push(card('QUIC', facts([['Version', show(q.version)], ...details, ['Decrypt failures', show(q.decryptFailures)]])));
  }
  if (c.dns) out.push(card('DNS', facts([['Question', show(c.dns.query)], ['Type', show(c.dns.type)]])));
  if (c.http?.length) {
    out.push(
      card(
        'HTTP transactions (the last kept)',
        staticTable('http-transactions', [
          { key: 'time', label: 'Request', render: (t) => fmt.microTime(t.requestTime) },
          { key: 'method', label: 'Method', render: (t) => t.method || '–' },
          { key: 'host', label: 'Host', render: (t) => t.host || '–' },
          { key: 'url', label: 'URL', render: (t) => h('span', { class: 'url', title: t.url ?? '' }, t.url || '–') },
          { key: 'status', label: 'Status', numeric: true, render: (t) => show(t.status) },
          { key: 'rt', label: 'Response time', numeric: true, render: (t) => ns(t.responseTime) },
        ], c.http),
      ),
    );
  }
  return out;
}

export function connectionDetailPage(params: Record<string, string>, query: URLSearchParams): Page {
  const byId = params.id;
  const want = {
    client: query.get('client') ?? '',
    clientPort: Number(query.get('clientPort') ?? 0),
    server: query.get('server') ?? '',
    serverPort: Number(query.get('serverPort') ?? 0),
    protocol: query.get('protocol') ?? '',
    start: Number(query.get('start') ?? NaN),
  };
  const endpointText = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  let title = byId ? `Connection ${byId}` : `Connection ${endpointText(want.client, want.clientPort)} → ${endpointText(want.server, want.serverPort)} ${want.protocol}`;
  // Without an id the connection is found in the connection list by its endpoints and protocol; of
  // several with the same endpoints over time, the one that started at `start`.
  const lookup = async (): Promise<Detail> => {
    // By id no history: the chart asks for the connection's life (lifetimeHistory).
    if (byId) return get<Detail>(api.connection(byId), { ...windowParams(), values: 0 });
    const filter = `(ip == ${endpointText(want.client, want.clientPort)} and ip == ${endpointText(want.server, want.serverPort)}${want.protocol ? ` and l4Protocol == ${want.protocol}` : ''})`;
    const list = await get<{ displayedItems?: Detail[] }>(api.globalConnections, { ...windowParams(300), filter, sort: 'start', count: 100 });
    const rows = (list.displayedItems ?? []).filter((r) => clientOf(r).ip === want.client && serverOf(r).ip === want.server);
    const found = rows.find((r) => startOf(r) === want.start) ?? (Number.isNaN(want.start) ? rows[0] : undefined);
    if (!found) throw new Error('This connection is not known (any more) to the server.');
    return found;
  };
  // The chart spans the connection's life (a few seconds of a trace that may span years), not the
  // selected range; the selected range's counters are in the table below.
  const lifetimeHistory = async (c: Detail): Promise<History | undefined> => {
    const start = startOf(c);
    if (c.id === undefined || !start || !c.lastActivity) return c.history;
    const starttime = Math.floor(fmt.epochSeconds(start));
    const endtime = Math.floor(fmt.epochSeconds(c.lastActivity)) + 1;
    return (await get<Detail>(api.connection(String(c.id)), { starttime, endtime, values: 300 })).history;
  };
  const chart = new TimeChart('Throughput over the connection’s life', [
    { label: 'Client → server', color: PALETTE[0] },
    { label: 'Server → client', color: PALETTE[1] },
  ], 'bps', 220);
  const body = h('div', null, loading());
  const actions = h('span');
  const heading = h('h1', null, title);
  const header = pageHeader('', link('/connections', '← Connections'), actions);
  header.querySelector('h1')!.replaceWith(heading);
  const el = h('div', { class: 'page', 'data-page': 'connection-detail' }, header, chart.el, body);
  return {
    el,
    title: 'Connection',
    async refresh() {
      try {
        const c = await lookup();
        const cl = clientOf(c);
        const sv = serverOf(c);
        title = `${endpointText(cl.ip ?? '', cl.port ?? 0)} → ${endpointText(sv.ip ?? '', sv.port ?? 0)} ${protoOf(c)}`;
        heading.textContent = `Connection ${title}`;
        // Counters are from the client's view: rx = server -> client, tx = client -> server.
        const [xs, ys] = historySeries(await lifetimeHistory(c), [txBits, rxBits]);
        chart.setData(xs, ys);
        // The reference's zoom button: the global time selection becomes the connection's life.
        const first = startOf(c);
        const zoom = first
          ? h('button', { class: 'button small', type: 'button', 'data-testid': 'zoom-connection', title: 'Select the time range in which the connection was active', onclick: () => setRange(fmt.epochSeconds(first), fmt.epochSeconds(c.lastActivity ?? first) + 1) }, 'Zoom to connection')
          : null;
        replace(actions, zoom, captureButton({ expression: connectionExpression(c), name: `connection-${cl.ip}-${sv.ip}` }));
        replace(
          body,
          h(
            'div',
            { class: 'grid two' },
            card(
              'Connection',
              facts([
                ['Client', endpoint(cl, c.clientAlternativeNames)],
                ['Server', endpoint(sv, c.serverAlternativeNames)],
                ['Layer 4 protocol', protoOf(c)],
                ['Layer 7 protocol', c.l7Protocol ? h('span', { 'data-field': 'l7' }, c.l7Protocol) : '–'],
                ['Server name', c.serverName || '–'],
                ['Start', fmt.microTime(startOf(c))],
                ['Last activity', fmt.microTime(c.lastActivity)],
                ['Duration', fmt.duration(durationOf(c))],
                ['End', String(c.termination ?? c.terminationReason ?? '–')],
                ['L7 response time', h('span', { 'data-field': 'l7-response', title: L7_RESPONSE_TITLE }, l7ResponseText(c))],
                ['Selected range', h('span', { 'data-field': 'selected-range' }, directionTotals(c.interval ?? []))],
                ['All time', h('span', { 'data-field': 'all-time' }, directionTotals(c.allTime ?? []))],
              ]),
            ),
            card('Per direction', directions(c) ?? '–'),
          ),
          h('div', { class: 'grid two' }, tcpCard(c), ...applicationCards(c)),
          c.tcp && c.id !== undefined ? tcpFlowCard(String(c.id)) : null,
          card(null, h('details', { class: 'raw' }, h('summary', null, 'All fields'), jsonFacts(c, ['client', 'server', 'clientIp', 'serverIp', 'clientPort', 'serverPort', 'tcp', 'tls', 'quic', 'http', 'dns']))),
        );
      } catch (e) {
        chart.showError('No data');
        replace(body, errorState(e));
      }
    },
    destroy: () => chart.destroy(),
  };
}
