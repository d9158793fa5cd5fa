// A page made of one paged list of the API (VLANs, server ports, packet sizes, QoS, MAC protocols,
// MACs, IPs, connections): the table follows the global time selection.
import { Params } from '../api';
import { Column, DataTable, fetchList, listCsvUrl } from '../components/table';
import { pageHeader } from '../components/misc';
import { CounterRow, Layout, trafficColumns } from '../counters';
import { h } from '../dom';
import { windowParams } from '../time';
import { Page } from './page';

export interface ListPageOptions<R> {
  id: string;
  title: string;
  description?: string;
  path: string;
  keyColumns: Column<R>[];
  layout?: Layout; // traffic columns appended
  extraColumns?: Column<R>[];
  defaultSort?: string;
  params?: Params;
  filter?: boolean | string;
  initialFilter?: string;
  activity?: boolean;
}

export function listTable<R extends CounterRow>(o: ListPageOptions<R>): DataTable<R> {
  const columns = [...o.keyColumns, ...(o.layout ? trafficColumns<R>(o.layout, o.activity ?? true) : []), ...(o.extraColumns ?? [])];
  return new DataTable<R>({
    id: o.id,
    columns,
    defaultSort: o.defaultSort ?? 'bytes',
    filter: o.filter ?? true,
    initialFilter: o.initialFilter,
    load: (q) => fetchList<R>(o.path, q, { ...o.params, ...windowParams() }),
    csvUrl: (q) => listCsvUrl(o.path, q, { ...o.params, ...windowParams() }),
  });
}

export function listPage<R extends CounterRow>(o: ListPageOptions<R>): Page {
  const table = listTable(o);
  const el = h(
    'div',
    { class: 'page', 'data-page': o.id },
    pageHeader(o.title),
    o.description ? h('p', { class: 'muted' }, o.description) : null,
    h('section', { class: 'card' }, table.el),
  );
  return { el, title: o.title, refresh: () => table.refresh() };
}
