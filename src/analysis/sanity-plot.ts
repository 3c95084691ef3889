import type { Rgb8Image } from '../image/rgb.js';
import { colorizeMap } from '../image/overlay.js';
import { grid } from '../image/layout.js';
import type { RandomizationReport, RandomizationVariant } from './model-randomization.js';
import { shrinkMap, SIMILARITY_KEYS } from './similarity-scores.js';

const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const TITLES: Record<(typeof SIMILARITY_KEYS)[number], string> = {
  spearman: 'Spearman rank correlation',
  spearmanAbs: 'Spearman (absolute values)',
  ssim: 'SSIM',
  hog: 'HOG similarity',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The classic sanity-check plot as SVG text: one panel per similarity measure, x = units randomised
 * (0 = the trained model, then the unit added at each step, named under the axis), y = similarity
 * to the trained model's map on a fixed [−1, 1] axis, one line per method. Undefined (NaN) values
 * break the line.
 */
export function sanityPlotSvg(report: RandomizationReport, variant: RandomizationVariant): string {
  const steps = report.steps.filter((s) => s.variant === variant);
  const methods = Object.keys(report.original);
  const n = steps.length;
  const panelW = Math.max(360, 14 * (n + 1) + 60);
  const panelH = 220;
  const left = 48, top = 46, labelBand = 120, gap = 24;
  const width = left + 2 * panelW + gap + 70;
  const height = top + 2 * (panelH + labelBand) + 10;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="${left}" y="18" font-size="14">${esc(`${variant} randomisation — ${report.model}, class ${report.target.index}${report.target.label ? ` (${report.target.label})` : ''}`)}</text>`);
  methods.forEach((m, i) => {
    const x = left + i * 110;
    parts.push(`<line x1="${x}" y1="32" x2="${x + 18}" y2="32" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="2"/><text x="${x + 22}" y="36">${esc(m)}</text>`);
  });
  SIMILARITY_KEYS.forEach((key, k) => {
    const ox = left + (k % 2) * (panelW + gap);
    const oy = top + Math.floor(k / 2) * (panelH + labelBand);
    const xOf = (i: number) => ox + (n === 0 ? 0 : (i / n) * (panelW - 10));
    const yOf = (v: number) => oy + ((1 - v) / 2) * panelH;
    parts.push(`<g><rect x="${ox}" y="${oy}" width="${panelW - 10}" height="${panelH}" fill="none" stroke="#888"/>`);
    parts.push(`<text x="${ox + 4}" y="${oy + 14}" font-size="12">${TITLES[key]}</text>`);
    for (const v of [-1, -0.5, 0, 0.5, 1]) {
      parts.push(`<line x1="${ox}" y1="${yOf(v)}" x2="${ox + panelW - 10}" y2="${yOf(v)}" stroke="#ddd"/><text x="${ox - 6}" y="${yOf(v) + 4}" text-anchor="end">${v}</text>`);
    }
    const ticks = ['trained', ...steps.map((s) => s.block[0])];
    ticks.forEach((t, i) => {
      const x = xOf(i);
      parts.push(`<text transform="translate(${x + 3},${oy + panelH + 6}) rotate(60)" font-size="9">${esc(t)}</text>`);
    });
    methods.forEach((m, j) => {
      const values = [1, ...steps.map((s) => s.methods[m]?.[key] ?? Number.NaN)];
      let d = '';
      let pen = false;
      values.forEach((v, i) => {
        if (!Number.isFinite(v)) {
          pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`;
        pen = true;
      });
      const c = COLOURS[j % COLOURS.length];
      parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="1.5"/>`);
      values.forEach((v, i) => Number.isFinite(v) && parts.push(`<circle cx="${xOf(i).toFixed(1)}" cy="${yOf(v).toFixed(1)}" r="2" fill="${c}"/>`));
    });
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * The maps of every step as a picture: rows = methods, columns = the trained model then each step,
 * each map colourised (jet) at `thumb` px on its longer side, the unit added named above.
 */
export function sanityGrid(report: RandomizationReport, variant: RandomizationVariant, thumb = 96): Rgb8Image {
  const steps = report.steps.filter((s) => s.variant === variant);
  const methods = Object.keys(report.original);
  const cell = (m: { map: Float32Array; width: number; height: number }) => {
    const s = shrinkMap(m.map, m.width, m.height, thumb);
    return colorizeMap(s.map, s.width, s.height, 'jet');
  };
  const rows = methods.map((name) => [cell(report.original[name]), ...steps.map((s) => cell(s.methods[name].map))]);
  return grid(rows, {
    rowLabels: methods,
    colLabels: ['trained', ...steps.map((s) => s.block[0])],
    fontScale: 1,
    gap: 2,
  });
}
