// The PCAP button and the capture dialog (reference: capture module, "Capture settings dialog"):
// filter expression, start/end time (default: the global time selection), truncation (snap length
// or a capture profile), HTTP download (file name, zip with split size) or a file on the server's
// disk (split by size/duration), limits, single interface. A PCAP button whose capture is running
// shows STOP and stops it.
import { capabilities } from '../capabilities';
import {
  CaptureRequest,
  captureApi,
  captureUrl,
  onCapturesChange,
  pollCaptures,
  runningFor,
} from '../capture_api';
import { h, replace } from '../dom';
import * as fmt from '../format';
import { currentWindow, traceTime } from '../time';
import { describeError } from './states';

export interface CaptureTarget {
  expression: string; // filter language (docs/filter-language.md)
  name: string; // for the file name
}

const buttons = new Set<{ el: HTMLButtonElement; expression: string }>();

function updateButton(b: { el: HTMLButtonElement; expression: string }): void {
  const c = runningFor(b.expression);
  b.el.textContent = c ? 'STOP' : 'PCAP';
  b.el.classList.toggle('stop', !!c);
  b.el.title = c ? `Stop the running capture of ${b.expression}` : `Capture packets: ${b.expression}`;
}

onCapturesChange(() => {
  for (const b of [...buttons]) {
    if (!b.el.isConnected) buttons.delete(b);
    else updateButton(b);
  }
});

export function captureButton(target: CaptureTarget): HTMLElement {
  const el = h(
    'button',
    {
      class: 'button pcap',
      title: capabilities.capture ? `Capture packets: ${target.expression}` : 'Packet capture is not available on this server',
      disabled: !capabilities.capture,
      'data-testid': 'pcap',
      'data-expression': target.expression,
    },
    'PCAP',
  );
  const entry = { el, expression: target.expression };
  if (capabilities.capture) {
    buttons.add(entry);
    updateButton(entry);
  }
  el.addEventListener('click', async (e) => {
    e.stopPropagation();
    const c = runningFor(target.expression);
    if (c) {
      try {
        await captureApi.stop(c.id);
      } finally {
        await pollCaptures();
      }
      return;
    }
    openCaptureDialog(target);
  });
  return el;
}

function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'capture';
}

const PREFS_KEY = 'netmeter.capture';
interface Prefs {
  type: 'http' | 'disk';
  snap: string;
  zip: boolean;
}
function loadPrefs(): Prefs {
  try {
    const p = JSON.parse(localStorage.getItem(PREFS_KEY) ?? 'null');
    if (p && (p.type === 'http' || p.type === 'disk')) return { type: p.type, snap: String(p.snap ?? '65535'), zip: !!p.zip };
  } catch {
    /* defaults */
  }
  return { type: 'http', snap: '65535', zip: false };
}

const num = (attrs: Record<string, unknown>) => h('input', { type: 'number', min: 0, class: 'short', ...attrs });

