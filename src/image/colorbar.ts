/**
 * A colour bar under a figure of maps, so that a PNG read on its own says which colours mean
 * high and low saliency.
 */
import { colormapLut, type ColormapName } from './colormap.js';
import { drawText, GLYPH_HEIGHT, measureText } from './font.js';
import { createRgb8, toRgb8, type Rgb8Image } from './rgb.js';
import type { RgbImage } from '../core/types.js';

/** Options of {@link colorBar} and {@link withColorBar}. */
export interface ColorBarOptions {
  /** Size of a font pixel in output pixels. Default: `clamp(floor(width / 224), 1, 4)`. */
  fontScale?: number;
  /** Caption centred under the bar. Default: `<colormap> map value` (maps are normalised to [0, 1]). */
  label?: string;
}

/** Default font scale for a figure of this width: legible on a 4000-px-wide figure, small on a narrow one. */
export function figureFontScale(width: number): number {
  return Math.min(4, Math.max(1, Math.floor(width / 224)));
}

/**
 * A `width`-pixel-wide strip: the colormap from 0 (left) to 1 (right) as a bar, with `0` and `1`
 * under its ends and the label between them. Height `(2 + 8 + 2 + 7 + 2)·scale`.
 */
export function colorBar(colormap: ColormapName, width: number, options: ColorBarOptions = {}): Rgb8Image {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`colorBar width must be a positive integer, got ${width}`);
  const scale = options.fontScale ?? figureFontScale(width);
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`fontScale must be a positive integer, got ${scale}`);
  const margin = 2 * scale;
  const barTop = 2 * scale;
  const barH = 8 * scale;
  const textTop = barTop + barH + 2 * scale;
  const out = createRgb8(width, textTop + GLYPH_HEIGHT * scale + 2 * scale, [255, 255, 255]);
  const lut = colormapLut(colormap);
  const x0 = Math.min(margin, width - 1);
  const x1 = Math.max(x0 + 1, width - margin);
  for (let x = x0; x < x1; x++) {
    const level = x1 - x0 > 1 ? Math.round((255 * (x - x0)) / (x1 - x0 - 1)) : 255;
    for (let y = barTop; y < barTop + barH; y++) out.data.set(lut.subarray(level * 3, level * 3 + 3), (y * width + x) * 3);
  }
  const black: [number, number, number] = [0, 0, 0];
  const one = measureText('1', scale).width;
  drawText(out, '0', x0, textTop, black, scale);
  drawText(out, '1', x1 - one, textTop, black, scale);
  const label = options.label ?? `${colormap} map value`;
  const w = measureText(label, scale).width;
  // Only when it fits between the end labels: a clipped caption would say something else.
  if (w <= x1 - x0 - 2 * (one + 2 * scale)) drawText(out, label, Math.floor((width - w) / 2), textTop, black, scale);
  return out;
}

/** `figure` with a {@link colorBar} of its full width below it. */
export function withColorBar(figure: RgbImage, colormap: ColormapName, options: ColorBarOptions = {}): Rgb8Image {
  const top = toRgb8(figure);
  const bar = colorBar(colormap, top.width, options);
  const out = createRgb8(top.width, top.height + bar.height, [255, 255, 255]);
  out.data.set(top.data, 0);
  out.data.set(bar.data, top.data.length);
  return out;
}
