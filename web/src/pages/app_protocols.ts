// The application analyses (reference: DNS, HTTP and SSL modules): a summary for the whole trace and
// the servers (and clients, names, transactions, fingerprints) as tables.
import { get } from '../api';
import { captureButton } from '../components/capture';
import { Tabs, card, facts, ipLink, pageHeader } from '../components/misc';
import { errorState, loading } from '../components/states';
import { Column, DataTable, ListQuery, fetchList, listCsvUrl } from '../components/table';
import { CounterRow } from '../counters';
import { Child, h, link, replace } from '../dom';
import { api } from '../endpoints';
import * as fmt from '../format';
import { ResponseTime, chips, countsText, names, ns, responseTimeText } from '../l7';
import { windowParams } from '../time';
import { Page } from './page';

const ipCol = <R extends { ip?: string }>(): Column<R> => ({ key: 'ip', label: 'IP', sort: 'ip', render: (r) => ipLink(r.ip) });
const namesCol = <R extends CounterRow>(): Column<R> => ({ key: 'names', label: 'Alternative names', render: (r) => names(r.alternativeNames) });
// Counters [a, b] of these records are counts (requests/replies, ...), in the selected range.
const countCol = <R extends CounterRow>(key: string, label: string, index: number, sort?: string): Column<R> => ({
  key,
  label,
  sort,
  numeric: true,
  title: 'In the selected time range',
  render: (r) => fmt.integer(r.interval?.[index] ?? 0),
});
// Average and maximum of a ResponseTime field; '–' without any measurement (the API gives 0 then).
const rtCols = <R extends CounterRow>(field: string, label: string, sortAvg?: string, sortMax?: string): Column<R>[] => {
  const measured = (r: R): ResponseTime | undefined => {
    const rt = r[field] as ResponseTime | undefined;
    return rt?.count ? rt : undefined;
  };
  return [
    { key: `${field}-avg`, label: `${label} avg`, sort: sortAvg, numeric: true, render: (r) => ns(measured(r)?.avg) },
    { key: `${field}-max`, label: `${label} max`, sort: sortMax, numeric: true, render: (r) => ns(measured(r)?.max) },
  ];
};
const activityCols = <R extends CounterRow>(): Column<R>[] => [
  { key: 'first', label: 'First activity', sort: 'firstActivity', hidden: true, render: (r) => fmt.microTime(r.firstActivity) },
  { key: 'last', label: 'Last activity', sort: 'lastActivity', render: (r) => fmt.microTime(r.lastActivity) },
];

function table<R>(id: string, path: string, columns: Column<R>[], defaultSort: string, filter = 'Filter: part of an address or name', csv = false): DataTable<R> {
  return new DataTable<R>({
    id,
    columns,
    defaultSort,
    filter,
    load: (q: ListQuery) => fetchList<R>(path, q, windowParams()),
    csvUrl: csv ? (q: ListQuery) => listCsvUrl(path, q, windowParams()) : undefined,
  });
}

// A page: summary facts from `summaryPath`, then tabs of tables.
function appPage(o: {
  id: string;
  title: string;
  description: string;
  summaryPath: string;
  summary: (s: Record<string, unknown>) => [string, Child][];
  tabs: { id: string; label: string; table: () => DataTable<any> }[];
  pcap?: { expression: string; name: string };
  query: URLSearchParams;
}): Page {
  const summary = h('div', null, loading());
  let current: DataTable<any> | null = null;
  const tabs = new Tabs(
    o.tabs.map(({ id, label }) => ({ id, label })),
    (id, body) => {
      history.replaceState(null, '', `/${o.id}${id === o.tabs[0].id ? '' : `?tab=${id}`}`);
      current = o.tabs.find((t) => t.id === id)!.table();
      body.append(current.el);
      void current.refresh();
    },
    o.query.get('tab') ?? undefined,
  );
  const el = h(
    'div',
    { class: 'page', 'data-page': o.id },
    pageHeader(o.title, o.pcap ? captureButton(o.pcap) : null),
    h('p', { class: 'muted' }, o.description),
    card('Summary (all time)', summary),
    card(null, tabs.el),
  );
  return {
    el,
    title: o.title,
    async refresh() {
      await Promise.all([
        get<Record<string, unknown>>(o.summaryPath, windowParams())
          .then((s) => replace(summary, facts(o.summary(s))))
          .catch((e) => replace(summary, errorState(e))),
        current?.refresh(),
      ]);
    },
  };
}

