/** The result panels: one per method, their states, overlays, captions and downloads. */
import { canvasPng, download, drawOverlay } from './draw.js';
import type { ExplainReport, MethodName } from './protocol.js';
import { FIXED_METHODS, title } from './methods.js';
import { $, state, ui } from './page.js';
import { COLORMAP_NAMES, isColormapName, type ColormapName } from '../../src/image/index.js';
import { encodeNpy } from '../../src/image/npy.js';

export function panel(method: MethodName): HTMLElement {
  return $(`panel-${method}`);
}

/** The method's panel when it has one: the fixed two always, the others while they are ticked. */
export function panelOf(method: MethodName): HTMLElement | null {
  return document.getElementById(`panel-${method}`);
}

/**
 * A panel for a method beyond the fixed two, built like theirs (same classes, so the styles, the
 * progress bar and the downloads work alike). Created only when its method is ticked, so that the
 * page shows, and the e2e counts, exactly the panels of the chosen methods.
 */
export function addPanel(method: MethodName): HTMLElement {
  const fig = Object.assign(document.createElement('figure'), { className: 'panel', id: `panel-${method}` });
  fig.dataset.state = 'empty';
  const frame = Object.assign(document.createElement('div'), { className: 'frame' });
  const busy = Object.assign(document.createElement('div'), { className: 'busy' });
  busy.append(Object.assign(document.createElement('span'), { className: 'busy-text' }), Object.assign(document.createElement('progress'), { max: 1, value: 0 }));
  frame.append(Object.assign(document.createElement('canvas'), { id: `canvas-${method}` }), Object.assign(document.createElement('p'), { className: 'placeholder', textContent: title(method) }), busy);
  const caption = document.createElement('figcaption');
  caption.append(Object.assign(document.createElement('strong'), { textContent: title(method) }), ' ', Object.assign(document.createElement('span'), { className: 'meta' }));
  const warning = Object.assign(document.createElement('p'), { className: 'map-warning', hidden: true });
  warning.setAttribute('role', 'status');
  const downloads = Object.assign(document.createElement('div'), { className: 'downloads' });
  for (const [kind, text] of [['png', 'Overlay PNG'], ['npy', 'Map .npy'], ['raw', 'Raw map .npy']] as const) {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: text });
    b.dataset.download = kind;
    downloads.append(b);
  }
  fig.append(frame, caption, warning, downloads);
  ui.panels.append(fig);
  wireDownloads(method, fig);
  return fig;
}

export function setPanel(el: HTMLElement, stateName: 'empty' | 'running' | 'done' | 'error', meta = '', warnings: readonly string[] = []): void {
  el.dataset.state = stateName;
  const m = el.querySelector('.meta');
  if (m) m.textContent = meta;
  // Shown beside the map it qualifies (e.g. CAMERAS kept one size: no sharper than Grad-CAM).
  const w = el.querySelector<HTMLElement>('.map-warning');
  if (w) {
    w.textContent = warnings.map((t) => `⚠ ${t}`).join('\n');
    w.hidden = warnings.length === 0;
  }
}

export function alpha(): number {
  return Number(ui.opacity.value) / 100;
}

export function colormap(): ColormapName {
  return isColormapName(ui.colormap.value) ? ui.colormap.value : 'jet';
}

export function redraw(method: MethodName): void {
  const r = state.results[method];
  if (!r || !state.image || !panelOf(method)) return;
  drawOverlay($<HTMLCanvasElement>(`canvas-${method}`), state.image, r.map, colormap(), alpha());
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function className(p: { index: number; label?: string }): string {
  return p.label ? p.label.split(',')[0] : `class ${p.index}`;
}

export function describe(r: ExplainReport): string {
  const parts = [`${className(r.target)} (p = ${r.target.probability.toFixed(3)})`, `sizes ${r.sizesUsed.join(', ') || 'none'}`];
  if (r.sizesRejected.length) parts.push(`rejected ${r.sizesRejected.join(', ')} (${r.accept === 'prediction' || r.accept === 'target' ? 'prediction changed' : `not in the ${r.accept}`})`);
  parts.push(`${seconds(r.ms)} on ${r.backend}`);
  if (r.layer) parts.push(`layer ${r.layer}`);
  return parts.join(' · ');
}

export function clearResults(): void {
  state.results = {};
  for (const m of state.methods) {
    const p = panelOf(m);
    if (!p) continue;
    setPanel(p, 'empty');
    p.removeAttribute('data-sizes-used');
  }
}

// Display settings apply to every panel.
ui.colormap.replaceChildren(...COLORMAP_NAMES.map((n) => Object.assign(document.createElement('option'), { value: n, textContent: n })));
ui.opacity.addEventListener('input', () => {
  ui.opacityOut.value = `${ui.opacity.value}%`;
  state.methods.forEach(redraw);
});
ui.colormap.addEventListener('change', () => state.methods.forEach(redraw));

/** The panel's download buttons: the overlay as PNG, the map and the raw map as `.npy`. */
export function wireDownloads(method: MethodName, el: HTMLElement): void {
  el.addEventListener('click', async (e) => {
    const kind = (e.target as HTMLElement).closest('button')?.dataset.download;
    const r = state.results[method];
    if (!kind || !r) return;
    const stem = `${state.imageName}.${method}`;
    if (kind === 'png') download(await canvasPng($<HTMLCanvasElement>(`canvas-${method}`)), `${stem}.png`);
    else download(encodeNpy(kind === 'raw' ? r.raw : r.map, [r.height, r.width]), kind === 'raw' ? `${stem}.raw.npy` : `${stem}.npy`);
  });
}
for (const method of FIXED_METHODS) wireDownloads(method, panel(method));
