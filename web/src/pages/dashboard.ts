// The start page: traffic over time, top talkers, protocol mix, interfaces.
import { get } from '../api';
import { History, PALETTE, TimeChart, historySeries } from '../components/chart';
import { card, ipLink, pageHeader } from '../components/misc';
import { errorState, empty, loading } from '../components/states';
import { fetchList } from '../components/table';
import { CounterRow, bytesOf, packets } from '../counters';
import { api } from '../endpoints';
import { h, replace } from '../dom';
import * as fmt from '../format';
import { windowParams } from '../time';
import { Page } from './page';
import { donut } from '../components/donut';

interface InterfaceRow extends CounterRow {
  id?: number;
  name?: string;
  history?: History;
}

interface Share {
  name: string;
  bytes: number;
  packets: number;
}

// Sums the history datasets of several counter objects that share their time axis.
function sumHistories(list: (History | undefined)[]): History | undefined {
  const hs = list.filter((x): x is History => !!x && Array.isArray(x.values) && x.values.length > 0);
  if (hs.length === 0) return undefined;
  const base = hs[0];
  const values = base.values.map((p) => p.map(() => 0));
  for (const hh of hs) {
    if (hh.starttime !== base.starttime || hh.timespan !== base.timespan) continue;
    hh.values.forEach((p, i) => p.forEach((v, j) => values[i] && (values[i][j] += v)));
  }
  return { starttime: base.starttime, timespan: base.timespan, values };
}

function interfacesOf(data: unknown): InterfaceRow[] {
  if (Array.isArray(data)) return data as InterfaceRow[];
  const d = data as Record<string, unknown>;
  for (const k of ['interfaces', 'displayedItems', 'items']) if (Array.isArray(d?.[k])) return d[k] as InterfaceRow[];
  return [];
}

const SHARE_NAMES: Record<string, string> = { ipv4: 'IPv4', ipv6: 'IPv6', nonIp: 'Non-IP', other: 'Other' };

// L3 / L4 shares from the IP module's global statistics, whatever their exact nesting.
function sharesOf(global: Record<string, unknown>, ...groups: string[]): Share[] {
  const key = groups.find((k) => global?.[k] !== undefined);
  const g = (key ? global[key] : undefined) as Record<string, unknown> | unknown[] | undefined;
  const out: Share[] = [];
  const add = (name: string, v: unknown) => {
    const c = (v as CounterRow)?.interval ?? (Array.isArray(v) ? (v as number[]) : undefined);
    if (!c) return;
    out.push({ name: SHARE_NAMES[name] ?? name, packets: c[0] ?? 0, bytes: c[1] ?? 0 });
  };
  if (Array.isArray(g)) for (const x of g) add(String((x as Record<string, unknown>).name ?? (x as Record<string, unknown>).protocol), x);
  else if (g && typeof g === 'object') for (const [k, v] of Object.entries(g)) add(k, v);
  return out.filter((s) => s.bytes > 0 || s.packets > 0).sort((a, b) => b.bytes - a.bytes);
}

