// The widgets of custom dashboards; each follows the global time selection.
import { get } from '../api';
import { PALETTE, TimeChart, historySeries, rxBits, txBits, History } from '../components/chart';
import { ipLink, macLink } from '../components/misc';
import { empty, errorState, loading } from '../components/states';
import { fetchList } from '../components/table';
import { CounterRow, bytesOf } from '../counters';
import { h, replace } from '../dom';
import { api } from '../endpoints';
import * as fmt from '../format';
import { windowParams } from '../time';
import { donut } from '../components/donut';
import { Widget } from './model';
import { TcpCounters, TcpStats } from '../components/tcp_stats';
import { facts } from '../components/misc';
import { link } from '../dom';
import { ResponseTime, countsText, responseTimeText } from '../l7';

export interface WidgetView {
  el: HTMLElement;
  refresh(): Promise<void>;
  destroy(): void;
}

function sumInterfaces(data: unknown): History | undefined {
  const rows = (Array.isArray(data) ? data : ((data as Record<string, unknown>)?.interfaces ?? [])) as { history?: History }[];
  const hs = rows.map((r) => r.history).filter((x): x is History => !!x && Array.isArray(x.values) && x.values.length > 0);
  if (!hs.length) return undefined;
  const values = hs[0].values.map((p) => p.map(() => 0));
  for (const hh of hs) hh.values.forEach((p, i) => p.forEach((v, j) => values[i] && (values[i][j] += v)));
  return { starttime: hs[0].starttime, timespan: hs[0].timespan, values };
}

function topList(kind: 'ip' | 'mac', count: number): WidgetView {
  const el = h('div', null, loading());
  return {
    el,
    async refresh() {
      try {
        const { rows } = await fetchList<CounterRow>(kind === 'ip' ? api.ipsPaged : api.macsPaged, { sort: 'bytes', reverse: true, page: 0, count, filter: '' }, windowParams());
        if (!rows.length) return replace(el, empty('No traffic in the selected time range'));
        replace(
          el,
          h(
            'table',
            { class: 'compact' },
            h('tbody', null, ...rows.map((r) => h('tr', null, h('td', null, kind === 'ip' ? ipLink(r.ip as string) : macLink(r.mac as string)), h('td', { class: 'num' }, fmt.bytes(bytesOf(r.interval, 'rxtx'))), h('td', { class: 'num' }, fmt.bitsPerSecond(bytesOf(r.intervalPerSecond, 'rxtx')))))),
          ),
        );
      } catch (e) {
        replace(el, errorState(e));
      }
    },
    destroy() {},
  };
}

