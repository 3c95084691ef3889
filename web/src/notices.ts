/** Dismissable messages above the results, one per key (a new one replaces the old). */
import { ui } from './page.js';

export function notice(key: string, kind: 'info' | 'warn' | 'error', text: string): void {
  ui.notices.querySelector(`[data-key="${key}"]`)?.remove();
  const div = document.createElement('div');
  div.className = `notice ${kind}`;
  div.dataset.key = key;
  const span = document.createElement('span');
  span.textContent = text;
  const close = Object.assign(document.createElement('button'), { type: 'button', textContent: '×', title: 'Dismiss' });
  close.addEventListener('click', () => div.remove());
  div.append(span, close);
  ui.notices.append(div);
}

export function clearNotice(key: string): void {
  ui.notices.querySelector(`[data-key="${key}"]`)?.remove();
}
