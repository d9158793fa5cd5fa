// Loading, empty and error states shared by every view.
import { ApiError } from '../api';
import { h } from '../dom';

export function loading(text = 'Loading…'): HTMLElement {
  return h('div', { class: 'state loading' }, h('span', { class: 'spinner' }), text);
}

export function empty(text: string): HTMLElement {
  return h('div', { class: 'state empty' }, text);
}

export function errorState(e: unknown): HTMLElement {
  return h('div', { class: 'state error', role: 'alert' }, describeError(e));
}

export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 404) return `Not found: ${e.message}`;
    if (e.status === 403) return `Your role may not see this: ${e.message}`;
    return e.parameter ? `${e.message} (parameter “${e.parameter}”)` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
