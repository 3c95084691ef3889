import type { RgbImage } from '../core/types.js';

/**
 * A model-agnostic scorer: the probability (softmax) the classifier gives the class being
 * explained, for an image in pixel space (RGB on the 0..255 scale, before any model
 * preprocessing). The caller resizes and normalises the image exactly as for the saliency map.
 */
export type ProbabilityFn = (image: RgbImage) => Promise<number>;

/** Copy an image to a 3-channel Float32 image (alpha dropped), the form the metrics modify. */
export function toFloatRgb(image: RgbImage): RgbImage & { data: Float32Array; channels: 3 } {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`bad image size ${width}×${height}`);
  }
  if (channels !== 3 && channels !== 4) throw new RangeError(`image must have 3 or 4 channels, got ${channels}`);
  if (data.length !== width * height * channels) {
    throw new RangeError(`image data has ${data.length} values, expected ${width}×${height}×${channels}`);
  }
  const out = new Float32Array(width * height * 3);
  for (let p = 0, q = 0; p < width * height; p++, q += channels) {
    out[3 * p] = data[q]!;
    out[3 * p + 1] = data[q + 1]!;
    out[3 * p + 2] = data[q + 2]!;
  }
  return { width, height, channels: 3, data: out };
}

/** Check that a map matches the image and lies in [0, 1] (tiny float excursions are clamped later). */
export function checkUnitMap(map: ArrayLike<number>, width: number, height: number, what: string): void {
  if (map.length !== width * height) {
    throw new RangeError(`${what}: map has ${map.length} values, image is ${width}×${height} (resize the map first)`);
  }
  for (let i = 0; i < map.length; i++) {
    const v = map[i]!;
    if (!(v >= -1e-6 && v <= 1 + 1e-6)) throw new RangeError(`${what}: map value ${v} at ${i} is outside [0, 1] (normalise the map)`);
  }
}

/** Check that a map matches the image size (any real values: only their order matters). */
export function checkMapSize(map: ArrayLike<number>, width: number, height: number, what: string): void {
  if (map.length !== width * height) {
    throw new RangeError(`${what}: map has ${map.length} values, image is ${width}×${height} (resize the map first)`);
  }
}

/** `image ⊙ weights`: every channel of pixel p multiplied by `weights[p]` (clamped to [0, 1]). */
export function maskImage(image: RgbImage, weights: ArrayLike<number>): RgbImage {
  const src = toFloatRgb(image);
  checkUnitMap(weights, src.width, src.height, 'maskImage');
  const d = src.data;
  for (let p = 0; p < weights.length; p++) {
    const w = Math.min(1, Math.max(0, weights[p]!));
    d[3 * p] = d[3 * p]! * w;
    d[3 * p + 1] = d[3 * p + 1]! * w;
    d[3 * p + 2] = d[3 * p + 2]! * w;
  }
  return src;
}

/** Call the scorer and insist on a probability. */
export async function scoreProbability(probability: ProbabilityFn, image: RgbImage): Promise<number> {
  const p = await probability(image);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`probability callback returned ${p}, expected a number in [0, 1]`);
  return p;
}
