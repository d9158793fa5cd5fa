// Capture file upload for analysis (reference: pcap analysis module): a drop zone, the upload's
// progress (XHR upload progress), the analysis's progress (packets, time of the last packet) and
// "Resume normal operation". The server analyses the file while it arrives and shows its statistics
// on every page as if its packets were live traffic.
import { get, post } from '../api';
import { capabilities } from '../capabilities';
import { card, facts, pageHeader } from '../components/misc';
import { describeError, errorState } from '../components/states';
import { Child, h, replace } from '../dom';
import { api } from '../endpoints';
import * as fmt from '../format';
import { getSelection, setSelection } from '../time';
import { Page } from './page';

// GET /API/data/pcap.
export interface PcapStatus {
  mode?: 'normal' | 'pcap' | string;
  state?: 'idle' | 'receiving' | 'analyzing' | 'finished' | 'error' | string;
  id?: number;
  fileName?: string;
  user?: string;
  startedAt?: number; // ms, wall clock
  fileSize?: number;
  bytesReceived?: number;
  bytesAnalyzed?: number;
  packets?: number;
  uploadProgress?: number;
  analysisProgress?: number;
  lastPacketTime?: number | null; // epoch µs, packet time
  error?: string;
  [key: string]: unknown;
}

function progressBar(testid: string): { el: HTMLElement; set(part: number, whole: number, text: string): void } {
  const fill = h('div', { class: 'progress-fill' });
  const label = h('div', { class: 'progress-label' });
  const el = h('div', { class: 'progress', 'data-testid': testid, role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, fill, label);
  return {
    el,
    set(part, whole, text) {
      const p = whole > 0 ? Math.min(100, (100 * part) / whole) : 0;
      fill.style.width = `${p}%`;
      el.setAttribute('aria-valuenow', String(Math.round(p)));
      label.textContent = text;
    },
  };
}

export function pcapUploadPage(): Page {
  let file: File | null = null;
  let xhr: XMLHttpRequest | null = null;
  let timer: number | undefined;
  let destroyed = false;
  let lastState: string | undefined;
  const input = h('input', { type: 'file', accept: '.pcap,.pcapng,.cap,.gz,.zst,application/vnd.tcpdump.pcap', hidden: true, 'data-testid': 'pcap-file' });
  const chosen = h('div', { class: 'drop-file' }, 'Drop a capture file here (pcap, pcapng, also gzip/zstd compressed), or click to choose one.');
  const drop = h('div', { class: 'drop-zone', tabindex: 0, role: 'button', 'aria-label': 'Choose a capture file', 'data-testid': 'drop-zone' }, chosen);
  const startButton = h('button', { class: 'button primary', disabled: true, 'data-testid': 'upload-start' }, 'Upload and analyze pcap');
  const message = h('div', { class: 'dialog-message', role: 'status', 'data-testid': 'upload-message' });
  const upload = progressBar('upload-progress');
  const uploadBox = h('div', { hidden: true }, h('h4', null, 'Upload'), upload.el);
  const analysisBar = progressBar('analysis-progress');
  const analysisFacts = h('div', { 'data-testid': 'analysis-status' });
  const resume = h('button', { class: 'button', 'data-testid': 'resume', disabled: true }, 'Resume normal operation');

  const choose = (f: File | undefined | null) => {
    if (!f) return;
    file = f;
    replace(chosen, h('strong', { 'data-testid': 'chosen-name' }, f.name), ` · ${fmt.bytes(f.size)}`);
    startButton.disabled = !capabilities.pcapUpload;
  };
  input.addEventListener('change', () => choose(input.files?.[0]));
  drop.addEventListener('click', () => input.click());
  drop.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') input.click();
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    choose(e.dataTransfer?.files?.[0]);
  });

  const STATES: Record<string, string> = {
    idle: 'normal operation (the files netmeter was started with)',
    receiving: 'receiving and analyzing',
    analyzing: 'received, analyzing the rest',
    finished: 'analyzed',
    error: 'failed',
  };
  const showStatus = (s: PcapStatus) => {
    const received = s.bytesReceived ?? 0;
    const pcap = s.mode === 'pcap';
    analysisBar.el.hidden = !pcap;
    if (pcap) {
      const p = s.analysisProgress ?? 0;
      analysisBar.set(p, 1, `${(100 * p).toFixed(0)} % analyzed · last packet ${fmt.microTime(s.lastPacketTime)}`);
    }
    replace(
      analysisFacts,
      facts([
        ['State', h('span', { 'data-field': 'state', 'data-state': s.state ?? '' }, STATES[s.state ?? ''] ?? s.state ?? '–')],
        ...((pcap
          ? [
              ['File', `${s.fileName ?? '–'}${s.fileSize ? ` (${fmt.bytes(s.fileSize)})` : ''}${s.user ? `, uploaded by ${s.user}` : ''}`],
              ['Received', s.fileSize ? `${fmt.bytes(received)} of ${fmt.bytes(s.fileSize)} (${fmt.percent(received, s.fileSize)})` : fmt.bytes(received)],
              ['Analyzed', `${fmt.bytes(s.bytesAnalyzed)}`],
              ['Packets analyzed', h('span', { 'data-field': 'packets', 'data-value': s.packets ?? 0 }, fmt.integer(s.packets))],
              ['Last packet time', h('span', { 'data-field': 'last-packet' }, fmt.microTime(s.lastPacketTime))],
            ]
          : []) as [string, Child][]),
        ...(s.error ? ([['Error', h('span', { class: 'error-text', 'data-field': 'error' }, s.error)]] as [string, Child][]) : []),
      ]),
    );
    resume.disabled = !pcap;
  };

  const poll = async () => {
    window.clearTimeout(timer);
    if (destroyed || !capabilities.pcapUpload) return;
    try {
      const s = await get<PcapStatus>(api.pcapStatus);
      showStatus(s);
      // A new state of the upload moves the trace: the whole page (and the time bar) follows.
      if (lastState !== undefined && s.state !== lastState && getSelection().mode === 'live') setSelection({ mode: 'live', span: 0 });
      lastState = s.state;
      const busy = s.state === 'receiving' || s.state === 'analyzing' || xhr !== null;
      timer = window.setTimeout(() => void poll(), busy ? 1000 : 5000);
    } catch (e) {
      replace(analysisFacts, errorState(e));
      timer = window.setTimeout(() => void poll(), 5000);
    }
  };

  const send = async (f: File) => {
    // Announces name and size first (the server checks the limit and the free space, and knows the
    // total for its progress), then streams the file as the request body.
    try {
      await post(api.announceUpload, { fileName: f.name, fileSize: f.size });
    } catch (e) {
      message.textContent = `Upload refused: ${describeError(e)}`;
      return;
    }
    const started = Date.now();
    uploadBox.hidden = false;
    upload.set(0, f.size, 'starting…');
    startButton.disabled = true;
    message.textContent = '';
    xhr = new XMLHttpRequest();
    xhr.open('POST', `${api.analyzePcap}?fileName=${encodeURIComponent(f.name)}`);
    xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      const total = e.lengthComputable ? e.total : f.size;
      const rate = e.loaded / Math.max(0.001, (Date.now() - started) / 1000);
      upload.set(e.loaded, total, `${fmt.bytes(e.loaded)} of ${fmt.bytes(total)} · ${fmt.bitsPerSecond(rate)}`);
    };
    xhr.onload = () => {
      const ok = xhr!.status >= 200 && xhr!.status < 300;
      if (ok) {
        upload.set(f.size, f.size, `${fmt.bytes(f.size)} uploaded`);
        message.textContent = 'Uploaded; every page now shows this capture.';
      } else {
        let text = `${xhr!.status} ${xhr!.statusText}`;
        try {
          text = JSON.parse(xhr!.responseText).error ?? text;
        } catch {
          /* not JSON */
        }
        message.textContent = `Upload failed: ${text}`;
      }
      xhr = null;
      startButton.disabled = !file;
      void poll();
    };
    xhr.onerror = () => {
      message.textContent = 'Upload failed: the connection to the server was lost.';
      xhr = null;
      startButton.disabled = !file;
    };
    xhr.send(f);
    // The new trace replaces the old one: look at it live, whole trace.
    setSelection({ mode: 'live', span: 0 });
    window.setTimeout(() => void poll(), 300);
  };

  startButton.addEventListener('click', () => {
    if (!file) return;
    const f = file;
    const dialog = h(
      'dialog',
      { class: 'dialog', 'data-testid': 'upload-confirm' },
      h('h2', null, 'Analyze this capture?'),
      h('p', null, h('strong', null, f.name), ` (${fmt.bytes(f.size)}) replaces the running analysis: every page will show this file’s packets as if they were live traffic at the time they were recorded. “Resume normal operation” returns to the original analysis.`),
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { class: 'button', onclick: () => dialog.close() }, 'Cancel'),
        h(
          'button',
          {
            class: 'button primary',
            'data-testid': 'dialog-ok',
            onclick: () => {
              dialog.close();
              void send(f);
            },
          },
          'Upload and analyze',
        ),
      ),
    );
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  });

  resume.addEventListener('click', async () => {
    resume.disabled = true;
    try {
      xhr?.abort();
      xhr = null;
      await post(api.pcapStatus, { command: 'stop' });
      message.textContent = 'Back to the original analysis.';
      setSelection({ mode: 'live', span: 0 });
    } catch (e) {
      message.textContent = describeError(e);
    }
    void poll();
  });

  const el = h(
    'div',
    { class: 'page', 'data-page': 'pcap-upload' },
    pageHeader('Pcap analysis'),
    h('p', { class: 'muted' }, 'Send a capture file to the server: it is analyzed while it uploads, and every page shows its statistics as if its packets were live traffic at the time they were recorded.'),
    card('Start a new upload', input, drop, h('div', { class: 'section-actions' }, startButton), uploadBox, message),
    card('Analysis', analysisBar.el, analysisFacts, h('div', { class: 'section-actions' }, resume)),
  );
  return {
    el,
    title: 'Pcap analysis',
    async refresh() {
      if (!capabilities.pcapUpload) {
        replace(analysisFacts, errorState(new Error('This server does not accept capture uploads.')));
        return;
      }
      if (!timer) await poll();
    },
    destroy() {
      destroyed = true;
      window.clearTimeout(timer);
    },
  };
}
