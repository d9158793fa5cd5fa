// Connection rows of the API and their table columns (IP detail tab, global connections).
import { Column } from './components/table';
import { CounterRow, bytesOf, packets } from './counters';
import { Child, h, link } from './dom';
import * as fmt from './format';
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

export function endpoint(e: Endpoint): Child {
  if (!e.ip) return '–';
  const v6 = e.ip.includes(':');
  return h('span', { class: 'endpoint' }, ipLink(e.ip), e.port !== undefined ? (v6 ? ` port ${e.port}` : `:${e.port}`) : '');
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

// A connection has no id of its own: its page is addressed by its endpoints, protocol and start.
export function connectionHref(r: ConnectionRow): string | null {
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

export function connectionColumns(): Column<ConnectionRow>[] {
  return [
    { key: 'client', label: 'Client', render: (r) => endpoint(clientOf(r)) },
    { key: 'server', label: 'Server', render: (r) => endpoint(serverOf(r)) },
    { key: 'proto', label: 'L4', render: protoOf },
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
    { key: 'bps', label: 'Bit/s', numeric: true, sort: 'bps', render: (r) => fmt.bitsPerSecond(bytesOf(r.intervalPerSecond, 'rxtx')) },
    {
      key: 'alltime',
      label: 'Bytes (all time)',
      numeric: true,
      hidden: true,
      render: (r) => fmt.bytes(bytesOf(r.allTime, 'rxtx')),
    },
    { key: 'termination', label: 'End reason', hidden: true, render: (r) => String(r.termination ?? r.terminationReason ?? '–') },
    {
      key: 'pcap',
      label: 'PCAP',
      render: (r) => captureButton({ expression: connectionExpression(r), name: `${clientOf(r).ip}-${serverOf(r).ip}` }),
    },
  ];
}
