// Running captures with stop buttons, and starting a capture from an expression
// (reference: capture module).
import { del, get } from '../api';
import { capabilities } from '../capabilities';
import { openCaptureDialog } from '../components/capture';
import { card, pageHeader } from '../components/misc';
import { empty, errorState, loading } from '../components/states';
import { h, replace } from '../dom';
import { api } from '../endpoints';
import * as fmt from '../format';
import { Page } from './page';

interface CaptureInfo {
  id: string | number;
  user?: string;
  client?: string;
  expression?: string;
  packets?: number;
  bytes?: number;
  dropped?: number;
  ignored?: number;
  started?: number;
  destination?: string;
  fileName?: string;
  [key: string]: unknown;
}

export function capturesPage(): Page {
  const list = h('div', null, loading());
  const expression = h('input', { class: 'wide', placeholder: 'Filter expression, e.g. ip == 10.0.0.1 and l4Protocol == TCP', 'aria-label': 'Capture expression' });
  const start = h(
    'button',
    {
      class: 'button primary',
      disabled: !capabilities.capture,
      onclick: () => openCaptureDialog({ expression: expression.value.trim(), name: 'capture' }),
    },
    'Capture…',
  );
  const el = h(
    'div',
    { class: 'page', 'data-page': 'captures' },
    pageHeader('Captures'),
    card('Start a capture', h('div', { class: 'row' }, expression, start)),
    card('Running captures', list),
  );
  return {
    el,
    title: 'Captures',
    async refresh() {
      if (!capabilities.capture) {
        replace(list, empty('Packet capture is not available on this server (no /API/data/modules/capture).'));
        return;
      }
      try {
        const data = await get<unknown>(api.captures);
        const rows = (Array.isArray(data) ? data : ((data as Record<string, unknown>)?.captures ?? (data as Record<string, unknown>)?.displayedItems ?? [])) as CaptureInfo[];
        if (rows.length === 0) return replace(list, empty('No capture is running.'));
        replace(
          list,
          h(
            'table',
            { class: 'compact', 'data-testid': 'captures' },
            h('thead', null, h('tr', null, ...['Filter', 'User', 'Client', 'Started', 'Packets', 'Bytes', 'Dropped', 'Destination', ''].map((t) => h('th', null, t)))),
            h(
              'tbody',
              null,
              ...rows.map((c) =>
                h(
                  'tr',
                  null,
                  h('td', null, c.expression || 'everything'),
                  h('td', null, c.user ?? '–'),
                  h('td', null, c.client ?? '–'),
                  h('td', null, fmt.microTime(c.started)),
                  h('td', { class: 'num' }, fmt.integer(c.packets)),
                  h('td', { class: 'num' }, fmt.bytes(c.bytes)),
                  h('td', { class: 'num' }, fmt.integer(c.dropped)),
                  h('td', null, c.destination ?? c.fileName ?? '–'),
                  h(
                    'td',
                    null,
                    h(
                      'button',
                      {
                        class: 'button danger',
                        'data-testid': 'stop-capture',
                        onclick: async () => {
                          await del(`${api.captures}/${encodeURIComponent(String(c.id))}`);
                          await this.refresh();
                        },
                      },
                      'Stop',
                    ),
                  ),
                ),
              ),
            ),
          ),
        );
      } catch (e) {
        replace(list, errorState(e));
      }
    },
  };
}