export function dashboardPage(): Page {
  const traffic = new TimeChart('Traffic', [{ label: 'All interfaces', color: PALETTE[0] }], 'bps', 240);
  const pps = new TimeChart('Packets', [{ label: 'All interfaces', color: PALETTE[2] }], 'pps', 240);
  const talkers = h('div', null, loading());
  const l3 = h('div', null, loading());
  const l4 = h('div', null, loading());
  const ifaces = h('div', null, loading());
  const el = h(
    'div',
    { class: 'page', 'data-page': 'dashboard' },
    pageHeader('Dashboard'),
    h('div', { class: 'grid two' }, traffic.el, pps.el),
    h(
      'div',
      { class: 'grid three' },
      card('Top talkers', talkers),
      card('Layer 3 protocols', l3),
      card('Layer 4 protocols', l4),
    ),
    card('Interfaces', ifaces),
  );

  const shareTable = (shares: Share[]) => {
    const total = shares.reduce((a, s) => a + s.bytes, 0);
    if (shares.length === 0) return empty('No traffic in the selected time range');
    return h(
      'div',
      { class: 'share' },
      donut(shares.map((s) => ({ label: s.name, value: s.bytes }))),
      h(
        'table',
        { class: 'compact' },
        h('thead', null, h('tr', null, h('th', null, 'Protocol'), h('th', { class: 'num' }, 'Bytes'), h('th', { class: 'num' }, 'Share'))),
        h(
          'tbody',
          null,
          ...shares.map((s, i) =>
            h(
              'tr',
              null,
              h('td', null, h('span', { class: 'swatch', style: { background: PALETTE[i % PALETTE.length] } }), s.name),
              h('td', { class: 'num' }, fmt.bytes(s.bytes)),
              h('td', { class: 'num' }, fmt.percent(s.bytes, total)),
            ),
          ),
        ),
      ),
    );
  };

  return {
    el,
    title: 'Dashboard',
    async refresh() {
      const w = windowParams(300);
      await Promise.all([
        get<unknown>(api.interfaces, w)
          .then((data) => {
            const rows = interfacesOf(data);
            const hist = sumHistories(rows.map((r) => r.history));
            const [xs, ys] = historySeries(hist, [(p, s) => (((p[1] ?? 0) + (p[3] ?? 0)) * 8) / s]);
            traffic.setData(xs, ys);
            const [xp, yp] = historySeries(hist, [(p, s) => ((p[0] ?? 0) + (p[2] ?? 0)) / s]);
            pps.setData(xp, yp);
            if (rows.length === 0) return replace(ifaces, empty('No interfaces yet'));
            replace(
              ifaces,
              h(
                'table',
                { class: 'compact', 'data-testid': 'interfaces' },
                h('thead', null, h('tr', null, ...['Interface', 'Packets', 'Bytes', 'Bit/s (avg)', 'Packets/s (avg)'].map((t, i) => h('th', { class: i ? 'num' : undefined }, t)))),
                h(
                  'tbody',
                  null,
                  ...rows.map((r) =>
                    h(
                      'tr',
                      null,
                      h('td', null, r.name || `interface ${r.id ?? '–'}`),
                      h('td', { class: 'num' }, fmt.integer(packets(r.interval, 'rxtx'))),
                      h('td', { class: 'num' }, fmt.bytes(bytesOf(r.interval, 'rxtx'))),
                      h('td', { class: 'num' }, fmt.bitsPerSecond(bytesOf(r.intervalPerSecond, 'rxtx'))),
                      h('td', { class: 'num' }, fmt.packetsPerSecond(packets(r.intervalPerSecond, 'rxtx'))),
                    ),
                  ),
                ),
              ),
            );
          })
          .catch((e) => {
            traffic.showError('No data');
            pps.showError('No data');
            replace(ifaces, errorState(e));
          }),
        fetchList<CounterRow & { ip: string }>(api.ipsPaged, { sort: 'bytes', reverse: true, page: 0, count: 10, filter: '' }, windowParams())
          .then(({ rows }) => {
            const total = rows.reduce((a, r) => a + bytesOf(r.interval, 'rxtx'), 0);
            if (rows.length === 0 || total === 0) return replace(talkers, empty('No traffic in the selected time range'));
            const max = Math.max(...rows.map((r) => bytesOf(r.interval, 'rxtx')));
            replace(
              talkers,
              h(
                'table',
                { class: 'compact top-list', 'data-testid': 'top-talkers' },
                h(
                  'tbody',
                  null,
                  ...rows.map((r) =>
                    h(
                      'tr',
                      null,
                      h('td', null, ipLink(r.ip), Array.isArray(r.alternativeNames) && r.alternativeNames.length ? h('span', { class: 'alt-name', title: (r.alternativeNames as string[]).join(', ') }, String(r.alternativeNames[0])) : null),
                      h('td', { class: 'bar-cell' }, h('span', { class: 'bar', style: { width: `${(100 * bytesOf(r.interval, 'rxtx')) / max}%` } })),
                      h('td', { class: 'num' }, fmt.bytes(bytesOf(r.interval, 'rxtx'))),
                    ),
                  ),
                ),
              ),
            );
          })
          .catch((e) => replace(talkers, errorState(e))),
        get<Record<string, unknown>>(api.global, windowParams())
          .then((g) => {
            replace(l3, shareTable(sharesOf(g, 'layer3', 'l3')));
            replace(l4, shareTable(sharesOf(g, 'layer4', 'l4')));
          })
          .catch((e) => {
            replace(l3, errorState(e));
            replace(l4, errorState(e));
          }),
      ]);
    },
    destroy() {
      traffic.destroy();
      pps.destroy();
    },
  };
}