export function widgetView(w: Widget): WidgetView {
  switch (w.type) {
    case 'text': {
      const el = h('div', { class: 'widget-text' }, w.settings.text || '');
      return { el, refresh: async () => {}, destroy() {} };
    }
    case 'traffic': {
      const chart = new TimeChart('Traffic', [{ label: 'All interfaces', color: PALETTE[0] }], 'bps', 200);
      chart.el.classList.add('bare');
      return {
        el: chart.el,
        async refresh() {
          try {
            const hist = sumInterfaces(await get<unknown>(api.interfaces, windowParams(200)));
            const [xs, ys] = historySeries(hist, [(p, s) => (((p[1] ?? 0) + (p[3] ?? 0)) * 8) / s]);
            chart.setData(xs, ys);
          } catch (e) {
            chart.showError(String((e as Error).message));
          }
        },
        destroy: () => chart.destroy(),
      };
    }
    case 'ip': {
      const ip = (w.settings.ip ?? '').trim();
      const chart = new TimeChart(`IP ${ip}`, [
        { label: 'Received', color: PALETTE[0] },
        { label: 'Sent', color: PALETTE[1] },
      ], 'bps', 200);
      chart.el.classList.add('bare');
      const summary = h('div', { class: 'widget-summary' });
      const el = h('div', null, summary, chart.el);
      return {
        el,
        async refresh() {
          if (!ip) return replace(summary, empty('Configure the widget with an IP address.'));
          try {
            const d = await get<CounterRow & { history?: History }>(api.ip(ip), windowParams(200));
            const [xs, ys] = historySeries(d.history, [rxBits, txBits]);
            chart.setData(xs, ys);
            replace(summary, ipLink(ip), ` · ${fmt.bytes(bytesOf(d.interval, 'rxtx'))} · ${fmt.bitsPerSecond(bytesOf(d.intervalPerSecond, 'rxtx'))} average`);
          } catch (e) {
            replace(summary, errorState(e));
            chart.showError('No data');
          }
        },
        destroy: () => chart.destroy(),
      };
    }
    case 'l4-port': {
      const proto = (w.settings.protocol || 'tcp').toLowerCase();
      const port = (w.settings.port ?? '').trim();
      const chart = new TimeChart(`${proto.toUpperCase()} ${port}`, [
        { label: 'To the server', color: PALETTE[0] },
        { label: 'From the server', color: PALETTE[1] },
      ], 'bps', 200);
      chart.el.classList.add('bare');
      const summary = h('div', { class: 'widget-summary' });
      return {
        el: h('div', null, summary, chart.el),
        async refresh() {
          if (!['tcp', 'udp', 'sctp'].includes(proto) || !/^\d+$/.test(port)) {
            replace(summary, empty('Configure the widget with tcp, udp or sctp and a port number.'));
            return;
          }
          try {
            const d = await get<CounterRow & { history?: History; connections?: number }>(`${api.modules}/l4_ports/${proto}_port/${port}`, windowParams(200));
            const [xs, ys] = historySeries(d.history, [rxBits, txBits]);
            chart.setData(xs, ys);
            replace(summary, `${fmt.bytes(bytesOf(d.interval, 'rxtx'))} · ${fmt.bitsPerSecond(bytesOf(d.intervalPerSecond, 'rxtx'))} average · ${fmt.integer(d.connections)} connections`);
          } catch (e) {
            replace(summary, errorState(e));
            chart.showError('No data');
          }
        },
        destroy: () => chart.destroy(),
      };
    }
    case 'top-ips':
      return topList('ip', Math.min(100, Math.max(1, Number(w.settings.count) || 5)));
    case 'top-macs':
      return topList('mac', Math.min(100, Math.max(1, Number(w.settings.count) || 5)));
    case 'l4-mix': {
      const el = h('div', null, loading());
      return {
        el,
        async refresh() {
          try {
            const g = await get<Record<string, unknown>>(api.global, windowParams());
            const l4 = (g.layer4 ?? []) as (CounterRow & { name?: string })[];
            const parts = l4
              .map((v) => ({ label: String(v.name ?? v.l4Protocol), value: v.interval?.[1] ?? 0 }))
              .filter((p) => p.value > 0)
              .sort((a, b) => b.value - a.value);
            if (!parts.length) return replace(el, empty('No traffic in the selected time range'));
            replace(el, h('div', { class: 'share' }, donut(parts, 100), h('div', null, ...parts.map((p, i) => h('div', null, h('span', { class: 'swatch', style: { background: PALETTE[i % PALETTE.length] } }), `${p.label}: ${fmt.bytes(p.value)}`)))));
          } catch (e) {
            replace(el, errorState(e));
          }
        },
        destroy() {},
      };
    }
    case 'tcp': {
      const ip = (w.settings.ip ?? '').trim();
      const chart = new TimeChart('TCP', [
        { label: 'Payload', color: PALETTE[0] },
        { label: 'Retransmitted', color: PALETTE[3] },
      ], 'bps', 160);
      chart.el.classList.add('bare');
      const summary = h('div', { class: 'widget-summary' }, loading());
      return {
        el: h('div', null, summary, chart.el),
        async refresh() {
          try {
            const s = await get<TcpStats>(ip ? api.ipSub(ip, 'tcpStats') : api.tcp, windowParams(200));
            const c = new TcpCounters(s.counters, s.interval);
            const secs = (v: number | null) => (v === null ? '–' : fmt.duration(v));
            const retrans = c.retransmissionPercent();
            replace(
              summary,
              ip ? h('div', null, ipLink(ip)) : null,
              facts([
                ['Payload', fmt.bytes(c.get('payloadBytes'))],
                ['Retransmitted', `${fmt.bytes(c.get('retransmittedBytes'))} (${retrans === null ? '–' : retrans.toFixed(2) + ' %'})`],
                ['Handshake avg', secs(c.avgSeconds('handshakeNsAsClient', 'handshakesAsClient'))],
                ['Data response avg', secs(c.avgSeconds('dataResponseNs', 'dataResponses'))],
                ['Zero windows / dup ACKs', `${fmt.integer(c.get('zeroWindows'))} / ${fmt.integer(c.get('dupAcks'))}`],
              ]),
            );
            const hist = s.history;
            const step = hist && hist.timespan > 0 ? hist.timespan : 1;
            const xs = hist ? hist.values.map((_, i) => hist.starttime + i * step) : [];
            const at = (name: string) => (hist ? hist.values.map((p) => (new TcpCounters(s.counters, p).get(name) * 8) / step) : []);
            chart.setData(xs, [at('payloadBytes'), at('retransmittedBytes')]);
          } catch (e) {
            replace(summary, errorState(e));
            chart.showError('No data');
          }
        },
        destroy: () => chart.destroy(),
      };
    }
    case 'l7': {
      const name = (w.settings.protocol ?? '').trim();
      if (!name) {
        const el = h('div', null, loading());
        return {
          el,
          async refresh() {
            try {
              const { rows } = await fetchList<CounterRow & { name: string }>(api.l7Protocols, { sort: 'bytes', reverse: true, page: 0, count: 8, filter: '' }, windowParams());
              const parts = rows.map((r) => ({ label: r.name, value: r.interval?.[1] ?? 0 })).filter((p) => p.value > 0);
              if (!parts.length) return replace(el, empty('No traffic in the selected time range'));
              replace(el, h('div', { class: 'share' }, donut(parts, 100), h('div', null, ...parts.map((p, i) => h('div', null, h('span', { class: 'swatch', style: { background: PALETTE[i % PALETTE.length] } }), link(`/l7/${encodeURIComponent(p.label)}`, p.label), `: ${fmt.bytes(p.value)}`)))));
            } catch (e) {
              replace(el, errorState(e));
            }
          },
          destroy() {},
        };
      }
      const chart = new TimeChart(`L7 ${name}`, [{ label: name, color: PALETTE[0] }], 'bps', 180);
      chart.el.classList.add('bare');
      const summary = h('div', { class: 'widget-summary' });
      return {
        el: h('div', null, summary, chart.el),
        async refresh() {
          try {
            const r = await get<CounterRow & { name: string; connections?: number; history?: History }>(api.l7Protocol(name), windowParams(200));
            const [xs, ys] = historySeries(r.history, [(p, s) => ((p[1] ?? 0) * 8) / s]);
            chart.setData(xs, ys);
            replace(summary, link(`/l7/${encodeURIComponent(r.name)}`, r.name), ` · ${fmt.bytes(r.interval?.[1])} · ${fmt.bitsPerSecond(r.intervalPerSecond?.[1])} average · ${fmt.integer(r.connections)} connections`);
          } catch (e) {
            replace(summary, errorState(e));
            chart.showError('No data');
          }
        },
        destroy: () => chart.destroy(),
      };
    }
    case 'app': {
      const kind = (w.settings.kind || 'http').trim().toLowerCase();
      const el = h('div', null, loading());
      const paths: Record<string, string> = { http: api.http, ssl: api.ssl, tls: api.ssl, dns: api.dns, quic: api.quic };
      return {
        el,
        async refresh() {
          const path = paths[kind];
          if (!path) return replace(el, empty('Configure the widget with http, ssl, dns or quic.'));
          try {
            const s = await get<Record<string, unknown>>(path, windowParams());
            const n = (k: string) => fmt.integer(s[k] as number);
            const rows: [string, string][] =
              kind === 'http'
                ? [['Servers', n('servers')], ['Requests / responses', `${n('requests')} / ${n('responses')}`], ['Response time', responseTimeText(s.responseTime as ResponseTime)], ['Status codes', countsText(s.statusFamilies as Record<string, number>)]]
                : kind === 'dns'
                  ? [['Servers', n('servers')], ['Requests / replies', `${n('requests')} / ${n('replies')}`], ['Resolved names', n('resolvedNames')]]
                  : kind === 'quic'
                    ? [['Servers', n('servers')], ['Connections', n('connections')]]
                    : [['Servers / clients', `${n('servers')} / ${n('clients')}`], ['Handshakes', n('handshakes')], ['Handshake response', responseTimeText(s.handshakeResponseTime as ResponseTime)], ['First data response', responseTimeText(s.firstDataResponseTime as ResponseTime)]];
            replace(el, h('div', null, link(`/${kind === 'tls' ? 'ssl' : kind}`, kind.toUpperCase()), ' (all time)'), facts(rows));
          } catch (e) {
            replace(el, errorState(e));
          }
        },
        destroy() {},
      };
    }
  }
}