const field = (name: string, v: Child) => h('span', { 'data-field': name }, v);

// ---- DNS

export interface DnsServerRow extends CounterRow {
  ip: string;
  requests?: number;
  replies?: number;
  responseTime?: ResponseTime;
  replyCodes?: Record<string, number>;
  queryTypes?: Record<string, number>;
  malformed?: number;
}

export function dnsServerColumns(): Column<DnsServerRow>[] {
  return [
    ipCol(),
    namesCol(),
    countCol('requests', 'Requests', 0, 'requests'),
    countCol('replies', 'Replies', 1, 'replies'),
    ...rtCols<DnsServerRow>('responseTime', 'Response time', 'responseTime', 'maxResponseTime'),
    { key: 'codes', label: 'Reply codes (all time)', sort: 'errors', render: (r) => countsText(r.replyCodes), title: 'Sort: by errors (reply codes other than NoError)' },
    { key: 'types', label: 'Query types (all time)', render: (r) => countsText(r.queryTypes) },
    { key: 'malformed', label: 'Malformed', numeric: true, hidden: true, render: (r) => fmt.integer(r.malformed) },
    ...activityCols<DnsServerRow>(),
    { key: 'pcap', label: 'PCAP', render: (r) => captureButton({ expression: `ip == ${r.ip} and l7Protocol == DNS`, name: `dns-${r.ip}` }) },
  ];
}

export function dnsPage(_p: Record<string, string>, query: URLSearchParams): Page {
  return appPage({
    id: 'dns',
    title: 'DNS',
    description: 'DNS servers (the receivers of queries) with requests, replies, response times, reply codes and query types, and the names DNS resolved to addresses.',
    summaryPath: api.dns,
    pcap: { expression: 'l7Protocol == DNS', name: 'dns' },
    query,
    summary: (s) => [
      ['DNS servers', field('servers', fmt.integer(s.servers as number))],
      ['Requests', field('requests', fmt.integer(s.requests as number))],
      ['Replies', field('replies', fmt.integer(s.replies as number))],
      ['Resolved names', fmt.integer(s.resolvedNames as number)],
    ],
    tabs: [
      { id: 'servers', label: 'DNS servers', table: () => table<DnsServerRow>('dns-servers', api.dnsServers, dnsServerColumns(), 'requests') },
      {
        id: 'names',
        label: 'Resolved names',
        table: () =>
          table<{ name: string; ip: string; lastSeen?: number }>(
            'dns-names',
            api.dnsNames,
            [
              { key: 'name', label: 'Name', sort: 'name', render: (r) => r.name },
              { key: 'ip', label: 'Address', sort: 'ip', render: (r) => ipLink(r.ip) },
              { key: 'seen', label: 'Last seen', sort: 'lastSeen', render: (r) => fmt.microTime(r.lastSeen) },
            ],
            'name',
            'Filter: part of a name or address',
          ),
      },
    ],
  });
}

// ---- HTTP

export interface HttpServerRow extends CounterRow {
  ip: string;
  hostNames?: string[];
  requests?: number;
  responses?: number;
  responseTime?: ResponseTime;
  statusFamilies?: Record<string, number>;
  lastUrl?: string;
  lastUrlTime?: number | null;
}

export interface HttpTransaction {
  requestTime?: number;
  method?: string;
  host?: string;
  url?: string;
  status?: number | null;
  responseTime?: number | null;
}

export interface HttpConnectionRow {
  id: string;
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  start?: number;
  l7Protocol?: string;
  transactions?: HttpTransaction[];
}

export function httpServerColumns(): Column<HttpServerRow>[] {
  return [
    ipCol(),
    { key: 'hosts', label: 'Host names', render: (r) => names(r.hostNames, 3) },
    countCol('requests', 'Requests', 0, 'requests'),
    countCol('responses', 'Responses', 1, 'responses'),
    ...rtCols<HttpServerRow>('responseTime', 'Response time', 'responseTime', 'maxResponseTime'),
    { key: 'status', label: 'Status codes (all time)', sort: 'errors', render: (r) => countsText(r.statusFamilies), title: 'Sort: by 4xx and 5xx' },
    { key: 'url', label: 'Last URL', render: (r) => h('span', { class: 'url', title: r.lastUrl ?? '' }, r.lastUrl || '–') },
    ...activityCols<HttpServerRow>(),
    { key: 'pcap', label: 'PCAP', render: (r) => captureButton({ expression: `ip == ${r.ip} and l7Protocol == HTTP`, name: `http-${r.ip}` }) },
  ];
}

