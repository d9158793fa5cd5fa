// The API's counter objects: arrays [rx packets, rx bytes, tx packets, tx bytes, ...] ("rxtx") or
// [packets, bytes] ("pb"), as allTime / interval / lastSecond / intervalPerSecond.
import * as fmt from './format';
import { Column } from './components/table';

export type Layout = 'rxtx' | 'pb';

export interface CounterRow {
  allTime?: number[];
  interval?: number[];
  lastSecond?: number[];
  intervalPerSecond?: number[];
  firstActivity?: number | null;
  lastActivity?: number | null;
  [key: string]: unknown;
}

const at = (a: number[] | undefined, i: number): number => (a && typeof a[i] === 'number' ? a[i] : 0);

export function packets(c: number[] | undefined, layout: Layout): number {
  return layout === 'pb' ? at(c, 0) : at(c, 0) + at(c, 2);
}
export function bytesOf(c: number[] | undefined, layout: Layout): number {
  return layout === 'pb' ? at(c, 1) : at(c, 1) + at(c, 3);
}
export const rxPackets = (c?: number[]) => at(c, 0);
export const rxBytes = (c?: number[]) => at(c, 1);
export const txPackets = (c?: number[]) => at(c, 2);
export const txBytes = (c?: number[]) => at(c, 3);

// Traffic columns for a list of counter rows, following the selected interval.
export function trafficColumns<R extends CounterRow>(layout: Layout, activity = true): Column<R>[] {
  const cols: Column<R>[] = [
    {
      key: 'packets',
      label: 'Packets',
      numeric: true,
      sort: 'packets',
      render: (r) => fmt.integer(packets(r.interval, layout)),
      title: 'Packets in the selected time range',
    },
    {
      key: 'bytes',
      label: 'Bytes',
      numeric: true,
      sort: 'bytes',
      render: (r) => fmt.bytes(bytesOf(r.interval, layout)),
      title: 'Bytes in the selected time range',
    },
  ];
  if (layout === 'rxtx') {
    cols.push(
      { key: 'rxbytes', label: 'Rx bytes', numeric: true, sort: 'rxbytes', hidden: true, render: (r) => fmt.bytes(rxBytes(r.interval)) },
      { key: 'txbytes', label: 'Tx bytes', numeric: true, sort: 'txbytes', hidden: true, render: (r) => fmt.bytes(txBytes(r.interval)) },
      { key: 'rxpackets', label: 'Rx packets', numeric: true, sort: 'rxpackets', hidden: true, render: (r) => fmt.integer(rxPackets(r.interval)) },
      { key: 'txpackets', label: 'Tx packets', numeric: true, sort: 'txpackets', hidden: true, render: (r) => fmt.integer(txPackets(r.interval)) },
    );
  }
  cols.push(
    {
      key: 'pps',
      label: 'Packets/s',
      numeric: true,
      sort: 'pps',
      render: (r) => fmt.packetsPerSecond(packets(r.intervalPerSecond, layout)),
      title: 'Average over the selected time range',
    },
    {
      key: 'bps',
      label: 'Bit/s',
      numeric: true,
      sort: 'bps',
      render: (r) => fmt.bitsPerSecond(bytesOf(r.intervalPerSecond, layout)),
      title: 'Average over the selected time range',
    },
    {
      key: 'allbytes',
      label: 'Bytes (all time)',
      numeric: true,
      hidden: true,
      render: (r) => fmt.bytes(bytesOf(r.allTime, layout)),
    },
  );
  if (activity) {
    cols.push(
      { key: 'first', label: 'First activity', hidden: true, render: (r) => fmt.microTime(r.firstActivity) },
      { key: 'last', label: 'Last activity', render: (r) => fmt.microTime(r.lastActivity) },
    );
  }
  return cols;
}
