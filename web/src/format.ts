// Readable numbers: bit/s and bytes with SI units, packet counts, times with the time zone.

const SI = ['', 'k', 'M', 'G', 'T', 'P'];
const BIN = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

function scaled(value: number, base: number, units: string[]): [string, string] {
  if (!Number.isFinite(value)) return ['–', units[0]];
  let i = 0;
  let v = Math.abs(value);
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  const sign = value < 0 ? '-' : '';
  if (i === 0 && v > 0 && v < 1) return [sign + belowOne(v), units[0]];
  let digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  if (i === 0) digits = Number.isInteger(v) || v >= 100 ? 0 : 1;
  return [sign + v.toFixed(digits), units[i]];
}

// 0 < v < 1 with two significant digits ("0.25", "0.00041"): long averages of rare events, and
// chart axes over years, whose ticks one decimal would all show as "0.0".
function belowOne(v: number): string {
  const digits = Math.min(20, 1 - Math.floor(Math.log10(v)));
  return v.toFixed(digits).replace(/0+$/, '').replace(/\.$/, '');
}

export function bitsPerSecond(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined || bytesPerSecond === null) return '–';
  const [n, u] = scaled(bytesPerSecond * 8, 1000, SI);
  return `${n} ${u}bit/s`;
}

export function bytes(count: number | undefined): string {
  if (count === undefined || count === null) return '–';
  const [n, u] = scaled(count, 1024, BIN);
  return `${n} ${u}`;
}

export function count(n: number | undefined): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '–';
  if (n !== 0 && Math.abs(n) < 1) return (n < 0 ? '-' : '') + belowOne(Math.abs(n));
  if (Math.abs(n) < 10000) return Number.isInteger(n) ? String(n) : n.toFixed(1);
  const [v, u] = scaled(n, 1000, SI);
  return `${v} ${u}`;
}

export function packetsPerSecond(n: number | undefined): string {
  if (n === undefined || n === null) return '–';
  return `${count(n)} pkt/s`;
}

export function integer(n: number | undefined): string {
  if (n === undefined || n === null) return '–';
  return n.toLocaleString('en-US');
}

export function percent(part: number, total: number): string {
  if (!total) return '–';
  const p = (100 * part) / total;
  return p > 0 && p < 0.1 ? '<0.1 %' : `${p.toFixed(1)} %`;
}

const zone = (() => {
  const parts = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(new Date());
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
})();

export function timeZoneName(): string {
  return zone;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

// Epoch seconds (fractional allowed) -> "2024-03-01 12:34:56 CET".
export function dateTime(epochSeconds: number | undefined | null, withZone = true): string {
  if (epochSeconds === undefined || epochSeconds === null || !Number.isFinite(epochSeconds)) return '–';
  const d = new Date(epochSeconds * 1000);
  const s = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}`;
  return withZone ? `${s} ${zone}` : s;
}

// An epoch time in s, ms, µs or ns (told apart by magnitude) -> seconds.
export function epochSeconds(v: number): number {
  const a = Math.abs(v);
  if (a >= 1e17) return v / 1e9;
  if (a >= 1e14) return v / 1e6;
  if (a >= 1e11) return v / 1e3;
  return v;
}

// The API's activity times (epoch microseconds) -> date time with milliseconds.
export function microTime(t: number | undefined | null): string {
  if (t === undefined || t === null || !Number.isFinite(t)) return '–';
  const s = epochSeconds(t);
  const ms = Math.floor((s - Math.floor(s)) * 1000);
  return `${dateTime(Math.floor(s), false)}.${pad(ms, 3)} ${zone}`;
}

// Axis labels for a time scale: the date only where it changes, seconds only when steps are short;
// steps of a month or more show the month ("2017-04"), of a year or more the year.
export function axisTimes(splits: number[], step: number): string[] {
  let lastDay = '';
  return splits.map((t) => {
    const d = new Date(t * 1000);
    const month = `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
    if (step >= 365 * 86400) return String(d.getFullYear());
    if (step >= 28 * 86400) return month;
    const day = `${month}-${pad(d.getDate())}`;
    if (step >= 86400) return day;
    const time = step < 60 ? `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    const label = day !== lastDay ? `${time}\n${day}` : time;
    lastDay = day;
    return label;
  });
}

export function duration(seconds: number | undefined | null): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return '–';
  if (seconds < 0.001) return `${(seconds * 1e6).toFixed(0)} µs`;
  if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const s = Math.round(seconds);
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  if (d > 0) return `${d} d ${hh} h ${mm} min`;
  if (hh > 0) return `${hh} h ${mm} min ${ss} s`;
  return `${mm} min ${ss} s`;
}

// To <input type="datetime-local"> value and back (local time).
export function toLocalInput(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}`;
}

export function fromLocalInput(value: string): number | null {
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? Math.floor(t / 1000) : null;
}
