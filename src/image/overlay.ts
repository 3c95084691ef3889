import type { RgbImage } from '../core/types.js';
import { applyColormap, type ColormapName } from './colormap.js';
import { toRgb8, type Rgb8Image } from './rgb.js';

/** How a saliency map is drawn over its image. */
export interface OverlayOptions {
  /** Colormap for the map (default `jet`, the one saliency papers use). */
  colormap?: ColormapName;
  /** Weight of the colour map in the blend, 0 (image only) to 1 (map only). Default 0.5. */
  alpha?: number;
}

function checkMap(map: ArrayLike<number>, width: number, height: number): void {
  if (!map || typeof map.length !== 'number') throw new TypeError('map must be an array of numbers');
  if (map.length !== width * height) {
    throw new RangeError(
      `map has ${map.length} values but the image is ${width}x${height} (${width * height} pixels): ` +
        'the map must have the image size',
    );
  }
}

/**
 * The map alone through a colormap, as an image of the given size (`map` is `height × width`,
 * row-major, values in [0, 1]).
 */
export function colorizeMap(
  map: ArrayLike<number>,
  width: number,
  height: number,
  colormap: ColormapName = 'jet',
): Rgb8Image {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`map size must be positive integers, got ${width}x${height}`);
  }
  checkMap(map, width, height);
  return { width, height, channels: 3, data: applyColormap(map, colormap) };
}

/**
 * A saliency map blended over its image: `out = (1 − α)·image + α·colormap(map)` per channel, in
 * sRGB values as stored (no linearisation: this is how saliency overlays are conventionally drawn,
 * and it keeps the colormap's colours recognisable), rounded to 8 bits. `map` must be
 * `image.height × image.width`, values in [0, 1] (clamped; NaN draws as 0).
 */
export function overlay(image: RgbImage, map: ArrayLike<number>, options: OverlayOptions = {}): Rgb8Image {
  const { colormap = 'jet', alpha = 0.5 } = options;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) {
    throw new RangeError(`alpha must be a number in [0, 1], got ${alpha}`);
  }
  const img = toRgb8(image);
  checkMap(map, img.width, img.height);
  const colours = applyColormap(map, colormap);
  const out = new Uint8Array(img.data.length);
  const keep = 1 - alpha;
  for (let i = 0; i < out.length; i++) out[i] = Math.round(keep * img.data[i] + alpha * colours[i]);
  return { width: img.width, height: img.height, channels: 3, data: out };
}
