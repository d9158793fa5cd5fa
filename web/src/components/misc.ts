import { Child, h, link } from '../dom';

export function pageHeader(title: string, ...extra: Child[]): HTMLElement {
  return h('div', { class: 'page-header' }, h('h1', null, title), h('div', { class: 'page-actions' }, ...extra));
}

export function card(title: string | null, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, title ? h('h3', null, title) : null, ...children);
}

export function ipLink(ip: string | undefined): Child {
  if (!ip) return '–';
  return link(`/ips/${encodeURIComponent(ip)}`, ip);
}

export function macLink(mac: string | undefined): Child {
  if (!mac) return '–';
  return link(`/macs/${encodeURIComponent(mac)}`, mac);
}

// A key/value table for detail pages.
export function facts(rows: [string, Child][]): HTMLElement {
  return h(
    'table',
    { class: 'facts' },
    h('tbody', null, ...rows.map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, v)))),
  );
}

export class Tabs {
  readonly el: HTMLElement;
  private bar: HTMLElement;
  private body: HTMLElement;
  private active = '';

  constructor(
    tabs: { id: string; label: string }[],
    private onSelect: (id: string, body: HTMLElement) => void,
    initial?: string,
  ) {
    this.bar = h('div', { class: 'tabs', role: 'tablist' });
    this.body = h('div', { class: 'tab-body', role: 'tabpanel' });
    this.el = h('div', null, this.bar, this.body);
    for (const t of tabs) {
      this.bar.append(
        h('button', { class: 'tab', role: 'tab', 'data-tab': t.id, onclick: () => this.select(t.id) }, t.label),
      );
    }
    this.select(initial && tabs.some((t) => t.id === initial) ? initial : tabs[0].id);
  }

  select(id: string): void {
    this.active = id;
    for (const b of this.bar.querySelectorAll('button')) {
      b.setAttribute('aria-selected', String((b as HTMLElement).dataset.tab === id));
    }
    this.body.replaceChildren();
    this.onSelect(id, this.body);
  }

  current(): string {
    return this.active;
  }
}
