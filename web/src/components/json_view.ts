// Renders any JSON object readably: scalars as facts, counter arrays with units, nested objects as
// sub-tables. Used where a resource has fields the UI has no special view for.
import { Child, h } from '../dom';
import * as fmt from '../format';
import { facts } from './misc';

const COUNTER_KEYS = new Set(['allTime', 'interval', 'lastSecond', 'intervalPerSecond']);

function label(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .replace(/^./, (c) => c.toUpperCase());
}

function scalar(key: string, v: unknown): Child {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') {
    const k = key.toLowerCase();
    if (k.endsWith('activity') || k === 'start' || k === 'end' || k.endsWith('time') && v > 1e14) return fmt.microTime(v);
    if (k.includes('byte')) return fmt.bytes(v);
    if (k.endsWith('ms')) return `${v} ms`;
    return fmt.integer(v);
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

export function counterText(key: string, v: number[]): string {
  const perSecond = key === 'intervalPerSecond';
  const [rxP, rxB, txP, txB] = v;
  if (v.length >= 4) {
    return perSecond
      ? `rx ${fmt.bitsPerSecond(rxB)}, ${fmt.packetsPerSecond(rxP)} · tx ${fmt.bitsPerSecond(txB)}, ${fmt.packetsPerSecond(txP)}`
      : `rx ${fmt.integer(rxP)} pkts, ${fmt.bytes(rxB)} · tx ${fmt.integer(txP)} pkts, ${fmt.bytes(txB)}`;
  }
  if (v.length >= 2) {
    return perSecond ? `${fmt.bitsPerSecond(rxB)}, ${fmt.packetsPerSecond(rxP)}` : `${fmt.integer(rxP)} pkts, ${fmt.bytes(rxB)}`;
  }
  return v.join(', ');
}

export function jsonFacts(obj: Record<string, unknown>, skip: string[] = []): HTMLElement {
  const rows: [string, Child][] = [];
  for (const [k, v] of Object.entries(obj ?? {})) {
    if (skip.includes(k) || k === 'history') continue;
    if (COUNTER_KEYS.has(k) && Array.isArray(v)) rows.push([label(k), counterText(k, v as number[])]);
    else if (Array.isArray(v)) {
      rows.push([
        label(k),
        v.length === 0
          ? '–'
          : v.every((x) => typeof x !== 'object' || x === null)
            ? v.join(', ')
            : h('div', { class: 'nested' }, ...v.slice(0, 50).map((x) => jsonFacts(x as Record<string, unknown>))),
      ]);
    } else if (v && typeof v === 'object') rows.push([label(k), jsonFacts(v as Record<string, unknown>)]);
    else rows.push([label(k), scalar(k, v)]);
  }
  return facts(rows);
}
