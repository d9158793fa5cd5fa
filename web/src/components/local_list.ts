// Sorting, substring filtering and paging of a list the API returns whole (e.g. the open TCP server
// ports), so that it shows in a DataTable like the server-side paged lists.
import { ListQuery, ListResult } from './table';

export type SortKey<R> = (row: R) => number | string;

export function localList<R>(rows: R[], q: ListQuery, sorters: Record<string, SortKey<R>>, text: (row: R) => string): ListResult<R> {
  const needle = q.filter.trim().toLowerCase();
  const kept = needle ? rows.filter((r) => text(r).toLowerCase().includes(needle)) : rows.slice();
  const key = sorters[q.sort];
  if (key) {
    kept.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'en', { numeric: true });
      return q.reverse ? -c : c;
    });
  }
  return { rows: kept.slice(q.page * q.count, (q.page + 1) * q.count), total: kept.length };
}
