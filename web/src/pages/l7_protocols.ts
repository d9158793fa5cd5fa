// Layer 7 protocols (reference: DPI / L7 protocols module): traffic per nDPI protocol with a share
// chart, and one protocol's page with its traffic over time and the IPs that use it.
import { get } from '../api';
import { History, PALETTE, TimeChart, historySeries } from '../components/chart';
import { captureButton } from '../components/capture';
import { donut } from '../components/donut';
import { card, facts, ipLink, pageHeader } from '../components/misc';
import { empty, errorState, loading } from '../components/states';
import { DataTable, fetchList } from '../components/table';
import { CounterRow, bytesOf, packets, trafficColumns } from '../counters';
import { h, link, replace } from '../dom';
import { api } from '../endpoints';
import * as fmt from '../format';
import { names, operand } from '../l7';
import { windowParams } from '../time';
import { Page } from './page';

export interface L7ProtocolRow extends CounterRow {
  protocol: number;
  name: string;
  connections?: number;
  history?: History;
}

interface DpiSummary {
  protocols?: number;
  classifiedConnections?: number;
  unclassifiedConnections?: number;
  pendingConnections?: number;
  supportedProtocols?: number;
}

export const l7Href = (name: string) => `/l7/${encodeURIComponent(name)}`;
export const l7Expression = (name: string) => `l7Protocol == ${operand(name)}`;

export function l7ProtocolsPage(): Page {
  const summary = h('div', null, loading());
  const share = h('div', null, loading());
  const table = new DataTable<L7ProtocolRow>({
    id: 'l7-protocols',
    defaultSort: 'bytes',
    filter: 'Filter: part of a protocol name',
    load: (q) => fetchList<L7ProtocolRow>(api.l7Protocols, q, windowParams()),
    columns: [
      { key: 'name', label: 'Protocol', sort: 'name', render: (r) => link(l7Href(r.name), r.name) },
      { key: 'id', label: 'nDPI id', sort: 'protocol', numeric: true, hidden: true, render: (r) => String(r.protocol) },
      { key: 'connections', label: 'Connections', sort: 'connections', numeric: true, render: (r) => fmt.integer(r.connections), title: 'All time' },
      ...trafficColumns<L7ProtocolRow>('pb'),
      { key: 'pcap', label: 'PCAP', render: (r) => (r.protocol === 0 ? '–' : captureButton({ expression: l7Expression(r.name), name: r.name })) },
    ],
  });
  const el = h(
    'div',
    { class: 'page', 'data-page': 'l7' },
    pageHeader('Layer 7 protocols'),
    h('p', { class: 'muted' }, 'Traffic per application protocol as classified by nDPI (“unclassified”: nDPI could not tell; netmeter never guesses by port).'),
    h('div', { class: 'grid two' }, card('Classification', summary), card('Top protocols (bytes in the selected range)', share)),
    card(null, table.el),
  );
  return {
    el,
    title: 'Layer 7 protocols',
    async refresh() {
      await Promise.all([
        get<DpiSummary>(api.dpi, windowParams())
          .then((s) =>
            replace(
              summary,
              facts([
                ['Protocols seen', h('span', { 'data-field': 'protocols' }, fmt.integer(s.protocols))],
                ['Classified connections', fmt.integer(s.classifiedConnections)],
                ['Unclassified connections', fmt.integer(s.unclassifiedConnections)],
                ['Being classified', fmt.integer(s.pendingConnections)],
                ['Protocols nDPI knows', fmt.integer(s.supportedProtocols)],
              ]),
            ),
          )
          .catch((e) => replace(summary, errorState(e))),
        fetchList<L7ProtocolRow>(api.l7Protocols, { sort: 'bytes', reverse: true, page: 0, count: 8, filter: '' }, windowParams())
          .then(({ rows }) => {
            const parts = rows.map((r) => ({ label: r.name, value: bytesOf(r.interval, 'pb') })).filter((p) => p.value > 0);
            if (!parts.length) return replace(share, empty('No traffic in the selected time range'));
            replace(
              share,
              h(
                'div',
                { class: 'share' },
                donut(parts, 120),
                h('table', { class: 'compact' }, h('tbody', null, ...parts.map((p, i) => h('tr', null, h('td', null, h('span', { class: 'swatch', style: { background: PALETTE[i % PALETTE.length] } }), link(l7Href(p.label), p.label)), h('td', { class: 'num' }, fmt.bytes(p.value)))))),
              ),
            );
          })
          .catch((e) => replace(share, errorState(e))),
        table.refresh(),
      ]);
    },
  };
}

export function l7ProtocolPage(params: Record<string, string>): Page {
  const name = params.protocol;
  const chart = new TimeChart('Throughput', [{ label: name, color: PALETTE[0] }], 'bps', 220);
  const body = h('div', null, loading());
  const ips = new DataTable<CounterRow & { ip: string }>({
    id: 'l7-protocol-ips',
    defaultSort: 'bytes',
    filter: 'Filter: part of an address or name, or (expression)',
    load: (q) => fetchList(api.l7ProtocolIps(name), q, windowParams()),
    columns: [
      { key: 'ip', label: 'IP', sort: 'ip', render: (r) => ipLink(r.ip) },
      { key: 'names', label: 'Alternative names', render: (r) => names(r.alternativeNames) },
      { key: 'connections', label: 'Connections', sort: 'connections', numeric: true, render: (r) => fmt.integer(r.connections as number) },
      ...trafficColumns<CounterRow & { ip: string }>('rxtx'),
      { key: 'pcap', label: 'PCAP', render: (r) => captureButton({ expression: `ip == ${r.ip} and ${l7Expression(name)}`, name: `${r.ip}-${name}` }) },
    ],
  });
  const el = h(
    'div',
    { class: 'page', 'data-page': 'l7-protocol' },
    pageHeader(`L7 protocol ${name}`, link('/l7', '← Layer 7 protocols'), captureButton({ expression: l7Expression(name), name })),
    chart.el,
    card('Details', body),
    card('IP addresses using it', ips.el),
  );
  return {
    el,
    title: `L7 ${name}`,
    async refresh() {
      try {
        const r = await get<L7ProtocolRow>(api.l7Protocol(name), windowParams(300));
        const [xs, ys] = historySeries(r.history, [(p, s) => ((p[1] ?? 0) * 8) / s]);
        chart.setData(xs, ys);
        replace(
          body,
          facts([
            ['Protocol', h('strong', null, r.name), ` (nDPI id ${r.protocol})`],
            ['Connections (all time)', fmt.integer(r.connections)],
            ['Selected range', `${fmt.integer(packets(r.interval, 'pb'))} packets, ${fmt.bytes(bytesOf(r.interval, 'pb'))}`],
            ['Average rate', `${fmt.bitsPerSecond(bytesOf(r.intervalPerSecond, 'pb'))}, ${fmt.packetsPerSecond(packets(r.intervalPerSecond, 'pb'))}`],
            ['All time', `${fmt.integer(packets(r.allTime, 'pb'))} packets, ${fmt.bytes(bytesOf(r.allTime, 'pb'))}`],
            ['First activity', fmt.microTime(r.firstActivity)],
            ['Last activity', fmt.microTime(r.lastActivity)],
          ].map(([k, ...v]) => [k as string, h('span', null, ...v)])),
        );
      } catch (e) {
        chart.showError('No data');
        replace(body, errorState(e));
      }
      await ips.refresh();
    },
    destroy: () => chart.destroy(),
  };
}