// startNow: empty start and end (from now, until stopped); times: the start/end to show (epoch s).
export function openCaptureDialog(target: CaptureTarget, startNow = false, times?: { start: number | null; end: number | null }): void {
  const prefs = loadPrefs();
  const w = currentWindow();
  const expression = h('input', { value: target.expression, 'aria-label': 'Filter expression', class: 'wide', 'data-testid': 'capture-expression', placeholder: 'empty: every packet' });
  const startIn = h('input', { type: 'datetime-local', step: 1, 'aria-label': 'Start time', 'data-testid': 'capture-start' });
  const endIn = h('input', { type: 'datetime-local', step: 1, 'aria-label': 'End time', 'data-testid': 'capture-end' });
  const setTimes = (start: number | null, end: number | null) => {
    startIn.value = start === null ? '' : fmt.toLocalInput(start);
    endIn.value = end === null ? '' : fmt.toLocalInput(end);
    updateNames();
  };
  const t = traceTime();
  const quick = h(
    'div',
    { class: 'quick' },
    h('button', { class: 'button small', type: 'button', onclick: () => setTimes(w.start, w.end), 'data-testid': 'capture-selected-range' }, 'Selected range'),
    h('button', { class: 'button small', type: 'button', onclick: () => setTimes(t.first, null) }, 'Whole trace'),
    h('button', { class: 'button small', type: 'button', onclick: () => setTimes(null, null), 'data-testid': 'capture-from-now' }, 'From now on (live)'),
    ...([[60, 'minute'], [300, '5 minutes'], [900, '15 minutes']] as const).map(([s, label]) => h('button', { class: 'button small', type: 'button', onclick: () => setTimes(t.last + 1 - s, null) }, `Last ${label}`)),
  );

  const snap = h(
    'select',
    { 'aria-label': 'Truncate packet length', 'data-testid': 'capture-snap' },
    h('option', { value: '65535' }, 'Full length'),
    h('option', { value: '64' }, '64 bytes'),
    h('option', { value: '1500' }, '1500 bytes'),
    h('option', { value: 'custom' }, 'Custom length…'),
  );
  const customSnap = num({ min: 64, max: 15378, value: 128, 'aria-label': 'Custom length in bytes', hidden: true });
  const profileGroup = h('optgroup', { label: 'Capture profiles' });
  captureApi
    .profiles()
    .then((list) => {
      replace(profileGroup, ...list.map((p) => h('option', { value: `profile:${p.id ?? p.name}` }, p.name)));
      if (list.length) snap.append(profileGroup);
      if ([...snap.options].some((o) => o.value === prefs.snap)) snap.value = prefs.snap;
    })
    .catch(() => {});
  snap.value = ['65535', '64', '1500'].includes(prefs.snap) ? prefs.snap : '65535';
  snap.addEventListener('change', () => (customSnap.hidden = snap.value !== 'custom'));

  const type = h(
    'select',
    { 'aria-label': 'Capture type', 'data-testid': 'capture-type' },
    h('option', { value: 'http' }, 'HTTP download'),
    h('option', { value: 'disk' }, 'Disk (a file on the server)'),
  );
  type.value = prefs.type;
  const fileName = h('input', { class: 'wide', 'aria-label': 'File name', 'data-testid': 'capture-file-name' });
  let fileNameEdited = false;
  fileName.addEventListener('input', () => (fileNameEdited = true));
  const zip = h('input', { type: 'checkbox', checked: prefs.zip, 'aria-label': 'Download as zip archive', 'data-testid': 'capture-zip' });
  const zipSplit = num({ value: 0, 'aria-label': 'Split files in the zip after MB' });
  const splitSize = num({ value: 0, 'aria-label': 'Split after MB', 'data-testid': 'capture-split-size' });
  const splitDuration = num({ value: 0, 'aria-label': 'Split after seconds', 'data-testid': 'capture-split-duration' });
  const maxDuration = num({ 'aria-label': 'Stop after seconds', placeholder: 'no limit' });
  const maxBytes = num({ 'aria-label': 'Stop after MB', placeholder: 'no limit' });
  const maxPackets = num({ 'aria-label': 'Stop after packets', placeholder: 'no limit', 'data-testid': 'capture-max-packets' });
  const single = h('input', { type: 'checkbox', 'aria-label': 'Omit interface ID' });

  function updateNames(): void {
    if (fileNameEdited) return;
    // A strftime pattern (UTC, packet time); the server adds the extension of the format.
    fileName.value = `${safeFileName(target.name)}_%Y%m%d_%H%M%S`;
  }
  const httpOptions = h('div', { class: 'form-row' }, h('label', { class: 'check' }, zip, 'Download as zip archive'), h('label', { class: 'inline' }, 'split after', zipSplit, 'MB (0: never)'));
  const diskOptions = h('div', { class: 'form-row' }, h('label', { class: 'inline' }, 'Split after', splitSize, 'MB'), h('label', { class: 'inline' }, 'or', splitDuration, 's (0: never)'));
  const showType = () => {
    httpOptions.hidden = type.value !== 'http';
    diskOptions.hidden = type.value !== 'disk';
    updateNames();
  };
  type.addEventListener('change', showType);
  zip.addEventListener('change', updateNames);
  startIn.addEventListener('change', updateNames);

  const favorite = h(
    'button',
    {
      class: 'icon star',
      type: 'button',
      title: 'Save the filter as a favorite',
      'data-testid': 'capture-favorite',
      onclick: async () => {
        try {
          await captureApi.addFavorite(expression.value.trim(), target.name);
          favorite.textContent = '★';
          message.textContent = 'Saved as a favorite.';
        } catch (e) {
          message.textContent = describeError(e);
        }
      },
    },
    '☆',
  );
  const message = h('div', { class: 'dialog-message', 'data-testid': 'capture-message', role: 'status' });

  const request = (): CaptureRequest | string => {
    const r: CaptureRequest = { expression: expression.value.trim() };
    const start = startIn.value ? fmt.fromLocalInput(startIn.value) : null;
    const end = endIn.value ? fmt.fromLocalInput(endIn.value) : null;
    if (startIn.value && start === null) return 'The start time is not a valid time.';
    if (endIn.value && end === null) return 'The end time is not a valid time.';
    if (start !== null && end !== null && end <= start) return 'The end must be after the start.';
    if (start !== null) {
      r.startTime = start * 1_000_000;
      // A start in the past reads what the analysis has already seen (the analysed files).
      r.fromCaptureBuffer = !t.known || start <= t.last;
    }
    if (end !== null) r.endTime = end * 1_000_000;
    if (snap.value === 'custom') {
      const n = Number(customSnap.value);
      if (!Number.isInteger(n) || n < 64 || n > 15378) return 'A custom length is 64 to 15378 bytes.';
      r.snapPacketLength = n;
    } else if (snap.value.startsWith('profile:')) {
      r.profile = snap.value.slice('profile:'.length);
    } else {
      r.snapPacketLength = Number(snap.value);
    }
    const positive = (input: HTMLInputElement, scale = 1) => (input.value && Number(input.value) > 0 ? Math.round(Number(input.value) * scale) : undefined);
    r.maxDuration = positive(maxDuration);
    r.maxBytes = positive(maxBytes, 1024 * 1024);
    r.maxPackets = positive(maxPackets);
    if (single.checked) r.useSingleInterface = true;
    r.fileName = fileName.value.trim() || undefined;
    if (type.value === 'http') {
      if (zip.checked) {
        r.zip = true;
        r.zipSplitSize = positive(zipSplit);
      }
    } else {
      r.captureToMedia = true;
      r.splitSize = positive(splitSize);
      r.splitDuration = positive(splitDuration);
    }
    for (const k of Object.keys(r) as (keyof CaptureRequest)[]) if (r[k] === undefined) delete r[k];
    return r;
  };

  const startButton = h('button', { class: 'button primary', 'data-testid': 'start-capture' }, 'Start capture');
  startButton.addEventListener('click', async () => {
    const r = request();
    if (typeof r === 'string') {
      message.textContent = r;
      return;
    }
    localStorage.setItem(PREFS_KEY, JSON.stringify({ type: type.value, snap: snap.value, zip: zip.checked }));
    if (r.captureToMedia) {
      startButton.disabled = true;
      try {
        await captureApi.startToDisk(r);
        message.textContent = 'The capture runs on the server; its files are listed on the Captures page.';
        void pollCaptures(4);
        window.setTimeout(() => dialog.close(), 1200);
      } catch (e) {
        message.textContent = describeError(e);
      } finally {
        startButton.disabled = false;
      }
      return;
    }
    // The browser streams the download to disk itself; the capture appears among the running ones.
    // The server names the file (Content-Disposition) from the pattern.
    const a = h('a', { href: captureUrl(r), download: true });
    document.body.append(a);
    a.click();
    a.remove();
    void pollCaptures(6);
    dialog.close();
  });

  const dialog = h(
    'dialog',
    { class: 'dialog capture-dialog', 'data-testid': 'capture-dialog' },
    h('div', { class: 'dialog-title' }, h('h2', null, 'Capture packets'), favorite),
    h(
      'div',
      { class: 'form-grid' },
      h('label', null, 'Filter', expression),
      h('label', null, 'Start', h('span', { class: 'inline' }, startIn, 'End', endIn)),
      h('div', { class: 'form-label-row' }, h('span'), quick),
      h('p', { class: 'hint-row' }, 'A start in the past reads the analysed files; an empty start captures live from now on. An empty end: until the end of the analysis or until stopped. Packet time, ', fmt.timeZoneName(), '.'),
      h('label', null, 'Truncate', h('span', { class: 'inline' }, snap, customSnap)),
      h('label', null, 'Capture type', type),
      h('label', null, 'File name', fileName),
      h('p', { class: 'hint-row' }, 'strftime pattern (%Y %m %d %H %M %S, packet time, UTC); the server adds .pcapng, .pcap or .zip.'),
      h('div', { class: 'form-label-row' }, h('span'), h('div', null, httpOptions, diskOptions)),
      h('label', null, 'Stop after', h('span', { class: 'inline' }, maxDuration, 's', maxBytes, 'MB', maxPackets, 'packets')),
      h('label', null, 'Compatibility', h('span', { class: 'check' }, single, 'Omit interface ID (one interface in the file)')),
    ),
    message,
    h('div', { class: 'dialog-actions' }, h('button', { class: 'button', onclick: () => dialog.close() }, 'Cancel'), startButton),
  );
  dialog.addEventListener('close', () => dialog.remove());
  if (times) setTimes(times.start, times.end);
  else if (startNow) setTimes(null, null);
  else setTimes(w.start, w.end);
  showType();
  document.body.append(dialog);
  dialog.showModal();
}
