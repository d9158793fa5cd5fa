// One IP address (reference: IP module, per IP statistics): traffic graphs and tabs.
import { get, subResources } from '../api';
import { TimeChart, historySeries, rxBits, txBits, rxPackets, txPackets, History, PALETTE } from '../components/chart';
import { Tabs, card, facts, ipLink, macLink, pageHeader } from '../components/misc';
import { captureButton } from '../components/capture';
import { jsonFacts, counterText } from '../components/json_view';
import { TcpStats, TcpStatsView } from '../components/tcp_stats';
import { appTab } from './ip_app_tabs';
import { errorState, loading } from '../components/states';
import { Column, DataTable, fetchList } from '../components/table';
import { connectionColumns, ConnectionRow } from '../connections';
import { CounterRow, trafficColumns } from '../counters';
import { api } from '../endpoints';
import { Child, h, link, replace } from '../dom';
import * as fmt from '../format';
import { names, operand } from '../l7';
import { windowParams } from '../time';
import { Page } from './page';

interface IpDetail extends CounterRow {
  ip: string;
  names?: string[];
  alternativeNames?: string[];
  macs?: ({ mac: string; vendor?: string } | string)[];
  vlans?: (number | string)[];
  interfaces?: (number | string)[];
  peers?: number;
  ttl?: { min: number; max: number; avg: number } | null;
  mtu?: { rx: number; tx: number };
  connectionsAsClient?: number;
  connectionsAsServer?: number;
  lastNewConnection?: number | null;
  history?: History;
  [key: string]: unknown;
}

// Tabs and the sub-resource of /ips/:ip each needs; a tab is shown when the server has it.
const TABS = [
  { id: 'overview', label: 'Overview', resource: '' },
  { id: 'peers', label: 'Peers', resource: 'peers' },
  { id: 'endpoints', label: 'L4 endpoints', resource: 'peers_ports' },
  { id: 'ports', label: 'Ports', resource: 'ports' },
  { id: 'connections', label: 'Connections', resource: 'connections' },
  { id: 'protocols', label: 'Protocols', resource: 'protocols' },
  { id: 'qos', label: 'QoS', resource: 'qos' },
  { id: 'tcp', label: 'TCP statistics', resource: 'tcpStats' },
  { id: 'dns', label: 'DNS', resource: 'dns' },
  { id: 'http', label: 'HTTP', resource: 'http' },
  { id: 'ssl', label: 'SSL / TLS', resource: 'ssl' },
  { id: 'quic', label: 'QUIC', resource: 'quic' },
];

function list(v: unknown, render: (x: string) => Child = (x) => x): Child {
  if (!Array.isArray(v) || v.length === 0) return '–';
  return h('span', { class: 'chips' }, ...v.map((x) => h('span', { class: 'chip' }, render(String(typeof x === 'object' ? JSON.stringify(x) : x)))));
}

