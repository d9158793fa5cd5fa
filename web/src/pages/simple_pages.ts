// Pages that are one list each: MACs, MAC protocols, VLANs, L4 server ports, packet sizes, QoS,
// global connections.
import { captureButton } from '../components/capture';
import { ipLink, macLink } from '../components/misc';
import { connectionColumns, ConnectionRow } from '../connections';
import { CounterRow } from '../counters';
import { api } from '../endpoints';
import * as fmt from '../format';
import { DataTable, fetchList, listCsvUrl } from '../components/table';
import { Tabs, pageHeader } from '../components/misc';
import { h } from '../dom';
import { windowParams } from '../time';
import { Page } from './page';
import { listPage, listTable } from './list_page';

const QOS_KINDS: Record<string, string> = { ipDscp: 'IP DSCP', vlanPcp: 'VLAN PCP', mplsTc: 'MPLS TC' };

const str = (v: unknown) => (v === undefined || v === null || v === '' ? '–' : String(v));

export function macsPage(_p: Record<string, string>, query: URLSearchParams): Page {
  return listPage<CounterRow>({
    id: 'macs',
    title: 'MAC addresses',
    path: api.macsPaged,
    layout: 'rxtx',
    initialFilter: query.get('filter') ?? undefined,
    keyColumns: [
      { key: 'mac', label: 'MAC', sort: 'mac', numeric: false, render: (r) => macLink(r.mac as string) },
      { key: 'vendor', label: 'Vendor', sort: 'vendor', numeric: false, render: (r) => str(r.vendor) },
    ],
    extraColumns: [
      {
        key: 'ips',
        label: 'IPs',
        render: (r) => {
          const ips = Array.isArray(r.ips) ? (r.ips as string[]) : [];
          if (!ips.length) return '–';
          return h('span', { class: 'chips' }, ...ips.slice(0, 2).map((ip) => h('span', { class: 'chip' }, ipLink(ip))), ips.length > 2 ? ` +${ips.length - 2}` : '');
        },
      },
      { key: 'pcap', label: 'PCAP', render: (r) => captureButton({ expression: `mac == ${String(r.mac)}`, name: String(r.mac) }) },
    ],
  });
}

export function macProtocolsPage(): Page {
  return listPage<CounterRow>({
    id: 'mac-protocols',
    title: 'MAC protocols',
    description: 'Traffic per EtherType.',
    path: api.macProtocols,
    layout: 'pb',
    filter: false,
    keyColumns: [
      { key: 'protocol', label: 'Protocol', render: (r) => str(r.name ?? r.protocol) },
      {
        key: 'ethertype',
        label: 'EtherType',
        render: (r) => {
          const t = r.etherType ?? r.ethertype;
          return typeof t === 'number' ? `0x${t.toString(16).padStart(4, '0')}` : str(t);
        },
      },
    ],
  });
}

export function vlansPage(): Page {
  return listPage<CounterRow>({
    id: 'vlans',
    title: 'VLANs',
    path: api.vlans,
    layout: 'pb',
    filter: false,
    keyColumns: [
      { key: 'vlan', label: 'VLAN', sort: 'vlan', numeric: true, render: (r) => str(r.vlan ?? r.id) },
      {
        key: 'position',
        label: 'Seen as',
        render: (r) => [r.outer ? 'outer' : '', r.inner ? 'inner' : ''].filter(Boolean).join(', ') || '–',
      },
    ],
    extraColumns: [{ key: 'pcap', label: 'PCAP', render: (r) => captureButton({ expression: `vlan == ${str(r.vlan ?? r.id)}`, name: `vlan-${str(r.vlan ?? r.id)}` }) }],
  });
}

