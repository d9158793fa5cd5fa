// The global time selector in the top bar: live (rolling) spans or a fixed range of packet time.
import { h, replace } from '../dom';
import * as fmt from '../format';
import { LIVE_SPANS, currentWindow, getSelection, onSelectionChange, setRange, setSelection, traceTime } from '../time';

export class TimeBar {
  readonly el: HTMLElement;
  private select: HTMLSelectElement;
  private rangeBox: HTMLElement;
  private summary: HTMLElement;

  constructor() {
    this.select = h(
      'select',
      { 'aria-label': 'Time range', 'data-testid': 'time-mode' },
      ...LIVE_SPANS.map(([span, label]) => h('option', { value: `live:${span}` }, `Live: ${label}`)),
      h('option', { value: 'range' }, 'Back in time: fixed range…'),
    );
    this.select.addEventListener('change', () => {
      const v = this.select.value;
      if (v.startsWith('live:')) setSelection({ mode: 'live', span: Number(v.slice(5)) });
      else {
        const w = currentWindow();
        setRange(w.start, w.end);
      }
    });
    this.rangeBox = h('span', { class: 'range-box' });
    this.summary = h('span', { class: 'time-summary', 'data-testid': 'time-summary' });
    this.el = h('div', { class: 'timebar' }, this.select, this.rangeBox, this.summary);
    onSelectionChange(() => this.render());
    this.render();
  }

  render(): void {
    const s = getSelection();
    this.select.value = s.mode === 'live' ? `live:${s.span}` : 'range';
    if (this.select.value === '' && s.mode === 'live') this.select.value = 'live:0';
    if (s.mode === 'range') {
      const from = h('input', { type: 'datetime-local', step: 1, value: fmt.toLocalInput(s.start), 'aria-label': 'From' });
      const to = h('input', { type: 'datetime-local', step: 1, value: fmt.toLocalInput(s.end), 'aria-label': 'To' });
      const apply = () => {
        const a = fmt.fromLocalInput(from.value);
        const b = fmt.fromLocalInput(to.value);
        if (a !== null && b !== null && b > a) setRange(a, b);
        else to.setCustomValidity('The end must be after the start');
      };
      from.addEventListener('change', apply);
      to.addEventListener('change', apply);
      replace(
        this.rangeBox,
        from,
        '→',
        to,
        h('button', { class: 'button', onclick: () => setSelection({ mode: 'live', span: 0 }), 'data-testid': 'back-to-live' }, 'Live'),
      );
    } else {
      replace(this.rangeBox);
    }
    this.updateSummary();
  }

  updateSummary(): void {
    const t = traceTime();
    if (!t.known) {
      this.summary.textContent = 'no packets yet';
      return;
    }
    const w = currentWindow();
    const live = getSelection().mode === 'live';
    this.summary.textContent = `${live ? '● ' : ''}${fmt.dateTime(w.start, false)} – ${fmt.dateTime(w.end)} (${fmt.duration(
      w.end - w.start,
    )})`;
    this.summary.classList.toggle('live', live);
  }
}