export function httpTransactionColumns(): Column<HttpConnectionRow>[] {
  const last = (r: HttpConnectionRow) => r.transactions?.[r.transactions.length - 1];
  return [
    { key: 'client', label: 'Client', sort: 'client', render: (r) => h('span', null, ipLink(r.clientIp), `:${r.clientPort}`) },
    { key: 'server', label: 'Server', sort: 'server', render: (r) => h('span', null, ipLink(r.serverIp), `:${r.serverPort}`) },
    { key: 'start', label: 'Connection start', sort: 'start', render: (r) => link(`/connections/${encodeURIComponent(r.id)}`, fmt.microTime(r.start)) },
    { key: 'time', label: 'Last request', sort: 'lastRequest', render: (r) => fmt.microTime(last(r)?.requestTime) },
    { key: 'method', label: 'Method', render: (r) => last(r)?.method || '–' },
    { key: 'host', label: 'Host', render: (r) => last(r)?.host || '–' },
    { key: 'url', label: 'URL', render: (r) => h('span', { class: 'url', title: last(r)?.url ?? '' }, last(r)?.url || '–') },
    { key: 'status', label: 'Status', sort: 'status', numeric: true, render: (r) => String(last(r)?.status ?? '–') },
    { key: 'rt', label: 'Response time', sort: 'responseTime', numeric: true, render: (r) => ns(last(r)?.responseTime) },
    { key: 'count', label: 'Kept', numeric: true, hidden: true, render: (r) => fmt.integer(r.transactions?.length ?? 0), title: 'Request/response pairs kept for the connection' },
  ];
}

export function httpPage(_p: Record<string, string>, query: URLSearchParams): Page {
  return appPage({
    id: 'http',
    title: 'HTTP',
    description: 'HTTP/1.x servers with their host names, requests and responses, response times, status code families and last URL, and the last request/response pairs per connection.',
    summaryPath: api.http,
    pcap: { expression: 'l7Protocol == HTTP', name: 'http' },
    query,
    summary: (s) => [
      ['HTTP servers', field('servers', fmt.integer(s.servers as number))],
      ['Requests', field('requests', fmt.integer(s.requests as number))],
      ['Responses', field('responses', fmt.integer(s.responses as number))],
      ['Response time', responseTimeText(s.responseTime as ResponseTime)],
      ['Status codes', countsText(s.statusFamilies as Record<string, number>)],
    ],
    tabs: [
      { id: 'servers', label: 'HTTP servers', table: () => table<HttpServerRow>('http-servers', api.httpServers, httpServerColumns(), 'requests', 'Filter: part of an address, host name or URL') },
      { id: 'transactions', label: 'Transactions', table: () => table<HttpConnectionRow>('http-transactions', api.httpTransactions, httpTransactionColumns(), 'start', 'Filter: text, or (expression)', true) },
    ],
  });
}

// ---- SSL / TLS

interface Negotiated {
  version?: string;
  cipherSuite?: string;
  count?: number;
}

export interface TlsServerRow extends CounterRow {
  ip: string;
  port: number;
  serverNames?: { name: string; count?: number; lastSeen?: number }[];
  clientHellos?: number;
  handshakes?: number;
  firstDataResponses?: number;
  handshakeResponseTime?: ResponseTime;
  firstDataResponseTime?: ResponseTime;
  announcedVersions?: string[];
  announcedCipherSuites?: string[];
  negotiated?: Negotiated[];
  alerts?: { level?: string; description?: string; count?: number }[];
  encryptedAlerts?: number;
}

export interface TlsClientRow extends CounterRow {
  ip: string;
  clientHellos?: number;
  fingerprints?: { ja3?: string; ja4?: string; count?: number }[];
  announcedVersions?: string[];
  announcedCipherSuites?: string[];
  negotiated?: Negotiated[];
}

