// The application tabs of an IP's page (reference: IP module tabs "DNS", "HTTP server statistics",
// "SSL server statistics" / "SSL/TLS infos", QUIC): what the IP served and, for TLS, what it sent
// as a client.
import { ApiError, get } from '../api';
import { History } from '../components/chart';
import { card, facts } from '../components/misc';
import { ResponseTimeChart } from '../components/response_time_chart';
import { empty, errorState, loading } from '../components/states';
import { DataTable, fetchList, staticTable } from '../components/table';
import { h, replace } from '../dom';
import { api } from '../endpoints';
import * as fmt from '../format';
import { chips, countsText, responseTimeText } from '../l7';
import { windowParams } from '../time';
import {
  DnsServerRow,
  HttpConnectionRow,
  HttpServerRow,
  QuicServerRow,
  TlsClientRow,
  TlsServerRow,
  httpTransactionColumns,
  quicServerColumns,
  tlsServerColumns,
} from './app_protocols';

export interface AppTabView {
  el: HTMLElement;
  refresh(): Promise<void>;
  destroy(): void;
}

type WithHistory = { history?: History };

const notSeen = (e: unknown, what: string) => (e instanceof ApiError && e.status === 404 ? empty(what) : errorState(e));

function dnsTab(ip: string): AppTabView {
  const box = h('div', null, loading());
  const chart = new ResponseTimeChart('DNS response time (average)', [{ label: 'Response time', count: 2, sum: 3 }]);
  return {
    el: box,
    async refresh() {
      try {
        const d = await get<{ server: (DnsServerRow & WithHistory) | null; resolvedNames: { name: string; lastSeen?: number }[] }>(api.ipSub(ip, 'dns'), windowParams());
        const s = d.server;
        if (s) chart.update([s.history]);
        replace(
          box,
          card(
            'As DNS server',
            s
              ? facts([
                  ['Requests / replies (selected range)', h('span', { 'data-field': 'dns-requests' }, `${fmt.integer(s.interval?.[0])} / ${fmt.integer(s.interval?.[1])}`)],
                  ['Requests / replies (all time)', `${fmt.integer(s.requests)} / ${fmt.integer(s.replies)}`],
                  ['Response time', responseTimeText(s.responseTime)],
                  ['Reply codes', countsText(s.replyCodes)],
                  ['Query types', countsText(s.queryTypes)],
                  ['Malformed messages', fmt.integer(s.malformed)],
                ])
              : empty(`${ip} answered no DNS query.`),
          ),
          ...(s ? [chart.el] : []),
          card(
            'Names DNS resolved to this address',
            d.resolvedNames.length
              ? staticTable('dns-names', [
                  { key: 'name', label: 'Name', render: (r) => r.name },
                  { key: 'seen', label: 'Last seen', render: (r) => fmt.microTime(r.lastSeen) },
                ], d.resolvedNames)
              : empty('No DNS answer named this address.'),
          ),
        );
      } catch (e) {
        replace(box, errorState(e));
      }
    },
    destroy() {
      chart.destroy();
    },
  };
}

function httpTab(ip: string): AppTabView {
  const server = h('div', null, loading());
  const chart = new ResponseTimeChart('HTTP response time (average)', [{ label: 'Response time', count: 2, sum: 3 }]);
  const transactions = new DataTable<HttpConnectionRow>({
    id: 'ip-http-transactions',
    columns: httpTransactionColumns(),
    defaultSort: 'start',
    filter: 'Filter: text, or (expression)',
    emptyText: 'No HTTP request/response in the connections of this IP',
    load: (q) => fetchList<HttpConnectionRow>(api.ipSub(ip, 'httpTransactions'), q, windowParams()),
  });
  return {
    el: h('div', null, card('As HTTP server', server), chart.el, card('HTTP transactions of its connections', transactions.el)),
    async refresh() {
      await Promise.all([
        get<HttpServerRow & WithHistory>(api.ipSub(ip, 'http'), windowParams())
          .then((s) => {
            chart.update([s.history]);
            replace(
              server,
              facts([
                ['Host names', s.hostNames?.length ? chips(s.hostNames, 10) : '–'],
                ['Requests / responses (selected range)', h('span', { 'data-field': 'http-requests' }, `${fmt.integer(s.interval?.[0])} / ${fmt.integer(s.interval?.[1])}`)],
                ['Requests / responses (all time)', `${fmt.integer(s.requests)} / ${fmt.integer(s.responses)}`],
                ['Response time', responseTimeText(s.responseTime)],
                ['Status codes', countsText(s.statusFamilies)],
                ['Last URL', s.lastUrl ? `${s.lastUrl} (${fmt.microTime(s.lastUrlTime)})` : '–'],
              ]),
            );
          })
          .catch((e) => replace(server, notSeen(e, `${ip} has not been seen as an HTTP server.`))),
        transactions.refresh(),
      ]);
    },
    destroy() {
      chart.destroy();
    },
  };
}

