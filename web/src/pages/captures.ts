// The capture page (reference: capture module): running captures with live counters and stop
// buttons, a simple and an expert filter to start a capture, recently captured filters (run again,
// make favorite, use as expert filter), favorites, capture profiles (snap-length rules) and the
// capture files on the server's disk.
import { capabilities } from '../capabilities';
import {
  MAX_PROFILES,
  MAX_RULES,
  Profile,
  ProfileRule,
  RecentCapture,
  RunningCapture,
  captureApi,
  isRunning,
  pollCaptures,
} from '../capture_api';
import { openCaptureDialog } from '../components/capture';
import { card, pageHeader } from '../components/misc';
import { describeError, empty, errorState, loading } from '../components/states';
import { Child, h, replace } from '../dom';
import * as fmt from '../format';
import { Page } from './page';

function table(testid: string, headers: string[], rows: HTMLElement[]): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'compact', 'data-testid': testid },
      h('thead', null, h('tr', null, ...headers.map((t) => h('th', { class: /^(Captured|Dropped|Ignored|Bytes|Size)$/.test(t) ? 'num' : undefined }, t)))),
      h('tbody', null, ...rows),
    ),
  );
}

const expr = (e: string | undefined): Child => h('span', { class: 'expr' }, e ? e : h('em', null, 'every packet'));

const fileName = (f: string | { name: string }) => (typeof f === 'string' ? f : f.name);

// Epoch µs as a date and time to the second (the time zone is in the column header).
const when = (us: number | null | undefined) => (us === null || us === undefined ? '–' : fmt.dateTime(Math.floor(fmt.epochSeconds(us)), false));
const zone = ` (${fmt.timeZoneName()})`;

function runningRow(c: RunningCapture, refresh: () => void): HTMLElement {
  return h(
    'tr',
    { 'data-capture-id': String(c.id) },
    h('td', { class: 'expr-cell' }, expr(c.expression)),
    h('td', null, c.user ?? '–', h('div', { class: 'muted-cell small' }, c.client ?? '')),
    h('td', null, when(c.startTime)),
    h('td', null, c.endTime ? when(c.endTime) : 'until stopped'),
    h('td', { class: 'num counter-live', 'data-field': 'captured' }, fmt.integer(c.captured)),
    h('td', { class: 'num counter-live' }, fmt.integer(c.dropped)),
    h('td', { class: 'num counter-live' }, fmt.integer(c.ignored)),
    h('td', { class: 'num counter-live' }, fmt.bytes(c.bytes)),
    h(
      'td',
      { class: 'actions' },
      h('span', { 'data-field': 'state' }, c.state ?? '–'),
      isRunning(c)
        ? h(
            'button',
            {
              class: 'button small danger',
              'data-testid': 'stop-capture',
              onclick: async (e: Event) => {
                (e.currentTarget as HTMLButtonElement).disabled = true;
                try {
                  await captureApi.stop(c.id);
                } catch (err) {
                  alert(describeError(err));
                }
                refresh();
              },
            },
            'Stop',
          )
        : null,
    ),
    h('td', null, c.toMedia ? 'disk' : 'download', ...(c.files ?? []).map((f) => h('div', { class: 'muted-cell small' }, fileName(f)))),
  );
}

// The times of a recent capture for the dialog: its window when it read the analysed files.
function again(r: RecentCapture): { start: number | null; end: number | null } | undefined {
  if (!r.fromCaptureBuffer) return undefined;
  const s = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.floor(fmt.epochSeconds(v)));
  return { start: s(r.startTime), end: s(r.endTime) };
}

