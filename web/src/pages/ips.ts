// The IP addresses table (reference: IP module, IP addresses tab).
import { CounterRow } from '../counters';
import { api } from '../endpoints';
import * as fmt from '../format';
import { ipLink } from '../components/misc';
import { captureButton } from '../components/capture';
import { Page } from './page';
import { names, ns } from '../l7';
import { listPage } from './list_page';

export interface IpRow extends CounterRow {
  ip: string;
  names?: string[];
  alternativeNames?: string[];
  peers?: number;
  ttl?: { min?: number; max?: number; avg?: number } | number[];
  mtu?: { rx?: number; tx?: number } | number;
  macs?: ({ mac: string; vendor?: string } | string)[];
  vlans?: (number | null)[];
  connectionsAsClient?: number;
  connectionsAsServer?: number;
  tcpPackets?: number;
  udpPackets?: number;
  // The TCP columns over the selected range; null for an IP without TCP.
  tcp?: {
    handshakeAvgNsAsClient: number | null;
    handshakeAvgNsAsServer: number | null;
    dataResponseAvgNs: number | null;
    payloadBytes: number;
    retransmittedBytes: number;
    retransmissionPercent: number;
  } | null;
}


function ttl(r: IpRow): string {
  const t = r.ttl;
  if (!t) return '–';
  if (Array.isArray(t)) return t.join(' / ');
  if (t.min === undefined) return '–';
  return `${t.min} / ${t.max} / ${t.avg !== undefined ? Number(t.avg).toFixed(1) : '–'}`;
}

function mtu(r: IpRow): string {
  const m = r.mtu;
  if (m === undefined || m === null) return '–';
  if (typeof m === 'number') return String(m);
  return `rx ${m.rx ?? '–'} / tx ${m.tx ?? '–'}`;
}

export function ipsPage(_p: Record<string, string>, query: URLSearchParams): Page {
  return listPage<IpRow>({
    id: 'ips',
    title: 'IP addresses',
    path: api.ipsPaged,
    layout: 'rxtx',
    initialFilter: query.get('filter') ?? undefined,
    filter: 'Filter: part of an address or name, or (expression) e.g. (ip == 10.0.0.0/8 and ip != 10.1.0.0/16)',
    keyColumns: [
      { key: 'ip', label: 'IP', sort: 'ip', numeric: false, render: (r) => ipLink(r.ip) },
      { key: 'names', label: 'Alternative names', render: (r) => names(r.alternativeNames ?? r.names), title: 'Names from DNS answers, HTTP Host headers and TLS/QUIC SNI' },
    ],
    extraColumns: [
      { key: 'peers', label: 'Peers', numeric: true, sort: 'peers', render: (r) => fmt.integer(r.peers), title: 'All time' },
      {
        key: 'tcp',
        label: 'TCP packets',
        numeric: true,
        hidden: true,
        sort: 'tcppackets',
        render: (r) => fmt.integer(r.interval?.[4] ?? r.tcpPackets),
      },
      {
        key: 'udp',
        label: 'UDP packets',
        numeric: true,
        hidden: true,
        sort: 'udppackets',
        render: (r) => fmt.integer(r.interval?.[5] ?? r.udpPackets),
      },
      {
        key: 'connections',
        label: 'Connections',
        numeric: true,
        hidden: true,
        sort: 'connections',
        title: 'As client / as server, all time',
        render: (r) => `${fmt.integer(r.connectionsAsClient)} / ${fmt.integer(r.connectionsAsServer)}`,
      },
      {
        key: 'handshake',
        label: 'TCP handshake',
        numeric: true,
        hidden: true,
        sort: 'handshake',
        title: 'Average handshake time as client / as server (sorted by the larger)',
        render: (r) => (r.tcp ? `${ns(r.tcp.handshakeAvgNsAsClient)} / ${ns(r.tcp.handshakeAvgNsAsServer)}` : '–'),
      },
      {
        key: 'dataResponse',
        label: 'TCP data response',
        numeric: true,
        hidden: true,
        sort: 'dataResponseTime',
        title: 'Average time the IP takes to acknowledge TCP data',
        render: (r) => ns(r.tcp?.dataResponseAvgNs),
      },
      {
        key: 'tcpPayload',
        label: 'TCP payload',
        numeric: true,
        hidden: true,
        sort: 'tcpPayload',
        title: 'TCP payload bytes sent',
        render: (r) => (r.tcp ? fmt.bytes(r.tcp.payloadBytes) : '–'),
      },
      {
        key: 'retransmissions',
        label: 'TCP retransmitted',
        numeric: true,
        hidden: true,
        sort: 'retransmissions',
        title: 'Payload bytes the IP retransmitted, and their share of its TCP payload',
        render: (r) => (r.tcp ? `${fmt.bytes(r.tcp.retransmittedBytes)} (${fmt.percent(r.tcp.retransmittedBytes, r.tcp.payloadBytes)})` : '–'),
      },
      { key: 'ttl', label: 'TTL min/max/avg', hidden: true, render: ttl },
      { key: 'mtu', label: 'MTU', hidden: true, sort: 'mtu', render: mtu },
      { key: 'pcap', label: 'PCAP', render: (r) => captureButton({ expression: `ip == ${r.ip}`, name: r.ip }) },
    ],
  });
}