function sslTab(ip: string): AppTabView {
  const box = h('div', null, loading());
  const chart = new ResponseTimeChart('SSL response times (average, all ports)', [
    { label: 'Handshake', count: 2, sum: 3 },
    { label: 'First data', count: 4, sum: 5 },
  ]);
  return {
    el: box,
    async refresh() {
      try {
        const d = await get<{ asServer: (TlsServerRow & WithHistory)[]; asClient: TlsClientRow | null }>(api.ipSub(ip, 'ssl'), windowParams());
        const c = d.asClient;
        if (d.asServer.length) chart.update(d.asServer.map((r) => r.history));
        replace(
          box,
          card('SSL server statistics', d.asServer.length ? staticTable('ip-tls-servers', tlsServerColumns().filter((col) => col.key !== 'ip'), d.asServer) : empty(`${ip} completed no TLS handshake as a server.`)),
          ...(d.asServer.length ? [chart.el] : []),
          card(
            'SSL/TLS infos (as client)',
            c
              ? facts([
                  ['ClientHellos (selected range)', h('span', { 'data-field': 'client-hellos' }, fmt.integer(c.interval?.[0]))],
                  ['ClientHellos (all time)', fmt.integer(c.clientHellos)],
                  ['Fingerprints', c.fingerprints?.length ? h('div', null, ...c.fingerprints.map((f) => h('div', { class: 'mono' }, `JA4 ${f.ja4 ?? '–'} · JA3 ${f.ja3 ?? '–'} · ${fmt.integer(f.count)}×`))) : '–'],
                  ['Announced versions', (c.announcedVersions ?? []).join(', ') || '–'],
                  ['Announced cipher suites', h('div', { class: 'wrap' }, (c.announcedCipherSuites ?? []).join(', ') || '–')],
                  ['Negotiated', (c.negotiated ?? []).map((n) => `${n.version} ${n.cipherSuite} ×${n.count}`).join(' · ') || '–'],
                ])
              : empty(`${ip} sent no TLS ClientHello.`),
          ),
        );
      } catch (e) {
        replace(box, errorState(e));
      }
    },
    destroy() {
      chart.destroy();
    },
  };
}

function quicTab(ip: string): AppTabView {
  const box = h('div', null, loading());
  const chart = new ResponseTimeChart('QUIC handshake response time (average, all ports)', [{ label: 'Handshake', count: 2, sum: 3 }]);
  return {
    el: box,
    async refresh() {
      try {
        const d = await get<{ servers: (QuicServerRow & WithHistory)[] }>(api.ipSub(ip, 'quic'), windowParams());
        if (d.servers.length) chart.update(d.servers.map((r) => r.history));
        replace(box, ...(d.servers.length ? [staticTable('ip-quic-servers', quicServerColumns().filter((col) => col.key !== 'ip'), d.servers), chart.el] : [empty(`${ip} has not been seen as a QUIC server.`)]));
      } catch (e) {
        replace(box, errorState(e));
      }
    },
    destroy() {
      chart.destroy();
    },
  };
}

export function appTab(id: string, ip: string): AppTabView {
  switch (id) {
    case 'dns':
      return dnsTab(ip);
    case 'http':
      return httpTab(ip);
    case 'ssl':
      return sslTab(ip);
    default:
      return quicTab(ip);
  }
}
