import type { RgbImage } from '../core/types.js';
import { drawText, fitText, GLYPH_HEIGHT, measureText } from './font.js';
import { createRgb8, toRgb8, type Rgb, type Rgb8Image } from './rgb.js';

/** Options shared by {@link grid} and {@link sideBySide}. */
export interface LayoutOptions {
  /** Pixels between cells (and between labels and cells). Default 4. */
  gap?: number;
  /** Canvas colour behind cells and labels. Default white. */
  background?: Rgb;
  /** Caption colour. Default black. */
  textColor?: Rgb;
  /**
   * Size of a font pixel in output pixels (the font is 5×7). Default: from the narrowest column,
   * `clamp(floor(width / 112), 1, 4)`, so a 224-px panel gets 14-px-high captions.
   */
  fontScale?: number;
}

/** Options of {@link grid}. */
export interface GridOptions extends LayoutOptions {
  /** One caption per row, drawn left of the row, vertically centred. */
  rowLabels?: readonly string[];
  /** One caption per column, drawn above the first row, centred. */
  colLabels?: readonly string[];
  /** Captions per cell (`cellLabels[r][c]`), drawn in a band below each row. */
  cellLabels?: readonly (readonly (string | undefined)[])[];
}

/** Options of {@link sideBySide}. */
export interface SideBySideOptions extends LayoutOptions {
  /** One caption per panel, drawn above it. */
  labels?: readonly string[];
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
}

function blit(dst: Rgb8Image, src: Rgb8Image, x0: number, y0: number): void {
  for (let y = 0; y < src.height; y++) {
    const from = y * src.width * 3;
    dst.data.set(src.data.subarray(from, from + src.width * 3), ((y0 + y) * dst.width + x0) * 3);
  }
}

/**
 * Lay images out in rows and columns on one canvas, with optional captions, e.g. images down the
 * side and methods across the top. Rows may be ragged (missing cells stay background). Each
 * column is as wide as its widest cell and each row as tall as its tallest; a smaller cell is
 * centred in its slot. Layout, all optional parts omitted when unused:
 * `[row-label column | gap] cells separated by gap`, with a column-label band plus gap on top and
 * a cell-label band below each row (plus gap between rows). Label bands are `7·scale + 2·pad` high,
 * `pad = 2·scale`; captions too long for their slot are shortened with `..`.
 */
export function grid(rows: readonly (readonly RgbImage[])[], options: GridOptions = {}): Rgb8Image {
  if (!Array.isArray(rows) || rows.length === 0) throw new RangeError('grid needs at least one row');
  const cells = rows.map((row, r) => {
    if (!Array.isArray(row)) throw new TypeError(`grid row ${r} is not an array`);
    return row.map((img) => toRgb8(img));
  });
  const nRows = cells.length;
  const nCols = Math.max(...cells.map((r) => r.length));
  if (nCols === 0) throw new RangeError('grid needs at least one image');
  const { rowLabels, colLabels, cellLabels, gap = 4, background = [255, 255, 255], textColor = [0, 0, 0] } = options;
  checkInt('gap', gap, 0);
  if (rowLabels && rowLabels.length !== nRows) throw new RangeError(`rowLabels has ${rowLabels.length} entries for ${nRows} rows`);
  if (colLabels && colLabels.length !== nCols) throw new RangeError(`colLabels has ${colLabels.length} entries for ${nCols} columns`);
  if (cellLabels && cellLabels.length !== nRows) throw new RangeError(`cellLabels has ${cellLabels.length} rows for ${nRows} rows`);

  const colW = Array.from({ length: nCols }, (_, c) => Math.max(0, ...cells.map((r) => r[c]?.width ?? 0)));
  const rowH = cells.map((r) => Math.max(...r.map((img) => img.height), 0));
  const scale = options.fontScale ?? Math.min(4, Math.max(1, Math.floor(Math.min(...colW.filter((w) => w > 0)) / 112)));
  checkInt('fontScale', scale, 1);
  const pad = 2 * scale;
  const bandH = GLYPH_HEIGHT * scale + 2 * pad;

  const hasColBand = !!colLabels && colLabels.some((s) => s);
  const rowHasCellBand = cells.map((_, r) => !!cellLabels?.[r]?.some((s) => s));
  const labelW = rowLabels ? Math.max(0, ...rowLabels.map((s) => measureText(s, scale).width)) : 0;
  const leftW = rowLabels && labelW > 0 ? labelW + 2 * pad + gap : 0;

  const colX: number[] = [];
  let x = leftW;
  for (let c = 0; c < nCols; c++) {
    colX.push(x);
    x += colW[c] + (c < nCols - 1 ? gap : 0);
  }
  const width = x;
  const rowY: number[] = [];
  let y = hasColBand ? bandH + gap : 0;
  for (let r = 0; r < nRows; r++) {
    rowY.push(y);
    y += rowH[r] + (rowHasCellBand[r] ? bandH : 0) + (r < nRows - 1 ? gap : 0);
  }
  const height = y;
  const canvas = createRgb8(Math.max(1, width), Math.max(1, height), background);

  const caption = (text: string | undefined, slotX: number, slotW: number, top: number): void => {
    if (!text) return;
    const fitted = fitText(text, slotW - 2 * pad, scale);
    const w = measureText(fitted, scale).width;
    drawText(canvas, fitted, slotX + Math.floor((slotW - w) / 2), top + pad, textColor, scale);
  };

  if (hasColBand) colLabels!.forEach((text, c) => caption(text, colX[c], colW[c], 0));
  for (let r = 0; r < nRows; r++) {
    cells[r].forEach((img, c) => {
      blit(canvas, img, colX[c] + Math.floor((colW[c] - img.width) / 2), rowY[r] + Math.floor((rowH[r] - img.height) / 2));
    });
    if (rowHasCellBand[r]) cellLabels![r].forEach((text, c) => c < nCols && caption(text, colX[c], colW[c], rowY[r] + rowH[r]));
    if (leftW > 0 && rowLabels![r]) {
      const top = rowY[r] + Math.floor((rowH[r] - GLYPH_HEIGHT * scale) / 2);
      drawText(canvas, rowLabels![r], pad, top, textColor, scale);
    }
  }
  return canvas;
}

/**
 * Panels in one row, e.g. image | CAMERAS | Grad-CAM, with an optional caption above each: a
 * one-row {@link grid}. Width = sum of panel widths + `gap · (n − 1)`; height = tallest panel,
 * plus the caption band and gap when labels are given.
 */
export function sideBySide(panels: readonly RgbImage[], options: SideBySideOptions = {}): Rgb8Image {
  if (!Array.isArray(panels) || panels.length === 0) throw new RangeError('sideBySide needs at least one panel');
  const { labels, ...rest } = options;
  if (labels && labels.length !== panels.length) {
    throw new RangeError(`sideBySide got ${labels.length} labels for ${panels.length} panels`);
  }
  return grid([panels], { ...rest, colLabels: labels });
}