const negotiatedText = (n: Negotiated[] | undefined) =>
  n && n.length ? chips(n.map((x) => `${x.version ?? '?'} ${x.cipherSuite ?? ''}${x.count !== undefined ? ` ×${x.count}` : ''}`), 2) : '–';
const list = (v: string[] | undefined, max = 3) => (v && v.length ? chips(v, max) : '–');
// Cleartext alerts by level and description, then the encrypted ones (level and description unknown).
const alertsText = (r: TlsServerRow) => {
  const texts = (r.alerts ?? []).map((a) => `${a.level ?? ''} ${a.description ?? ''} ×${a.count ?? 0}`);
  if (r.encryptedAlerts) texts.push(`encrypted ×${r.encryptedAlerts}`);
  return texts.length ? chips(texts, 2) : '–';
};

export function tlsServerColumns(): Column<TlsServerRow>[] {
  return [
    ipCol(),
    { key: 'port', label: 'Port', numeric: true, render: (r) => String(r.port) },
    { key: 'sni', label: 'Server names (SNI)', render: (r) => list(r.serverNames?.map((n) => n.name), 2) },
    countCol('handshakes', 'Handshakes', 0, 'handshakes'),
    { key: 'hellos', label: 'ClientHellos', sort: 'clientHellos', numeric: true, hidden: true, render: (r) => fmt.integer(r.clientHellos), title: 'All time' },
    ...rtCols<TlsServerRow>('handshakeResponseTime', 'Handshake', 'handshakeResponseTime'),
    ...rtCols<TlsServerRow>('firstDataResponseTime', 'First data', 'firstDataResponseTime').map((c) => ({ ...c, hidden: true })),
    { key: 'versions', label: 'Announced versions', hidden: true, render: (r) => list(r.announcedVersions) },
    { key: 'ciphers', label: 'Announced cipher suites', hidden: true, render: (r) => list(r.announcedCipherSuites, 2) },
    { key: 'negotiated', label: 'Negotiated', render: (r) => negotiatedText(r.negotiated) },
    { key: 'alerts', label: 'Alerts', sort: 'alerts', render: alertsText },
    ...activityCols<TlsServerRow>(),
    { key: 'pcap', label: 'PCAP', render: (r) => captureButton({ expression: `ip == ${r.ip.includes(':') ? `[${r.ip}]` : r.ip}:${r.port} and l7Protocol == TLS`, name: `tls-${r.ip}-${r.port}` }) },
  ];
}

export function tlsClientColumns(): Column<TlsClientRow>[] {
  return [
    ipCol(),
    namesCol(),
    countCol('hellos', 'ClientHellos', 0, 'clientHellos'),
    { key: 'fps', label: 'JA3 / JA4 fingerprints', sort: 'fingerprints', render: (r) => (r.fingerprints?.length ? chips(r.fingerprints.map((f) => h('span', { class: 'mono', title: `JA3 ${f.ja3}` }, f.ja4 ?? f.ja3 ?? '?')), 2) : '–') },
    { key: 'versions', label: 'Announced versions', render: (r) => list(r.announcedVersions) },
    { key: 'negotiated', label: 'Negotiated', render: (r) => negotiatedText(r.negotiated) },
    ...activityCols<TlsClientRow>(),
  ];
}

