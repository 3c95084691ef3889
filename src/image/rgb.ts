import type { RgbImage } from '../core/types.js';

/** An 8-bit, 3-channel RGB image: what the decoders return and the drawing code produces. */
export interface Rgb8Image extends RgbImage {
  readonly channels: 3;
  readonly data: Uint8Array;
}

/** An RGB colour, each component 0..255. */
export type Rgb = readonly [number, number, number];

/**
 * Throw a `RangeError` unless `image` has positive integer dimensions and exactly
 * `width * height * channels` values. Every public drawing function calls it first, so bad input
 * fails with a clear message instead of reading out of bounds.
 */
export function assertRgbImage(image: RgbImage, what = 'image'): void {
  if (image === null || typeof image !== 'object') throw new TypeError(`${what} must be an RgbImage object`);
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${width}x${height}`);
  }
  if (channels !== 3 && channels !== 4) throw new RangeError(`${what}: channels must be 3 or 4, got ${channels}`);
  if (!data || data.length !== width * height * channels) {
    throw new RangeError(
      `${what}: data has ${data?.length} values, expected ${width}x${height}x${channels} = ${width * height * channels}`,
    );
  }
}

/** A new image of the given size filled with one colour. */
export function createRgb8(width: number, height: number, fill: Rgb = [0, 0, 0]): Rgb8Image {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  const data = new Uint8Array(width * height * 3);
  if (fill[0] !== 0 || fill[1] !== 0 || fill[2] !== 0) {
    for (let i = 0; i < data.length; i += 3) {
      data[i] = fill[0];
      data[i + 1] = fill[1];
      data[i + 2] = fill[2];
    }
  }
  return { width, height, channels: 3, data };
}

/**
 * The image as 8-bit RGB: alpha dropped (the core types say alpha is ignored), float values rounded
 * and clamped to 0..255. Returns `image` itself when it already is 8-bit RGB in a `Uint8Array`.
 */
export function toRgb8(image: RgbImage): Rgb8Image {
  assertRgbImage(image);
  const { width, height, channels, data } = image;
  if (channels === 3 && data instanceof Uint8Array && !(data instanceof Uint8ClampedArray)) {
    return image as Rgb8Image;
  }
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const isFloat = data instanceof Float32Array;
  for (let p = 0, s = 0, d = 0; p < n; p++, s += channels, d += 3) {
    for (let c = 0; c < 3; c++) {
      const v = data[s + c];
      out[d + c] = isFloat ? (v > 255 ? 255 : v > 0 ? Math.round(v) : 0) : v;
    }
  }
  return { width, height, channels: 3, data: out };
}
