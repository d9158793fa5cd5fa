// A table over a server-side paged list: sort by clicking a header, pages, a filter box (substring,
// or a filter expression when it starts with '('), column toggles kept per table, CSV download.
import { Params, get, url } from '../api';
import { Child, debounce, h, replace } from '../dom';
import { describeError } from './states';

export interface Column<R> {
  key: string;
  label: string;
  render: (row: R) => Child;
  sort?: string; // the API's sort column; absent: not sortable
  numeric?: boolean;
  hidden?: boolean; // hidden by default
  title?: string;
}

export interface ListQuery {
  sort: string;
  reverse: boolean;
  page: number;
  count: number;
  filter: string;
}

export interface ListResult<R> {
  rows: R[];
  total: number;
}

export interface TableOptions<R> {
  id: string; // persists column choices
  columns: Column<R>[];
  load: (q: ListQuery) => Promise<ListResult<R>>;
  csvUrl?: (q: ListQuery) => string;
  defaultSort: string;
  defaultReverse?: boolean;
  pageSize?: number;
  filter?: boolean | string; // placeholder
  initialFilter?: string;
  emptyText?: string;
}

// Reads a paged list of the API: {"displayedItems": [...], "totalItems": N}.
export async function fetchList<R>(path: string, q: ListQuery, extra: Params = {}): Promise<ListResult<R>> {
  const data = await get<Record<string, unknown>>(path, {
    ...extra,
    sort: q.sort,
    reverse: q.reverse,
    page: q.page,
    count: q.count,
    filter: q.filter || undefined,
  });
  const rows = (data?.displayedItems ?? data?.items ?? []) as R[];
  const total = Number(data?.totalItems ?? data?.total ?? rows.length);
  return { rows, total };
}

export function listCsvUrl(path: string, q: ListQuery, extra: Params = {}): string {
  return url(path, { ...extra, sort: q.sort, reverse: q.reverse, filter: q.filter || undefined, csv: true });
}

export class DataTable<R> {
  readonly el: HTMLElement;
  private query: ListQuery;
  private visible: Set<string>;
  private tbody: HTMLTableSectionElement;
  private thead: HTMLTableSectionElement;
  private info: HTMLElement;
  private pager: HTMLElement;
  private status: HTMLElement;
  private csv: HTMLAnchorElement | null = null;
  private generation = 0;
  private total = 0;

  constructor(private opts: TableOptions<R>) {
    this.query = {
      sort: opts.defaultSort,
      reverse: opts.defaultReverse ?? true,
      page: 0,
      count: opts.pageSize ?? 25,
      filter: opts.initialFilter ?? '',
    };
    this.visible = this.loadColumns();
    this.thead = h('thead');
    this.tbody = h('tbody');
    this.info = h('span', { class: 'table-info' });
    this.pager = h('div', { class: 'pager' });
    this.status = h('div', { class: 'table-status' });
    const toolbar = h('div', { class: 'table-toolbar' });
    if (opts.filter !== false) {
      const placeholder = typeof opts.filter === 'string' ? opts.filter : 'Filter: text, or (expression)';
      const input = h('input', {
        type: 'search',
        class: 'filter',
        placeholder,
        value: this.query.filter,
        'aria-label': 'Filter',
      });
      const apply = debounce(() => {
        this.query.filter = input.value.trim();
        this.query.page = 0;
        void this.refresh();
      }, 350);
      input.addEventListener('input', apply);
      toolbar.append(input);
    }
    toolbar.append(this.columnMenu());
    if (opts.csvUrl) {
      this.csv = h('a', { class: 'button', download: `${opts.id}.csv`, href: '#' }, 'CSV');
      toolbar.append(this.csv);
    }
    this.el = h(
      'div',
      { class: 'data-table', 'data-table': opts.id },
      toolbar,
      h('div', { class: 'table-scroll' }, h('table', null, this.thead, this.tbody)),
      this.status,
      h('div', { class: 'table-footer' }, this.info, this.pager),
    );
    this.renderHead();
  }

  private storageKey(): string {
    return `netmeter.columns.${this.opts.id}`;
  }

  private loadColumns(): Set<string> {
    try {
      const saved = JSON.parse(localStorage.getItem(this.storageKey()) ?? 'null');
      if (Array.isArray(saved)) return new Set(saved);
    } catch {
      /* defaults */
    }
    return new Set(this.opts.columns.filter((c) => !c.hidden).map((c) => c.key));
  }

  private columnMenu(): HTMLElement {
    const list = h('div', { class: 'menu-list' });
    for (const col of this.opts.columns) {
      const box = h('input', { type: 'checkbox', checked: this.visible.has(col.key), 'data-column': col.key });
      box.addEventListener('change', () => {
        if (box.checked) this.visible.add(col.key);
        else this.visible.delete(col.key);
        localStorage.setItem(this.storageKey(), JSON.stringify([...this.visible]));
        this.renderHead();
        this.renderRows(this.lastRows);
      });
      list.append(h('label', null, box, col.label));
    }
    return h('details', { class: 'menu columns-menu' }, h('summary', { class: 'button' }, 'Columns'), list);
  }

  private columns(): Column<R>[] {
    return this.opts.columns.filter((c) => this.visible.has(c.key));
  }

