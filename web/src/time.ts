// The global time selection that every page and counter follows.
// - live: the last `span` seconds of packet time, moving with the trace, refreshed every few seconds;
// - range: a fixed interval [start, end) of packet time ("back in time"), e.g. from dragging on a graph.
import { get } from './api';

export type TimeSelection = { mode: 'live'; span: number } | { mode: 'range'; start: number; end: number };

export interface TraceTime {
  first: number; // first second with packets (epoch s)
  last: number; // last complete second
  known: boolean;
}

export interface Window {
  start: number;
  end: number; // exclusive
}

const STORAGE_KEY = 'netmeter.time';
export const LIVE_SPANS: [number, string][] = [
  [60, 'last minute'],
  [300, 'last 5 minutes'],
  [900, 'last 15 minutes'],
  [3600, 'last hour'],
  [86400, 'last day'],
  [0, 'whole trace'],
];
export const REFRESH_MS = 5000;

let selection: TimeSelection = load();
let trace: TraceTime = { first: 0, last: 0, known: false };
const listeners = new Set<() => void>();

function load(): TimeSelection {
  try {
    const s = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    if (s && s.mode === 'live' && typeof s.span === 'number') return s;
    if (s && s.mode === 'range' && typeof s.start === 'number' && typeof s.end === 'number' && s.end > s.start)
      return s;
  } catch {
    /* default */
  }
  return { mode: 'live', span: 0 };
}

export function getSelection(): TimeSelection {
  return selection;
}

export function setSelection(s: TimeSelection): void {
  selection = s;
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
  for (const fn of listeners) fn();
}

export function setRange(start: number, end: number): void {
  const s = Math.floor(start);
  const e = Math.max(Math.ceil(end), s + 1);
  setSelection({ mode: 'range', start: s, end: e });
}

export function onSelectionChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function traceTime(): TraceTime {
  return trace;
}

// Reads where packet time stands from /API/stats/time.
export async function updateTraceTime(): Promise<TraceTime> {
  const t = await get<Record<string, unknown>>('/API/stats/time');
  const num = (...keys: string[]): number | undefined => {
    for (const k of keys) {
      const v = t?.[k];
      if (typeof v === 'number' && Number.isFinite(v)) return v;
    }
    return undefined;
  };
  const first = num('firstSecond', 'starttime', 'first', 'start');
  const last = num('lastSecond', 'endtime', 'last', 'end', 'now');
  if (first !== undefined && last !== undefined && last >= first) {
    trace = { first, last, known: true };
  } else if (last !== undefined) {
    trace = { first: last, last, known: true };
  } else {
    trace = { first: 0, last: 0, known: false };
  }
  return trace;
}

// The interval of the current selection in epoch seconds [start, end).
export function currentWindow(): Window {
  if (selection.mode === 'range') return { start: selection.start, end: selection.end };
  const end = trace.last + 1;
  const start = selection.span > 0 ? Math.max(end - selection.span, trace.first) : trace.first;
  return { start: Math.min(start, end - 1), end };
}

// Query parameters for the current selection.
export function windowParams(values?: number): Record<string, number> {
  const w = currentWindow();
  const p: Record<string, number> = { starttime: w.start, endtime: w.end };
  if (values !== undefined) p.values = values;
  return p;
}