export function sslPage(_p: Record<string, string>, query: URLSearchParams): Page {
  return appPage({
    id: 'ssl',
    title: 'SSL / TLS',
    description: 'TLS servers (IP and port) with the names clients asked for (SNI), handshake and first-data response times, versions and cipher suites, alerts; TLS clients with their JA3/JA4 fingerprints.',
    summaryPath: api.ssl,
    pcap: { expression: 'l7Protocol == TLS', name: 'tls' },
    query,
    summary: (s) => [
      ['TLS servers (IP:port)', field('servers', fmt.integer(s.servers as number))],
      ['TLS clients', field('clients', fmt.integer(s.clients as number))],
      ['Handshakes', field('handshakes', fmt.integer(s.handshakes as number))],
      ['ClientHellos (TLS and QUIC)', fmt.integer(s.clientHellos as number)],
      ['Handshake response time', responseTimeText(s.handshakeResponseTime as ResponseTime)],
      ['First data response time', responseTimeText(s.firstDataResponseTime as ResponseTime)],
    ],
    tabs: [
      { id: 'servers', label: 'TLS servers', table: () => table<TlsServerRow>('ssl-servers', api.sslServers, tlsServerColumns(), 'handshakes', 'Filter: part of an address, port or server name') },
      { id: 'clients', label: 'TLS clients', table: () => table<TlsClientRow>('ssl-clients', api.sslClients, tlsClientColumns(), 'clientHellos', 'Filter: part of an address or fingerprint') },
      {
        id: 'fingerprints',
        label: 'Fingerprints',
        table: () =>
          table<{ ja3: string; ja4: string; clientHellos: number; clientCount: number; clients: string[] }>(
            'ssl-fingerprints',
            api.sslFingerprints,
            [
              { key: 'ja4', label: 'JA4', sort: 'ja4', render: (r) => h('span', { class: 'mono' }, r.ja4 || '–') },
              { key: 'ja3', label: 'JA3', sort: 'ja3', render: (r) => h('span', { class: 'mono' }, r.ja3 || '–') },
              { key: 'hellos', label: 'ClientHellos', sort: 'clientHellos', numeric: true, render: (r) => fmt.integer(r.clientHellos) },
              { key: 'clients', label: 'Clients', sort: 'clients', numeric: true, render: (r) => fmt.integer(r.clientCount) },
              { key: 'ips', label: 'Client IPs', render: (r) => chips((r.clients ?? []).map((ip) => ipLink(ip)), 3) },
            ],
            'clientHellos',
            'Filter: part of a fingerprint',
          ),
      },
    ],
  });
}

// ---- QUIC

export interface QuicServerRow extends CounterRow {
  ip: string;
  port: number;
  serverNames?: { name: string; count?: number; lastSeen?: number }[];
  connections?: number;
  versions?: { version?: string; count?: number }[];
  negotiatedCipherSuites?: { cipherSuite?: string; count?: number }[];
  handshakeResponseTime?: ResponseTime;
  decryptFailures?: number;
}

export function quicServerColumns(): Column<QuicServerRow>[] {
  return [
    ipCol(),
    { key: 'port', label: 'Port', numeric: true, render: (r) => String(r.port) },
    { key: 'sni', label: 'Server names (SNI)', render: (r) => list(r.serverNames?.map((n) => n.name), 2) },
    countCol('connections', 'Connections', 0, 'connections'),
    { key: 'versions', label: 'QUIC versions', render: (r) => (r.versions?.length ? chips(r.versions.map((v) => `${v.version} ×${v.count ?? 0}`), 2) : '–') },
    { key: 'ciphers', label: 'Negotiated cipher suites', render: (r) => (r.negotiatedCipherSuites?.length ? chips(r.negotiatedCipherSuites.map((v) => `${v.cipherSuite} ×${v.count ?? 0}`), 2) : '–') },
    ...rtCols<QuicServerRow>('handshakeResponseTime', 'Handshake', 'handshakeResponseTime'),
    { key: 'failures', label: 'Decrypt failures', sort: 'decryptFailures', numeric: true, hidden: true, render: (r) => fmt.integer(r.decryptFailures) },
    ...activityCols<QuicServerRow>(),
    { key: 'pcap', label: 'PCAP', render: (r) => captureButton({ expression: `ip == ${r.ip.includes(':') ? `[${r.ip}]` : r.ip}:${r.port} and l7Protocol == QUIC`, name: `quic-${r.ip}-${r.port}` }) },
  ];
}

export function quicPage(_p: Record<string, string>, query: URLSearchParams): Page {
  return appPage({
    id: 'quic',
    title: 'QUIC',
    description: 'QUIC servers (IP and port) with the server names (SNI) of the ClientHellos read from decrypted Initial packets, QUIC versions, negotiated cipher suites and handshake times.',
    summaryPath: api.quic,
    pcap: { expression: 'l7Protocol == QUIC', name: 'quic' },
    query,
    summary: (s) => [
      ['QUIC servers (IP:port)', field('servers', fmt.integer(s.servers as number))],
      ['Connections with a ClientHello', field('connections', fmt.integer(s.connections as number))],
    ],
    tabs: [{ id: 'servers', label: 'QUIC TLS servers', table: () => table<QuicServerRow>('quic-servers', api.quicServers, quicServerColumns(), 'connections', 'Filter: part of an address, port or server name') }],
  });
}