// The simple capture: a few fields that make an expression.
function simpleCapture(useExpression: (e: string) => void): HTMLElement {
  const fields: [string, string, string][] = [
    ['ip', 'IP', '10.0.0.1 or 10.0/16'],
    ['mac', 'MAC', '12:34:56:78:90:ab'],
    ['port', 'Port', '443'],
    ['l4Protocol', 'L4 protocol', 'TCP, UDP, ICMP'],
    ['l7Protocol', 'L7 protocol', 'TLS, DNS'],
    ['vlan', 'VLAN', '100'],
  ];
  const inputs = fields.map(([key, label, placeholder]) => [key, h('input', { placeholder, 'aria-label': label, 'data-simple': key }), label] as const);
  const out = h('code', { class: 'expr', 'data-testid': 'simple-expression' });
  const expression = () =>
    inputs
      .map(([key, input]) => [key, input.value.trim()] as const)
      .filter(([, v]) => v)
      .map(([key, v]) => `${key} == ${/\s/.test(v) && !v.startsWith('"') ? `"${v}"` : v}`)
      .join(' and ');
  const update = () => (out.textContent = expression() || 'every packet');
  for (const [, input] of inputs) input.addEventListener('input', update);
  update();
  return h(
    'div',
    null,
    h('div', { class: 'simple-grid' }, ...inputs.map(([, input, label]) => h('label', null, label, input))),
    h('div', { class: 'row' }, h('span', { class: 'muted-cell' }, 'Expression:'), out),
    h(
      'div',
      { class: 'section-actions' },
      h('button', { class: 'button', onclick: () => useExpression(expression()) }, 'Use as expert filter'),
      h('button', { class: 'button primary', disabled: !capabilities.capture, onclick: () => openCaptureDialog({ expression: expression(), name: 'capture' }, true) }, 'Start capture…'),
    ),
  );
}

// The profile editor: a name and up to 10 rules (filter expression → snap length); the first rule
// that matches a packet decides its length.
function editProfile(existing: Profile | null, saved: () => void): void {
  const name = h('input', { class: 'wide', value: existing?.name ?? '', 'aria-label': 'Profile name', 'data-testid': 'profile-name' });
  // Rules are edited as filter expressions (an l7Protocol rule becomes its expression).
  const rules: { expression: string; snapLength: number }[] = existing?.rules?.map((r) => ({ expression: r.expression ?? (r.l7Protocol ? `l7Protocol == "${r.l7Protocol}"` : ''), snapLength: r.snapLength })) ?? [
    { expression: '', snapLength: 128 },
  ];
  const body = h('tbody');
  const message = h('div', { class: 'dialog-message', role: 'status' });
  const add = h('button', { class: 'button', type: 'button', 'data-testid': 'add-rule' }, 'Add rule');
  const render = () => {
    replace(
      body,
      ...rules.map((r, i) =>
        h(
          'tr',
          null,
          h('td', null, String(i + 1)),
          h('td', null, h('input', { value: r.expression, placeholder: 'e.g. l7Protocol == TLS (empty: every packet)', 'aria-label': `Rule ${i + 1} filter`, 'data-rule': 'expression', oninput: (e: Event) => (r.expression = (e.target as HTMLInputElement).value) })),
          h('td', null, h('input', { type: 'number', class: 'short', min: 0, max: 262144, value: r.snapLength, 'aria-label': `Rule ${i + 1} bytes`, 'data-rule': 'snapLength', oninput: (e: Event) => (r.snapLength = Number((e.target as HTMLInputElement).value)) })),
          h('td', null, h('button', { class: 'icon', type: 'button', title: 'Remove the rule', onclick: () => (rules.splice(i, 1), render()) }, '✕')),
        ),
      ),
    );
    add.disabled = rules.length >= MAX_RULES;
  };
  add.addEventListener('click', () => {
    if (rules.length < MAX_RULES) rules.push({ expression: '', snapLength: 128 });
    render();
  });
  render();
  const dialog = h(
    'dialog',
    { class: 'dialog', 'data-testid': 'profile-dialog' },
    h('h2', null, existing ? `Edit profile ${existing.name}` : 'Add capture profile'),
    h('div', { class: 'form-grid' }, h('label', null, 'Name', name)),
    h('p', { class: 'muted' }, `Up to ${MAX_RULES} rules; the first rule whose filter matches a packet sets how many bytes of it are kept (0: the whole packet). A rule without filter matches every packet; packets no rule matches keep the dialog's truncation.`),
    h('table', { class: 'compact rules' }, h('thead', null, h('tr', null, h('th', null, '#'), h('th', null, 'Filter'), h('th', null, 'Bytes kept'), h('th'))), body),
    h('div', { class: 'section-actions' }, add),
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
            const p: Profile = { name: name.value.trim(), rules: rules.map((r): ProfileRule => ({ expression: r.expression.trim(), snapLength: r.snapLength })) };
            if (!p.name) return void (message.textContent = 'The profile needs a name.');
            if (p.rules.some((r) => !Number.isInteger(r.snapLength) || r.snapLength < 0 || r.snapLength > 262144)) return void (message.textContent = 'Bytes kept are 0 (whole packet) to 262144.');
            try {
              if (existing?.id !== undefined) await captureApi.updateProfile(existing.id, p);
              else await captureApi.addProfile(p);
              dialog.close();
              saved();
            } catch (e) {
              message.textContent = describeError(e);
            }
          },
        },
        'Save',
      ),
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

