// Detail pages of a MAC address and of a connection.
import { get } from '../api';
import { History, PALETTE, TimeChart, historySeries, rxBits, txBits } from '../components/chart';
import { captureButton } from '../components/capture';
import { jsonFacts, counterText } from '../components/json_view';
import { card, facts, ipLink, pageHeader } from '../components/misc';
import { errorState, loading } from '../components/states';
import { ConnectionRow, clientOf, connectionExpression, durationOf, endpoint, protoOf, serverOf, startOf } from '../connections';
import { CounterRow } from '../counters';
import { h, link, replace } from '../dom';
import { api } from '../endpoints';
import * as fmt from '../format';
import { windowParams } from '../time';
import { Page } from './page';

export function macDetailPage(params: Record<string, string>): Page {
  const mac = params.mac;
  const chart = new TimeChart('Throughput', [
    { label: 'Received', color: PALETTE[0] },
    { label: 'Sent', color: PALETTE[1] },
  ], 'bps', 220);
  const body = h('div', null, loading());
  const el = h(
    'div',
    { class: 'page', 'data-page': 'mac-detail' },
    pageHeader(`MAC ${mac}`, link('/macs', '← MAC addresses'), captureButton({ expression: `mac == ${mac}`, name: mac })),
    chart.el,
    card('Details', body),
  );
  return {
    el,
    title: `MAC ${mac}`,
    async refresh() {
      try {
        const d = await get<CounterRow & { history?: History; ips?: string[]; vendor?: string }>(api.mac(mac), windowParams(300));
        const [xs, ys] = historySeries(d.history, [rxBits, txBits]);
        chart.setData(xs, ys);
        replace(
          body,
          facts([
            ['MAC', h('strong', null, mac)],
            ['Vendor', String(d.vendor ?? '–')],
            ['Selected range', counterText('interval', d.interval ?? [])],
            ['Average rate', counterText('intervalPerSecond', d.intervalPerSecond ?? [])],
            ['All time', counterText('allTime', d.allTime ?? [])],
            ['First activity', fmt.microTime(d.firstActivity)],
            ['Last activity', fmt.microTime(d.lastActivity)],
            ['IP addresses', Array.isArray(d.ips) && d.ips.length ? h('span', { class: 'chips' }, ...d.ips.map((ip) => h('span', { class: 'chip' }, ipLink(ip)))) : '–'],
          ]),
          h('details', { class: 'raw' }, h('summary', null, 'All fields'), jsonFacts(d, ['mac', 'vendor', 'ips'])),
        );
      } catch (e) {
        chart.showError('No data');
        replace(body, errorState(e));
      }
    },
    destroy: () => chart.destroy(),
  };
}

// The per-direction details of a connection side by side (MTU, QoS, TCP flags, ...).
function directions(c: ConnectionRow): HTMLElement | null {
  const client = (c.client ?? {}) as Record<string, unknown>;
  const server = (c.server ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(client), ...Object.keys(server)])].filter((k) => k !== 'ip' && k !== 'port');
  if (!keys.length) return null;
  const show = (v: unknown) => (v === null || v === undefined ? '–' : Array.isArray(v) ? (v.length ? v.join(', ') : '–') : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
  const label = (k: string) => k.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (x) => x.toUpperCase()).replace('Mtu', 'MTU').replace('Dscp', 'DSCP').replace('Syn', 'SYN').replace('Fin', 'FIN').replace('Rst', 'RST');
  return h(
    'table',
    { class: 'compact directions' },
    h('thead', null, h('tr', null, h('th', null, ''), h('th', { class: 'num' }, 'Client side'), h('th', { class: 'num' }, 'Server side'))),
    h('tbody', null, ...keys.map((k) => h('tr', null, h('th', null, label(k)), h('td', { class: 'num' }, show(client[k])), h('td', { class: 'num' }, show(server[k]))))),
  );
}

export function connectionDetailPage(_params: Record<string, string>, query: URLSearchParams): Page {
  const want = {
    client: query.get('client') ?? '',
    clientPort: Number(query.get('clientPort') ?? 0),
    server: query.get('server') ?? '',
    serverPort: Number(query.get('serverPort') ?? 0),
    protocol: query.get('protocol') ?? '',
    start: Number(query.get('start') ?? NaN),
  };
  const endpointText = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  const id = `${endpointText(want.client, want.clientPort)} → ${endpointText(want.server, want.serverPort)} ${want.protocol}`;
  // The connection is found in the connection list by its endpoints and protocol; of several with
  // the same endpoints over time, the one that started at `start`.
  const lookup = async (): Promise<ConnectionRow & { history?: History }> => {
    const filter = `(ip == ${endpointText(want.client, want.clientPort)} and ip == ${endpointText(want.server, want.serverPort)}${want.protocol ? ` and l4Protocol == ${want.protocol}` : ''})`;
    const list = await get<{ displayedItems?: (ConnectionRow & { history?: History })[] }>(api.globalConnections, {
      ...windowParams(300),
      filter,
      sort: 'start',
      count: 100,
    });
    const rows = (list.displayedItems ?? []).filter((r) => clientOf(r).ip === want.client && serverOf(r).ip === want.server);
    const found = rows.find((r) => startOf(r) === want.start) ?? (Number.isNaN(want.start) ? rows[0] : undefined);
    if (!found) throw new Error('This connection is not known (any more) to the server.');
    return found;
  };
  const chart = new TimeChart('Throughput', [
    { label: 'Client → server', color: PALETTE[0] },
    { label: 'Server → client', color: PALETTE[1] },
  ], 'bps', 220);
  const body = h('div', null, loading());
  const actions = h('span');
  const el = h(
    'div',
    { class: 'page', 'data-page': 'connection-detail' },
    pageHeader(`Connection ${id}`, link('/connections', '← Connections'), actions),
    chart.el,
    card('Details', body),
  );
  return {
    el,
    title: 'Connection',
    async refresh() {
      try {
        const c = await lookup();
        // Counters are from the client's view: rx = server -> client, tx = client -> server.
        const [xs, ys] = historySeries(c.history, [txBits, rxBits]);
        chart.setData(xs, ys);
        replace(actions, captureButton({ expression: connectionExpression(c), name: `connection-${id}` }));
        const start = startOf(c);
        replace(
          body,
          facts([
            ['Client', endpoint(clientOf(c))],
            ['Server', endpoint(serverOf(c))],
            ['Layer 4 protocol', protoOf(c)],
            ['Start', fmt.microTime(start)],
            ['Last activity', fmt.microTime(c.lastActivity)],
            ['Duration', fmt.duration(durationOf(c))],
            ['End', String(c.termination ?? c.terminationReason ?? '–')],
            ['Selected range', counterText('interval', c.interval ?? [])],
            ['All time', counterText('allTime', c.allTime ?? [])],
          ]),
          directions(c),
          h('details', { class: 'raw' }, h('summary', null, 'All fields'), jsonFacts(c, ['client', 'server', 'clientIp', 'serverIp', 'clientPort', 'serverPort'])),
        );
      } catch (e) {
        chart.showError('No data');
        replace(body, errorState(e));
      }
    },
    destroy: () => chart.destroy(),
  };
}
