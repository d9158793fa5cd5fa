// Shapes and small renderers shared by the application-layer pages (L7 protocols, DNS, HTTP, SSL/TLS,
// QUIC): response-time objects, alternative names, counted name lists.
import { Child, h } from './dom';
import * as fmt from './format';

// {"count", "avg", "stddev", "min", "max"} in ns ("min" null without any).
export interface ResponseTime {
  count?: number;
  avg?: number | null;
  stddev?: number | null;
  min?: number | null;
  max?: number | null;
}

export const ns = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : fmt.duration(v / 1e9));

export function responseTimeText(rt: ResponseTime | undefined | null): string {
  if (!rt || !rt.count) return '–';
  return `avg ${ns(rt.avg)} (±${ns(rt.stddev)}), min ${ns(rt.min)}, max ${ns(rt.max)}, ${fmt.integer(rt.count)}×`;
}

// A list of names as chips, at most `max` shown, the rest as "+N".
export function chips(items: Child[], max = 3): Child {
  if (!items.length) return '–';
  return h('span', { class: 'chips' }, ...items.slice(0, max).map((x) => h('span', { class: 'chip' }, x)), items.length > max ? h('span', { class: 'more', title: `${items.length - max} more` }, `+${items.length - max}`) : null);
}

export function names(list: unknown, max = 2): Child {
  return Array.isArray(list) && list.length ? chips(list.map(String), max) : '–';
}

// {"a": 3, "b": 1} as "a 3 · b 1", largest first.
export function countsText(counts: Record<string, number> | undefined | null): string {
  const e = Object.entries(counts ?? {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  return e.length ? e.map(([k, n]) => `${k} ${fmt.integer(n)}`).join(' · ') : '–';
}

// The quoted operand of a filter expression when it needs quotes.
export function operand(v: string): string {
  return /^[A-Za-z0-9_.:/-]+$/.test(v) ? v : `"${v.replace(/"/g, '')}"`;
}
