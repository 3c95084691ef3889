import type { RgbImage } from '../core/types.js';
import type { Rgb8Image } from '../image/rgb.js';
import { toRgb8, createRgb8 } from '../image/rgb.js';
import { drawText, fitText } from '../image/font.js';
import { GLYPH_HEIGHT } from '../image/font.js';

/** Colours of the diverging scale: −1 (evidence for B), 0, +1 (evidence for A). */
const NEG: readonly [number, number, number] = [33, 102, 172];
const MID: readonly [number, number, number] = [247, 247, 247];
const POS: readonly [number, number, number] = [178, 24, 43];

/**
 * A blue–white–red diverging colormap on the symmetric range [−scale, scale]: negative values blue,
 * zero white, positive red, linear in between, clamped outside. Returns RGB bytes per value.
 */
export function divergingColors(values: ArrayLike<number>, scale: number): Uint8Array {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive finite number, got ${scale}`);
  const out = new Uint8Array(values.length * 3);
  for (let i = 0; i < values.length; i++) {
    const raw = values[i];
    const t = Number.isNaN(raw) ? 0 : Math.max(-1, Math.min(1, raw / scale));
    const end = t < 0 ? NEG : POS;
    const a = Math.abs(t);
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round(MID[c] + a * (end[c] - MID[c]));
  }
  return out;
}

/** Two maps on a shared scale and their difference. */
export interface ClassContrast {
  /** A / s and B / s with s = max(max A, max B): both in [0, 1], comparable. */
  readonly a: Float32Array;
  readonly b: Float32Array;
  /** (A − B) / s: positive where the evidence for A exceeds that for B, in [−1, 1]. */
  readonly difference: Float32Array;
  /** s, in the maps' raw units (0 when both maps are zero). */
  readonly scale: number;
  /** max |A − B| / s: the symmetric colour range that shows the difference. */
  readonly differenceRange: number;
}

/**
 * Class contrast of two raw (un-normalised, non-negative) maps of the same model and method: both
 * divided by one shared scale so their colours compare, and the difference map A − B on that scale.
 * Per-map normalisation would hide which class has more evidence; the raw maps are in the same
 * units (gradient × activation of one model) so one scale is meaningful.
 */
export function classContrast(rawA: ArrayLike<number>, rawB: ArrayLike<number>): ClassContrast {
  if (rawA.length !== rawB.length) throw new RangeError(`maps differ in size (${rawA.length} vs ${rawB.length} values)`);
  let s = 0;
  for (let i = 0; i < rawA.length; i++) {
    if (!Number.isFinite(rawA[i]) || !Number.isFinite(rawB[i])) throw new RangeError(`non-finite map value at ${i}`);
    s = Math.max(s, rawA[i], rawB[i]);
  }
  const n = rawA.length;
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  const difference = new Float32Array(n);
  let range = 0;
  if (s > 0) {
    for (let i = 0; i < n; i++) {
      a[i] = rawA[i] / s;
      b[i] = rawB[i] / s;
      difference[i] = a[i] - b[i];
      range = Math.max(range, Math.abs(difference[i]));
    }
  }
  return { a, b, difference, scale: s, differenceRange: range };
}

/** A difference map drawn with {@link divergingColors} on ±`range` (white when `range` is 0). */
export function differenceImage(difference: ArrayLike<number>, width: number, height: number, range: number): Rgb8Image {
  if (difference.length !== width * height) throw new RangeError(`difference map has ${difference.length} values, expected ${width}×${height}`);
  return { width, height, channels: 3, data: divergingColors(difference, range > 0 ? range : 1) };
}

/** Options of {@link captionBelow}. */
export interface CaptionOptions {
  /** Font pixel size (default 1: 7-px-high text). */
  fontScale?: number;
  background?: readonly [number, number, number];
  textColor?: readonly [number, number, number];
}

/**
 * An image with lines of text under it (one line per entry, shortened with `..` to the image width):
 * grid cells that carry several facts (model, class, probability, sizes), which a grid's one-line
 * cell caption cannot. Height = image height + lines · (7·scale + 2·scale) + 2·scale.
 */
export function captionBelow(image: RgbImage, lines: readonly string[], options: CaptionOptions = {}): Rgb8Image {
  const scale = options.fontScale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`fontScale must be a positive integer, got ${scale}`);
  const img = toRgb8(image);
  const lineH = GLYPH_HEIGHT * scale + 2 * scale;
  const height = img.height + lines.length * lineH + (lines.length ? 2 * scale : 0);
  const canvas = createRgb8(img.width, height, options.background ?? [255, 255, 255]);
  canvas.data.set(img.data, 0);
  lines.forEach((text, i) => {
    drawText(canvas, fitText(text, img.width - 2 * scale, scale), scale, img.height + 2 * scale + i * lineH, options.textColor ?? [0, 0, 0], scale);
  });
  return canvas;
}
