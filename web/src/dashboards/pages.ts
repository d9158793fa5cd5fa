// Custom dashboards (reference: custom dashboards): the list with templates, import and export,
// and one dashboard whose widgets are arranged by drag and drop. Saved on the server per user.
import { Me } from '../api';
import { capabilities } from '../capabilities';
import { card, pageHeader } from '../components/misc';
import { empty, errorState, loading, describeError } from '../components/states';
import { h, link, replace } from '../dom';
import { navigate } from '../router';
import { Page } from '../pages/page';
import {
  Dashboard,
  WIDGET_TYPES,
  Widget,
  WidgetType,
  deleteTemplate,
  loadDashboards,
  loadTemplates,
  newId,
  parseImported,
  saveDashboards,
  saveTemplate,
} from './model';
import { WidgetView, widgetView } from './widgets';

let currentUser: Me | null = null;
export function setDashboardUser(me: Me | null): void {
  currentUser = me;
}

function openDialog(title: string, fields: HTMLElement[], onOk: () => Promise<string | void> | string | void, okLabel = 'Save'): void {
  const message = h('div', { class: 'dialog-message' });
  const dialog = h(
    'dialog',
    { class: 'dialog' },
    h('h2', null, title),
    h('form', { method: 'dialog', class: 'form-grid' }, ...fields),
    message,
    h(
      'div',
      { class: 'dialog-actions' },
      h('button', { class: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h(
        'button',
        {
          class: 'button primary',
          'data-testid': 'dialog-ok',
          onclick: async () => {
            try {
              const problem = await onOk();
              if (problem) message.textContent = problem;
              else dialog.close();
            } catch (e) {
              message.textContent = describeError(e);
            }
          },
        },
        okLabel,
      ),
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

function download(name: string, text: string): void {
  const a = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'application/json' })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function exportable(d: Dashboard): string {
  return JSON.stringify({ name: d.name, description: d.description, widgets: d.widgets.map(({ type, caption, width, settings }) => ({ type, caption, width, settings })) }, null, 2);
}

export function dashboardsListPage(): Page {
  const mine = h('div', null, loading());
  const templates = h('div', null, loading());
  let list: Dashboard[] = [];
  const save = async (next: Dashboard[]) => {
    list = await saveDashboards(next);
    await page.refresh();
  };
  const create = () => {
    const name = h('input', { 'aria-label': 'Name', name: 'name', required: true });
    const description = h('input', { 'aria-label': 'Description', name: 'description' });
    openDialog('New dashboard', [h('label', null, 'Name', name), h('label', null, 'Description', description)], async () => {
      if (!name.value.trim()) return 'Give the dashboard a name.';
      const d: Dashboard = { id: newId(), name: name.value.trim(), description: description.value.trim() || undefined, widgets: [] };
      await save([...list, d]);
      navigate(`/dashboards/${d.id}`);
    });
  };
  const importFile = h('input', { type: 'file', accept: 'application/json,.json', hidden: true, 'data-testid': 'import-file' });
  importFile.addEventListener('change', async () => {
    const file = importFile.files?.[0];
    if (!file) return;
    try {
      const d = parseImported(await file.text());
      await save([...list, d]);
    } catch (e) {
      replace(mine, errorState(e));
    }
    importFile.value = '';
  });
  const el = h(
    'div',
    { class: 'page', 'data-page': 'dashboards' },
    pageHeader(
      'Custom dashboards',
      h('button', { class: 'button primary', onclick: create, 'data-testid': 'new-dashboard', disabled: !capabilities.dashboards }, 'New dashboard'),
      h('button', { class: 'button', onclick: () => importFile.click(), disabled: !capabilities.dashboards }, 'Import…'),
      importFile,
    ),
    card('My dashboards', mine),
    card('Templates (shared with every user)', templates),
  );
  const page: Page = {
    el,
    title: 'Custom dashboards',
    async refresh() {
      if (!capabilities.dashboards) {
        replace(mine, empty('This server does not store dashboards (no /API/system/dashboards).'));
        replace(templates);
        return;
      }
      try {
        list = await loadDashboards();
        if (!list.length) replace(mine, empty('No dashboard yet: create one, import a file or use a template.'));
        else
          replace(
            mine,
            h(
              'table',
              { class: 'compact', 'data-testid': 'dashboard-list' },
              h('tbody', null, ...list.map((d) => h(
                'tr',
                null,
                h('td', null, link(`/dashboards/${encodeURIComponent(d.id)}`, d.name)),
                h('td', { class: 'muted-cell' }, d.description ?? ''),
                h('td', null, `${d.widgets.length} widget${d.widgets.length === 1 ? '' : 's'}`),
                h(
                  'td',
                  { class: 'actions' },
                  h('button', {
                    class: 'button',
                    onclick: () => {
                      const name = h('input', { value: d.name, 'aria-label': 'Name' });
                      openDialog('Rename dashboard', [h('label', null, 'Name', name)], async () => {
                        if (!name.value.trim()) return 'The name cannot be empty.';
                        await save(list.map((x) => (x.id === d.id ? { ...x, name: name.value.trim() } : x)));
                      });
                    },
                  }, 'Rename'),
                  h('button', { class: 'button', onclick: () => download(`${d.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`, exportable(d)) }, 'Export'),
                  h('button', {
                    class: 'button',
                    onclick: async () => {
                      await saveTemplate(d.name, d);
                      await page.refresh();
                    },
                  }, 'Add to templates'),
                  h('button', {
                    class: 'button danger',
                    onclick: async () => {
                      if (confirm(`Delete the dashboard “${d.name}”?`)) await save(list.filter((x) => x.id !== d.id));
                    },
                  }, 'Delete'),
                ),
              ))),
            ),
          );
        const tpl = await loadTemplates();
        if (!tpl.length) replace(templates, empty('No templates yet. “Add to templates” shares a dashboard with every user.'));
        else
          replace(
            templates,
            h('table', { class: 'compact' }, h('tbody', null, ...tpl.map((t) => h(
              'tr',
              null,
              h('td', null, t.name),
              h('td', null, `by ${t.author}`),
              h('td', null, `${t.dashboard.widgets?.length ?? 0} widgets`),
              h(
                'td',
                { class: 'actions' },
                h('button', {
                  class: 'button',
                  onclick: async () => {
                    const copy = parseImported(JSON.stringify(t.dashboard));
                    await save([...list, copy]);
                    navigate(`/dashboards/${copy.id}`);
                  },
                }, 'Use'),
                t.author === currentUser?.user || currentUser?.role === 'admin'
                  ? h('button', {
                      class: 'button danger',
                      onclick: async () => {
                        await deleteTemplate(t.name);
                        await page.refresh();
                      },
                    }, 'Delete')
                  : null,
              ),
            )))),
          );
      } catch (e) {
        replace(mine, errorState(e));
      }
    },
  };
  return page;
}

function widgetDialog(existing: Widget | null, onSave: (w: Widget) => Promise<void>): void {
  const type = h('select', { 'aria-label': 'Widget', 'data-testid': 'widget-type' }, ...WIDGET_TYPES.map((t) => h('option', { value: t.type, selected: existing?.type === t.type }, t.label)));
  if (existing) type.disabled = true;
  const caption = h('input', { value: existing?.caption ?? '', 'aria-label': 'Caption', placeholder: 'Caption (optional)' });
  const width = h('select', { 'aria-label': 'Width' }, h('option', { value: '1', selected: existing?.width !== 2 }, 'One column'), h('option', { value: '2', selected: existing?.width === 2 }, 'Whole width'));
  const settingsBox = h('div', { class: 'form-grid' });
  let inputs: Record<string, HTMLInputElement> = {};
  const renderSettings = () => {
    const def = WIDGET_TYPES.find((t) => t.type === type.value)!;
    inputs = {};
    replace(settingsBox, ...def.fields.map((f) => {
      const input = h('input', { value: existing?.settings[f.key] ?? '', placeholder: f.placeholder ?? '', 'aria-label': f.label, 'data-setting': f.key });
      inputs[f.key] = input;
      return h('label', null, f.label, input);
    }));
  };
  type.addEventListener('change', renderSettings);
  renderSettings();
  openDialog(existing ? 'Configure widget' : 'Add widget', [h('label', null, 'Widget', type), h('label', null, 'Caption', caption), h('label', null, 'Width', width), settingsBox], async () => {
    const def = WIDGET_TYPES.find((t) => t.type === type.value)!;
    const settings = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value.trim()]));
    if (def.type === 'ip' && !settings.ip) return 'Enter the IP address to show.';
    if (def.type === 'l4-port' && !/^\d+$/.test(settings.port ?? '')) return 'Enter the port number.';
    await onSave({
      id: existing?.id ?? newId(),
      type: def.type as WidgetType,
      caption: caption.value.trim(),
      width: width.value === '2' ? 2 : 1,
      settings,
    });
  }, existing ? 'Save' : 'Add');
}

export function dashboardPage(params: Record<string, string>): Page {
  const id = params.id;
  const grid = h('div', { class: 'widget-grid', 'data-testid': 'widget-grid' }, loading());
  const title = h('h1', null, 'Dashboard');
  let list: Dashboard[] = [];
  let dashboard: Dashboard | null = null;
  let views: WidgetView[] = [];
  const persist = async () => {
    list = await saveDashboards(list.map((d) => (d.id === dashboard!.id ? dashboard! : d)));
    render();
    await Promise.all(views.map((v) => v.refresh()));
  };
  const addWidget = () =>
    widgetDialog(null, async (w) => {
      dashboard!.widgets.push(w);
      await persist();
    });
  const render = () => {
    views.forEach((v) => v.destroy());
    views = [];
    if (!dashboard) return;
    title.textContent = dashboard.name;
    if (!dashboard.widgets.length) {
      replace(grid, h('div', { class: 'widget-empty', onclick: addWidget }, 'Click to select a widget'));
      return;
    }
    let dragIndex = -1;
    replace(
      grid,
      ...dashboard.widgets.map((w, i) => {
        const view = widgetView(w);
        views.push(view);
        const def = WIDGET_TYPES.find((t) => t.type === w.type);
        const box = h(
          'section',
          { class: `card widget${w.width === 2 ? ' wide' : ''}`, 'data-widget': w.type, 'data-index': i },
          h(
            'div',
            { class: 'widget-head' },
            h('span', { class: 'drag-handle', title: 'Drag to move', draggable: 'true' }, '⇅'),
            h('h3', null, w.caption || def?.label || w.type),
            h('button', { class: 'icon', title: 'Configure', onclick: () => widgetDialog(w, async (nw) => { dashboard!.widgets[i] = nw; await persist(); }) }, '⚙'),
            h('button', { class: 'icon', title: 'Remove', 'data-testid': 'remove-widget', onclick: async () => { dashboard!.widgets.splice(i, 1); await persist(); } }, '✕'),
          ),
          view.el,
        );
        const handle = box.querySelector('.drag-handle') as HTMLElement;
        handle.addEventListener('dragstart', (e) => {
          dragIndex = i;
          e.dataTransfer?.setData('text/plain', String(i));
          e.dataTransfer?.setDragImage(box, 10, 10);
          box.classList.add('dragging');
        });
        handle.addEventListener('dragend', () => box.classList.remove('dragging'));
        box.addEventListener('dragover', (e) => {
          e.preventDefault();
          box.classList.add('drop-target');
        });
        box.addEventListener('dragleave', () => box.classList.remove('drop-target'));
        box.addEventListener('drop', async (e) => {
          e.preventDefault();
          box.classList.remove('drop-target');
          const from = dragIndex >= 0 ? dragIndex : Number(e.dataTransfer?.getData('text/plain'));
          if (!Number.isInteger(from) || from === i || from < 0) return;
          const [moved] = dashboard!.widgets.splice(from, 1);
          dashboard!.widgets.splice(i, 0, moved);
          await persist();
        });
        return box;
      }),
    );
  };
  const el = h(
    'div',
    { class: 'page', 'data-page': 'custom-dashboard' },
    h('div', { class: 'page-header' }, title, h('div', { class: 'page-actions' }, link('/dashboards', '← Dashboards'), h('button', { class: 'button primary', onclick: addWidget, 'data-testid': 'add-widget' }, 'Add widget'))),
    grid,
  );
  return {
    el,
    title: 'Dashboard',
    async refresh() {
      try {
        if (!dashboard) {
          list = await loadDashboards();
          dashboard = list.find((d) => d.id === id) ?? null;
          if (!dashboard) {
            replace(grid, errorState(new Error(`There is no dashboard “${id}” for you.`)));
            return;
          }
          render();
        }
        await Promise.all(views.map((v) => v.refresh()));
      } catch (e) {
        replace(grid, errorState(e));
      }
    },
    destroy: () => views.forEach((v) => v.destroy()),
  };
}
