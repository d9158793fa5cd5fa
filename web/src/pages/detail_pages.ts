// The detail page of a MAC address.
import { get } from '../api';
import { History, PALETTE, TimeChart, historySeries, rxBits, txBits } from '../components/chart';
import { captureButton } from '../components/capture';
import { jsonFacts, counterText } from '../components/json_view';
import { card, facts, ipLink, pageHeader } from '../components/misc';
import { errorState, loading } from '../components/states';
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