  private renderHead(): void {
    const row = h('tr');
    for (const col of this.columns()) {
      const sorted = col.sort && col.sort === this.query.sort;
      const th = h(
        'th',
        {
          class: [col.numeric ? 'num' : '', col.sort ? 'sortable' : '', sorted ? 'sorted' : ''].join(' ').trim(),
          title: col.title ?? (col.sort ? 'Sort by ' + col.label : undefined),
          'aria-sort': sorted ? (this.query.reverse ? 'descending' : 'ascending') : undefined,
          'data-sort': col.sort,
        },
        col.label,
        sorted ? h('span', { class: 'arrow' }, this.query.reverse ? ' ▼' : ' ▲') : null,
      );
      if (col.sort) {
        th.addEventListener('click', () => {
          if (this.query.sort === col.sort) this.query.reverse = !this.query.reverse;
          else {
            this.query.sort = col.sort!;
            this.query.reverse = col.numeric ?? true;
          }
          this.query.page = 0;
          this.renderHead();
          void this.refresh();
        });
      }
      row.append(th);
    }
    replace(this.thead, row);
  }

  private lastRows: R[] = [];

  private renderRows(rows: R[]): void {
    this.lastRows = rows;
    const cols = this.columns();
    const trs = rows.map((r) => h('tr', null, ...cols.map((c) => cell(c, r))));
    replace(this.tbody, ...trs);
  }

  private renderPager(): void {
    const pages = Math.max(1, Math.ceil(this.total / this.query.count));
    const go = (p: number) => {
      this.query.page = Math.min(Math.max(0, p), pages - 1);
      void this.refresh();
    };
    const first = this.query.page * this.query.count;
    this.info.textContent =
      this.total === 0
        ? ''
        : `${(first + 1).toLocaleString('en-US')}–${Math.min(first + this.query.count, this.total).toLocaleString(
            'en-US',
          )} of ${this.total.toLocaleString('en-US')}`;
    const size = h(
      'select',
      { 'aria-label': 'Rows per page' },
      ...[10, 25, 50, 100].map((n) => h('option', { value: n, selected: n === this.query.count }, `${n} rows`)),
    );
    size.addEventListener('change', () => {
      this.query.count = Number(size.value);
      this.query.page = 0;
      void this.refresh();
    });
    replace(
      this.pager,
      size,
      h('button', { class: 'button', disabled: this.query.page === 0, onclick: () => go(0), title: 'First page' }, '«'),
      h('button', { class: 'button', disabled: this.query.page === 0, onclick: () => go(this.query.page - 1), 'data-page': 'prev' }, '‹ Prev'),
      h('span', { class: 'page-no' }, `Page ${this.query.page + 1} / ${pages}`),
      h(
        'button',
        { class: 'button', disabled: this.query.page >= pages - 1, onclick: () => go(this.query.page + 1), 'data-page': 'next' },
        'Next ›',
      ),
      h('button', { class: 'button', disabled: this.query.page >= pages - 1, onclick: () => go(pages - 1), title: 'Last page' }, '»'),
    );
  }

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    if (this.lastRows.length === 0) {
      this.status.className = 'table-status state loading';
      this.status.textContent = 'Loading…';
    }
    this.el.classList.add('busy');
    try {
      const result = await this.opts.load({ ...this.query });
      if (generation !== this.generation) return;
      this.total = result.total;
      if (result.rows.length === 0 && this.query.page > 0 && this.total > 0) {
        this.query.page = Math.max(0, Math.ceil(this.total / this.query.count) - 1);
        return this.refresh();
      }
      this.renderRows(result.rows);
      this.renderPager();
      if (result.rows.length === 0) {
        this.status.className = 'table-status state empty';
        this.status.textContent = this.query.filter
          ? `Nothing matches “${this.query.filter}” in the selected time range`
          : (this.opts.emptyText ?? 'Nothing seen in the selected time range');
      } else {
        this.status.className = 'table-status';
        this.status.textContent = '';
      }
      if (this.csv && this.opts.csvUrl) this.csv.href = this.opts.csvUrl({ ...this.query });
    } catch (e) {
      if (generation !== this.generation) return;
      this.renderRows([]);
      this.total = 0;
      this.renderPager();
      this.status.className = 'table-status state error';
      this.status.setAttribute('role', 'alert');
      this.status.textContent = describeError(e);
    } finally {
      if (generation === this.generation) this.el.classList.remove('busy');
    }
  }
}

// One cell; `data-col` names its column (for tests and user styles).
function cell<R>(c: Column<R>, r: R): HTMLElement {
  return h('td', { class: c.numeric ? 'num' : undefined, 'data-col': c.key }, c.render(r));
}

// A table of rows the API returned whole (no paging), with the same column definitions.
export function staticTable<R>(testid: string, columns: Column<R>[], rows: R[]): HTMLElement {
  const cols = columns.filter((c) => !c.hidden);
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { 'data-testid': testid },
      h('thead', null, h('tr', null, ...cols.map((c) => h('th', { class: c.numeric ? 'num' : undefined, title: c.title }, c.label)))),
      h('tbody', null, ...rows.map((r) => h('tr', null, ...cols.map((c) => cell(c, r))))),
    ),
  );
}
