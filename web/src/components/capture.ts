// The PCAP button and capture dialog (reference: capture module): time range, truncation, file
// name, HTTP download or the server's disk.
import { post, url } from '../api';
import { capabilities } from '../capabilities';
import { h } from '../dom';
import * as fmt from '../format';
import { currentWindow } from '../time';
import { api } from '../endpoints';
import { describeError } from './states';

export interface CaptureTarget {
  expression: string; // filter language (docs/filter-language.md)
  name: string; // for the file name
}

export function captureButton(target: CaptureTarget): HTMLElement {
  const b = h(
    'button',
    {
      class: 'button pcap',
      title: capabilities.capture ? `Capture packets: ${target.expression}` : 'Packet capture is not available on this server',
      disabled: !capabilities.capture,
      'data-testid': 'pcap',
    },
    'PCAP',
  );
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    openCaptureDialog(target);
  });
  return b;
}

function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'capture';
}

export function openCaptureDialog(target: CaptureTarget): void {
  const w = currentWindow();
  const expression = h('input', { value: target.expression, 'aria-label': 'Filter expression', class: 'wide' });
  const when = h(
    'select',
    { 'aria-label': 'Time range' },
    h('option', { value: 'selected' }, `Selected time range (${fmt.dateTime(w.start, false)} – ${fmt.dateTime(w.end)})`),
    h('option', { value: 'future' }, 'From now on, until stopped'),
  );
  const snap = h(
    'select',
    { 'aria-label': 'Truncate packets' },
    h('option', { value: '65535' }, 'Whole packets'),
    h('option', { value: '128' }, 'First 128 bytes (headers)'),
    h('option', { value: '96' }, 'First 96 bytes'),
    h('option', { value: '64' }, 'First 64 bytes'),
  );
  const fileName = h('input', { value: `${safeFileName(target.name)}.pcap`, 'aria-label': 'File name' });
  const destination = h(
    'select',
    { 'aria-label': 'Destination' },
    h('option', { value: 'download' }, 'Download (HTTP)'),
    h('option', { value: 'disk' }, 'Store on the server disk'),
  );
  const message = h('div', { class: 'dialog-message' });
  const dialog = h(
    'dialog',
    { class: 'dialog', 'data-testid': 'capture-dialog' },
    h('h2', null, 'Capture packets'),
    h(
      'div',
      { class: 'form-grid' },
      h('label', null, 'Filter', expression),
      h('label', null, 'Time range', when),
      h('label', null, 'Truncate', snap),
      h('label', null, 'File name', fileName),
      h('label', null, 'Destination', destination),
    ),
    message,
    h(
      'div',
      { class: 'dialog-actions' },
      h('button', { class: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h(
        'button',
        {
          class: 'button primary',
          'data-testid': 'start-capture',
          onclick: async () => {
            const params: Record<string, string | number | boolean> = {
              expression: expression.value.trim(),
              snapPacketLength: Number(snap.value),
              fileName: fileName.value.trim(),
            };
            if (when.value === 'selected') {
              params.startTime = w.start * 1_000_000;
              params.endTime = w.end * 1_000_000;
              params.fromCaptureBuffer = true;
            }
            if (destination.value === 'disk') {
              params.captureToMedia = true;
              try {
                await post(api.capture, {}, params);
                message.textContent = 'Capture started on the server; see Captures.';
              } catch (e) {
                message.textContent = describeError(e);
              }
              return;
            }
            const a = h('a', { href: url(api.capture, params), download: fileName.value.trim() || 'capture.pcap' });
            document.body.append(a);
            a.click();
            a.remove();
            dialog.close();
          },
        },
        'Start capture',
      ),
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