export function portsPage(_p: Record<string, string>, query: URLSearchParams): Page {
  const protocols = [
    { id: 'tcp', label: 'TCP' },
    { id: 'udp', label: 'UDP' },
    { id: 'sctp', label: 'SCTP' },
  ] as const;
  let table: DataTable<CounterRow> | null = null;
  const tabs = new Tabs(
    protocols.map((p) => ({ id: p.id, label: p.label })),
    (id, body) => {
      history.replaceState(null, '', `/ports?protocol=${id}`);
      table = listTable<CounterRow>({
        id: 'ports',
        title: 'Layer 4 server ports',
        path: api.l4Ports(id as 'tcp' | 'udp' | 'sctp'),
        layout: 'rxtx',
        filter: false,
        keyColumns: [
          { key: 'port', label: 'Server port', sort: 'serverPort', numeric: true, render: (r) => str(r.serverPort ?? r.port) },
          { key: 'proto', label: 'L4', render: (r) => str(r.l4ProtocolName ?? r.l4Protocol) },
          { key: 'service', label: 'Usual service', render: (r) => str(r.service) || '–' },
        ],
        extraColumns: [
          { key: 'connections', label: 'Connections', numeric: true, render: (r) => fmt.integer(r.connections as number) },
          {
            key: 'pcap',
            label: 'PCAP',
            render: (r) => captureButton({ expression: `serverport == ${str(r.serverPort)} and l4Protocol == ${str(r.l4ProtocolName)}`, name: `${id}-${str(r.serverPort)}` }),
          },
        ],
      });
      body.append(table.el);
      void table.refresh();
    },
    query.get('protocol') ?? 'tcp',
  );
  const el = h(
    'div',
    { class: 'page', 'data-page': 'ports' },
    pageHeader('Layer 4 server ports'),
    h('p', { class: 'muted' }, 'Traffic per server port, from the server’s view (rx: client to server).'),
    h('section', { class: 'card' }, tabs.el),
  );
  return { el, title: 'Server ports', refresh: () => table?.refresh() };
}

export function packetSizesPage(): Page {
  return listPage<CounterRow>({
    id: 'packet-sizes',
    title: 'Packet sizes',
    description: 'Packets per size range (layer 2 with FCS).',
    path: api.packetSizes,
    layout: 'pb',
    filter: false,
    activity: false,
    keyColumns: [
      {
        key: 'size',
        label: 'Size',
        render: (r) => {
          if (r.min === undefined) return str(r.name ?? r.size ?? r.bin);
          if (r.max === null || r.max === undefined) return `${r.min} bytes and more`;
          return r.min === r.max ? `${r.min} bytes` : `${r.min}–${r.max} bytes`;
        },
      },
    ],
  });
}

export function qosPage(): Page {
  return listPage<CounterRow>({
    id: 'qos',
    title: 'Quality of service',
    description: 'Traffic per DSCP value, VLAN priority (PCP) and MPLS traffic class.',
    path: api.qos,
    layout: 'pb',
    filter: false,
    extraColumns: [
      {
        key: 'pcap',
        label: 'PCAP',
        render: (r) => {
          const field = { ipDscp: 'qosIpDscp', vlanPcp: 'qosVlanPcp', mplsTc: 'qosMplsTc' }[String(r.kind)];
          return field ? captureButton({ expression: `${field} == ${str(r.value)}`, name: `${String(r.kind)}-${str(r.value)}` }) : '–';
        },
      },
    ],
    keyColumns: [
      { key: 'kind', label: 'Kind', render: (r) => QOS_KINDS[String(r.kind)] ?? str(r.kind) },
      { key: 'value', label: 'Value', sort: 'class', numeric: true, render: (r) => str(r.value) },
      { key: 'name', label: 'Class', render: (r) => str(r.name) },
    ],
  });
}

export function connectionsPage(_p: Record<string, string>, query: URLSearchParams): Page {
  const table = new DataTable<ConnectionRow>({
    id: 'connections',
    columns: connectionColumns(),
    defaultSort: 'bytes',
    initialFilter: query.get('filter') ?? undefined,
    load: (q) => fetchList<ConnectionRow>(api.globalConnections, q, windowParams()),
    csvUrl: (q) => listCsvUrl(api.globalConnections, q, windowParams()),
  });
  const el = h('div', { class: 'page', 'data-page': 'connections' }, pageHeader('Connections'), h('section', { class: 'card' }, table.el));
  return { el, title: 'Connections', refresh: () => table.refresh() };
}