export function capturesPage(_p: Record<string, string>, query: URLSearchParams): Page {
  const expert = h('input', {
    class: 'wide',
    value: query.get('expression') ?? '',
    placeholder: 'Filter expression, e.g. ip == 10.0.0.1 and l4Protocol == TCP (docs/filter-language.md)',
    'aria-label': 'Expert filter',
    'data-testid': 'expert-filter',
  });
  const useExpression = (e: string) => {
    expert.value = e;
    expert.focus();
    expert.scrollIntoView({ block: 'center' });
  };
  const running = h('div', null, loading());
  const recent = h('div', null, loading());
  const favorites = h('div', null, loading());
  const profiles = h('div', null, loading());
  const files = h('div', null, loading());
  let destroyed = false;
  let timer: number | undefined;

  const loadRunning = async () => {
    try {
      const list = await captureApi.running();
      if (destroyed) return;
      if (list.length === 0) replace(running, empty('No capture is running.'));
      else
        replace(
          running,
          table(
            'captures',
            ['Filter', 'User / client', `Start${zone}`, 'End', 'Captured', 'Dropped', 'Ignored', 'Bytes', 'State', 'To'],
            list.map((c) => runningRow(c, () => void loadAll())),
          ),
        );
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void loadRunning(), list.some(isRunning) ? 1000 : 4000);
    } catch (e) {
      replace(running, errorState(e));
    }
  };

  const loadRecent = async () => {
    try {
      const list = await captureApi.recent();
      if (list.length === 0) return replace(recent, empty('No capture yet.'));
      replace(
        recent,
        table(
          'recent',
          ['Filter', `When${zone}`, ''],
          list.map((r) =>
            h(
              'tr',
              null,
              h('td', { class: 'expr-cell' }, expr(r.expression)),
              h('td', null, when((r.time ?? r.startTime ?? r.started) as number | undefined)),
              h(
                'td',
                { class: 'actions' },
                h('button', { class: 'button small', 'data-testid': 'rerun', disabled: !capabilities.capture, onclick: () => openCaptureDialog({ expression: r.expression ?? '', name: 'capture' }, true, again(r)) }, 'Capture again…'),
                h(
                  'button',
                  {
                    class: 'button small',
                    'data-testid': 'make-favorite',
                    onclick: async () => {
                      await captureApi.addFavorite(r.expression ?? '', '');
                      await loadFavorites();
                    },
                  },
                  '☆ Favorite',
                ),
                h('button', { class: 'button small', 'data-testid': 'use-expert', onclick: () => useExpression(r.expression ?? '') }, 'Use as expert filter'),
              ),
            ),
          ),
        ),
        h(
          'div',
          { class: 'section-actions' },
          h(
            'button',
            {
              class: 'button danger',
              onclick: async () => {
                await captureApi.clearRecent();
                await loadRecent();
              },
            },
            'Delete list of recent captures',
          ),
        ),
      );
    } catch (e) {
      replace(recent, errorState(e));
    }
  };

  const loadFavorites = async () => {
    try {
      const list = await captureApi.favorites();
      if (list.length === 0) return replace(favorites, empty('No favorites: use ☆ in the capture dialog or in the recent list.'));
      replace(
        favorites,
        table(
          'favorites',
          ['Description', 'Filter', ''],
          list.map((f) =>
            h(
              'tr',
              null,
              h('td', null, f.description || '–'),
              h('td', { class: 'expr-cell' }, expr(f.expression)),
              h(
                'td',
                { class: 'actions' },
                h('button', { class: 'button pcap', disabled: !capabilities.capture, onclick: () => openCaptureDialog({ expression: f.expression, name: f.description || 'capture' }, true) }, 'PCAP'),
                h('button', { class: 'button small', onclick: () => useExpression(f.expression) }, 'Use as expert filter'),
                h(
                  'button',
                  {
                    class: 'button small danger',
                    'data-testid': 'remove-favorite',
                    onclick: async () => {
                      await captureApi.removeFavorite(f.id);
                      await loadFavorites();
                    },
                  },
                  'Remove',
                ),
              ),
            ),
          ),
        ),
        h(
          'div',
          { class: 'section-actions' },
          h(
            'button',
            {
              class: 'button danger',
              onclick: async () => {
                await captureApi.removeFavorites();
                await loadFavorites();
              },
            },
            'Remove favorites',
          ),
        ),
      );
    } catch (e) {
      replace(favorites, errorState(e));
    }
  };

  const loadProfiles = async () => {
    try {
      const list = await captureApi.profiles();
      const add = h('button', { class: 'button', 'data-testid': 'add-profile', disabled: list.length >= MAX_PROFILES, onclick: () => editProfile(null, () => void loadProfiles()) }, 'Add profile');
      replace(
        profiles,
        list.length === 0
          ? empty('No capture profile: a profile keeps a different number of bytes per kind of packet.')
          : table(
              'profiles',
              ['Name', 'Rules', ''],
              list.map((p) =>
                h(
                  'tr',
                  null,
                  h('td', null, p.name),
                  h('td', { class: 'rules-text' }, ...(p.rules ?? []).map((r) => h('div', null, expr(r.expression ?? (r.l7Protocol ? `l7Protocol == ${r.l7Protocol}` : '')), r.snapLength ? ` → ${r.snapLength} bytes` : ' → whole packet'))),
                  h(
                    'td',
                    { class: 'actions' },
                    h('button', { class: 'button small', onclick: () => editProfile(p, () => void loadProfiles()) }, 'Edit'),
                    h(
                      'button',
                      {
                        class: 'button small danger',
                        onclick: async () => {
                          if (p.id === undefined) return;
                          await captureApi.removeProfile(p.id);
                          await loadProfiles();
                        },
                      },
                      'Delete',
                    ),
                  ),
                ),
              ),
            ),
        h('div', { class: 'section-actions' }, h('span', { class: 'muted-cell' }, `${list.length} of ${MAX_PROFILES} profiles`), add),
      );
    } catch (e) {
      replace(profiles, errorState(e));
    }
  };

  const loadFiles = async () => {
    try {
      const list = await captureApi.files();
      if (list.length === 0) return replace(files, empty('No capture file on the server’s disk.'));
      replace(
        files,
        table(
          'capture-files',
          ['File', 'Size', `Modified${zone}`, ''],
          list.map((f) =>
            h(
              'tr',
              null,
              h('td', null, f.name),
              h('td', { class: 'num' }, fmt.bytes(f.size)),
              h('td', null, when(f.modified)),
              h('td', null, h('a', { class: 'button small', href: captureApi.fileUrl(f.name), download: f.name.split('/').pop() }, 'Download')),
            ),
          ),
        ),
      );
    } catch (e) {
      replace(files, errorState(e));
    }
  };

  const loadAll = async () => {
    await Promise.all([loadRunning(), loadRecent(), loadFavorites(), loadProfiles(), loadFiles()]);
    void pollCaptures();
  };

  const el = h(
    'div',
    { class: 'page', 'data-page': 'captures' },
    pageHeader('Captures'),
    card('Running captures', running),
    h(
      'div',
      { class: 'grid two' },
      card('Simple capture', simpleCapture(useExpression)),
      card(
        'Expert filter',
        expert,
        h(
          'div',
          { class: 'section-actions' },
          h('button', { class: 'button primary', 'data-testid': 'expert-capture', disabled: !capabilities.capture, onclick: () => openCaptureDialog({ expression: expert.value.trim(), name: 'capture' }, true) }, 'Start capture…'),
        ),
      ),
    ),
    card('Recently captured', recent),
    card('Favorites', favorites),
    h('div', { class: 'grid two' }, card('Capture profiles', profiles), card('Files on the server’s disk', files)),
  );
  return {
    el,
    title: 'Captures',
    async refresh() {
      if (!capabilities.capture) {
        for (const box of [running, recent, favorites, profiles, files]) replace(box, empty('Packet capture is not available on this server.'));
        return;
      }
      await loadAll();
    },
    destroy() {
      destroyed = true;
      window.clearTimeout(timer);
    },
  };
}
