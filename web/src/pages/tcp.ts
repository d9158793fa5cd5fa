// All TCP traffic (reference: TCP module): TCP health for the selected range, clients/servers
// summary, history graphs, and the open TCP server ports (GET /API/stats/modules/tcp).
import { get } from '../api';
import { captureButton } from '../components/capture';
import { localList } from '../components/local_list';
import { card, ipLink, pageHeader } from '../components/misc';
import { errorState, loading } from '../components/states';
import { DataTable } from '../components/table';
import { TcpStats, TcpStatsView } from '../components/tcp_stats';
import { h, replace } from '../dom';
import { api } from '../endpoints';
import * as fmt from '../format';
import { windowParams } from '../time';
import { Page } from './page';

interface ServerPort {
  ip: string;
  port: number;
  service?: string;
  connections: number;
  firstConnection?: number | null;
  lastConnection?: number | null;
}

export function tcpPage(): Page {
  const view = new TcpStatsView();
  const status = h('div', null, loading());
  let ports: ServerPort[] = [];
  const table = new DataTable<ServerPort>({
    id: 'tcp-server-ports',
    defaultSort: 'connections',
    filter: 'Filter: part of an address or a port',
    emptyText: 'No TCP server answered a SYN',
    columns: [
      { key: 'ip', label: 'Server', sort: 'ip', render: (r) => ipLink(r.ip) },
      { key: 'port', label: 'Port', sort: 'port', numeric: true, render: (r) => String(r.port) },
      { key: 'service', label: 'Usual service', render: (r) => r.service || '–' },
      { key: 'connections', label: 'Connections', sort: 'connections', numeric: true, render: (r) => fmt.integer(r.connections) },
      { key: 'first', label: 'First connection', sort: 'first', render: (r) => fmt.microTime(r.firstConnection) },
      { key: 'last', label: 'Last connection', sort: 'last', render: (r) => fmt.microTime(r.lastConnection) },
      {
        key: 'pcap',
        label: 'PCAP',
        render: (r) => captureButton({ expression: `ip == ${r.ip.includes(':') ? `[${r.ip}]` : r.ip}:${r.port} and l4Protocol == TCP`, name: `tcp-${r.ip}-${r.port}` }),
      },
    ],
    load: async (q) =>
      localList(
        ports,
        q,
        { ip: (r) => r.ip, port: (r) => r.port, connections: (r) => r.connections, first: (r) => r.firstConnection ?? 0, last: (r) => r.lastConnection ?? 0 },
        (r) => `${r.ip} ${r.port}`,
      ),
  });
  const el = h(
    'div',
    { class: 'page', 'data-page': 'tcp' },
    pageHeader('TCP', captureButton({ expression: 'l4Protocol == TCP', name: 'tcp' })),
    h('p', { class: 'muted' }, 'TCP health of all TCP traffic: retransmissions, missed data, duplicate ACKs, windows, handshake and response times (see README “TCP health” for the definitions).'),
    status,
    view.el,
    card('Open TCP server ports (all time)', table.el),
  );
  return {
    el,
    title: 'TCP',
    async refresh() {
      try {
        const s = await get<TcpStats & { serverPorts?: ServerPort[] }>(api.tcp, windowParams(300));
        ports = s.serverPorts ?? [];
        view.update(s);
        status.replaceChildren();
      } catch (e) {
        replace(status, errorState(e));
        view.showError('No data');
      }
      await table.refresh();
    },
    destroy: () => view.destroy(),
  };
}