export function ipDetailPage(params: Record<string, string>): Page {
  const ip = params.ip;
  const bits = new TimeChart('Throughput', [
    { label: 'Received', color: PALETTE[0] },
    { label: 'Sent', color: PALETTE[1] },
  ], 'bps', 200);
  const pkts = new TimeChart('Packets', [
    { label: 'Received', color: PALETTE[2] },
    { label: 'Sent', color: PALETTE[3] },
  ], 'pps', 200);
  const overview = h('div', null, loading());
  let tabRefresh: () => Promise<void> | void = () => {};
  let tabDestroy: () => void = () => {};
  let detail: IpDetail | null = null;

  const renderOverview = () => {
    if (!detail) return;
    const d = detail;
    replace(
      overview,
      facts([
        ['IP', h('strong', null, d.ip)],
        ['Alternative names', h('span', { 'data-field': 'alternative-names' }, ((d.alternativeNames ?? d.names ?? []) as string[]).join(', ') || '–')],
        ['Selected range', counterText('interval', d.interval ?? [])],
        ['Average rate', counterText('intervalPerSecond', d.intervalPerSecond ?? [])],
        ['All time', counterText('allTime', d.allTime ?? [])],
        ['First activity', fmt.microTime(d.firstActivity)],
        ['Last activity', fmt.microTime(d.lastActivity)],
        ['Peers', fmt.integer(d.peers)],
        ['TTL min / max / avg', d.ttl ? `${d.ttl.min} / ${d.ttl.max} / ${Number(d.ttl.avg).toFixed(1)}` : '–'],
        ['MTU received / sent', d.mtu ? `${d.mtu.rx || '–'} / ${d.mtu.tx || '–'}` : '–'],
        ['Connections as client / server', `${fmt.integer(d.connectionsAsClient)} / ${fmt.integer(d.connectionsAsServer)}`],
        ['Last new connection', fmt.microTime(d.lastNewConnection)],
        [
          'MAC addresses',
          (d.macs ?? []).length
            ? h(
                'div',
                { class: 'chips' },
                ...(d.macs ?? []).map((m) => {
                  const mac = typeof m === 'string' ? m : m.mac;
                  const vendor = typeof m === 'string' ? '' : m.vendor;
                  return h('span', { class: 'chip' }, macLink(mac), vendor ? ` ${vendor}` : '', captureButton({ expression: `ip == ${ip} and mac == ${mac}`, name: `${ip}-${mac}` }));
                }),
              )
            : '–',
        ],
        ['VLANs', list((d.vlans ?? []).map((v) => (v === null ? 'untagged' : v)))],
        ['Interfaces', list(d.interfaces)],
      ]),
      h('details', { class: 'raw' }, h('summary', null, 'All fields'), jsonFacts(d, ['ip', 'names', 'alternativeNames', 'macs', 'vlans', 'interfaces'])),
    );
  };

  const subTable = <R extends CounterRow>(id: string, sub: string, columns: Column<R>[], defaultSort = 'bytes') =>
    new DataTable<R>({
      id: `ip-${id}`,
      columns,
      defaultSort,
      load: (q) => fetchList<R>(api.ipSub(ip, sub), q, windowParams()),
    });

  const tabBox = h('div', null, loading());
  const altNames = h('span', { class: 'header-names', 'data-testid': 'ip-names' });
  const header = pageHeader(`IP ${ip}`, link('/ips', '← IP addresses'), captureButton({ expression: `ip == ${ip}`, name: ip }));
  header.querySelector('h1')!.after(altNames);
  let tabs: Tabs | null = null;
  const makeTabs = (available: string[]) => new Tabs(
    TABS.filter((t) => !t.resource || available.includes(t.resource)).map(({ id, label }) => ({ id, label })),
    (id, body) => {
      tabDestroy();
      tabDestroy = () => {};
      history.replaceState(null, '', `/ips/${encodeURIComponent(ip)}${id === 'overview' ? '' : '/' + id}`);
      if (id === 'overview') {
        body.append(overview);
        tabRefresh = () => {};
        return;
      }
      let table: DataTable<any>;
      switch (id) {
        case 'peers':
          table = subTable<CounterRow & { ip: string }>('peers', 'peers', [
            { key: 'ip', label: 'Peer', render: (r) => ipLink(r.ip) },
            { key: 'names', label: 'Alternative names', render: (r) => names(r.alternativeNames ?? r.names) },
            ...trafficColumns<CounterRow & { ip: string }>('rxtx'),
            { key: 'pcap', label: 'PCAP', render: (r) => captureButton({ expression: `ip == ${ip} and ip == ${r.ip}`, name: `${ip}-${r.ip}` }) },
          ]);
          break;
        case 'endpoints':
          table = subTable<CounterRow>('endpoints', 'peers_ports', [
            { key: 'peer', label: 'Peer', render: (r) => ipLink((r.peer ?? r.ip) as string) },
            { key: 'port', label: 'Server port', numeric: true, render: (r) => String(r.port ?? '–') },
            { key: 'proto', label: 'L4', render: (r) => String(r.l4ProtocolName ?? r.l4Protocol ?? '–') },
            { key: 'service', label: 'Usual service', render: (r) => String(r.service || '–') },
            { key: 'role', label: 'Server', render: (r) => (r.role === 'server' ? ip : r.role === 'client' ? 'peer' : '–') },
            { key: 'connections', label: 'Connections', numeric: true, render: (r) => fmt.integer(r.connections as number) },
            ...trafficColumns<CounterRow>('rxtx', false),
          ]);
          break;
        case 'ports':
          table = subTable<CounterRow>('ports', 'ports', [
            { key: 'role', label: `${ip} is`, render: (r) => String(r.role ?? '–') },
            { key: 'proto', label: 'L4', render: (r) => String(r.l4ProtocolName ?? r.l4Protocol ?? '–') },
            { key: 'port', label: 'Server port', numeric: true, render: (r) => String(r.port ?? '–') },
            { key: 'service', label: 'Usual service', render: (r) => String(r.service || '–') },
            { key: 'connections', label: 'Connections', numeric: true, render: (r) => fmt.integer(r.connections as number) },
            { key: 'first', label: 'First connection', render: (r) => fmt.microTime(r.firstActivity as number) },
            { key: 'last', label: 'Last activity', render: (r) => fmt.microTime(r.lastActivity as number) },
            ...trafficColumns<CounterRow>('rxtx', false),
          ]);
          break;
        case 'connections':
          table = subTable<ConnectionRow>('connections', 'connections', connectionColumns(), 'bytes');
          break;
        case 'protocols': {
          // L7 (nDPI) protocols by default; layer=l4 lists the L4 protocols.
          const layer = h('select', { 'aria-label': 'Layer', 'data-testid': 'protocol-layer' }, h('option', { value: 'l7' }, 'Layer 7 (DPI)'), h('option', { value: 'l4' }, 'Layer 4'));
          const protoTable = new DataTable<CounterRow>({
            id: 'ip-protocols',
            defaultSort: 'bytes',
            filter: false,
            load: (q) => fetchList<CounterRow>(api.ipSub(ip, 'protocols'), q, { ...windowParams(), layer: layer.value === 'l4' ? 'l4' : undefined }),
            columns: [
              {
                key: 'protocol',
                label: 'Protocol',
                render: (r) => (r.l4Protocol === undefined && r.name && r.protocol !== 0 ? link(`/l7/${encodeURIComponent(String(r.name))}`, String(r.name)) : String(r.name ?? r.l4ProtocolName ?? r.protocol ?? '–')),
              },
              { key: 'connections', label: 'Connections', numeric: true, render: (r) => fmt.integer(r.connections as number) },
              ...trafficColumns<CounterRow>('rxtx', false),
              {
                key: 'pcap',
                label: 'PCAP',
                render: (r) =>
                  r.l4Protocol !== undefined
                    ? captureButton({ expression: `ip == ${ip} and l4Protocol == ${String(r.l4ProtocolName ?? r.name ?? r.l4Protocol)}`, name: `${ip}-${String(r.name ?? r.l4Protocol)}` })
                    : r.protocol === 0 || !r.name
                      ? '–'
                      : captureButton({ expression: `ip == ${ip} and l7Protocol == ${operand(String(r.name))}`, name: `${ip}-${String(r.name)}` }),
              },
            ],
          });
          layer.addEventListener('change', () => void protoTable.refresh());
          body.append(h('div', { class: 'row' }, h('span', { class: 'muted-cell' }, 'Protocols of'), layer));
          table = protoTable;
          break;
        }
        case 'qos':
          table = subTable<CounterRow>('qos', 'qos', [
            { key: 'dscp', label: 'DSCP', numeric: true, render: (r) => (r.dscp === null || r.dscp === undefined ? 'none sent' : String(r.dscp)) },
            { key: 'class', label: 'Class', render: (r) => String(r.name || '–') },
            ...trafficColumns<CounterRow>('rxtx', false),
            {
              key: 'pcap',
              label: 'PCAP',
              render: (r) => (r.dscp === null || r.dscp === undefined ? '–' : captureButton({ expression: `ip == ${ip} and qosIpDscp == ${String(r.dscp)}`, name: `${ip}-dscp${String(r.dscp)}` })),
            },
          ]);
          break;
        case 'tcp': {
          const view = new TcpStatsView();
          const box = h('div', null, loading());
          body.append(box, view.el);
          tabDestroy = () => view.destroy();
          tabRefresh = async () => {
            try {
              view.update(await get<TcpStats>(api.ipSub(ip, 'tcpStats'), windowParams(300)));
              box.replaceChildren();
            } catch (e) {
              replace(box, errorState(e));
              view.showError('No data');
            }
          };
          void tabRefresh();
          return;
        }
        case 'dns':
        case 'http':
        case 'ssl':
        case 'quic': {
          const view = appTab(id, ip);
          body.append(view.el);
          tabRefresh = () => view.refresh();
          tabDestroy = () => view.destroy();
          void tabRefresh();
          return;
        }
        default:
          return;
      }
      body.append(table.el);
      tabRefresh = () => table.refresh();
      void table.refresh();
    },
    params.tab,
  );

  const el = h(
    'div',
    { class: 'page', 'data-page': 'ip-detail' },
    header,
    h('div', { class: 'grid two' }, bits.el, pkts.el),
    card(null, tabBox),
  );

  return {
    el,
    title: `IP ${ip}`,
    async refresh() {
      if (!tabs) {
        tabs = makeTabs(await subResources(api.ip(ip)));
        replace(tabBox, tabs.el);
      }
      try {
        detail = await get<IpDetail>(api.ip(ip), windowParams(300));
        const [xs, ys] = historySeries(detail.history, [rxBits, txBits]);
        bits.setData(xs, ys);
        const [xp, yp] = historySeries(detail.history, [rxPackets, txPackets]);
        pkts.setData(xp, yp);
        renderOverview();
        altNames.textContent = (detail.alternativeNames ?? detail.names ?? []).join(', ');
      } catch (e) {
        replace(overview, errorState(e));
        bits.showError('No data');
        pkts.showError('No data');
      }
      await tabRefresh();
    },
    destroy() {
      tabDestroy();
      bits.destroy();
      pkts.destroy();
    },
  };
}
