import type { RgbImage } from '../core/types.js';
import { toRgb8, type Rgb8Image } from './rgb.js';

/** For each output index along one axis: the first source index and the normalised weights. */
interface Taps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weights: Float32Array;
  readonly stride: number;
}

/**
 * Triangle-filter taps with half-pixel centres. When enlarging, this is plain bilinear
 * interpolation; when shrinking, the triangle widens by the scale factor so that every source pixel
 * contributes (antialiasing), which is what makes thumbnails of large photos look clean.
 */
function taps(src: number, dst: number): Taps {
  const scale = src / dst;
  const support = Math.max(1, scale);
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const weights = new Float32Array(dst * stride);
  for (let i = 0; i < dst; i++) {
    const centre = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(src - 1, Math.ceil(centre + support));
    let total = 0;
    let n = 0;
    for (let j = lo; j <= hi && n < stride; j++) {
      const w = Math.max(0, 1 - Math.abs(j + 0.5 - centre) / support);
      if (w === 0 && n === 0) continue;
      weights[i * stride + n] = w;
      if (n === 0) start[i] = j;
      total += w;
      n++;
    }
    if (total === 0) {
      // Only when the centre lies beyond the last source pixel: take the nearest one.
      start[i] = Math.min(src - 1, Math.max(0, Math.floor(centre)));
      weights[i * stride] = 1;
      n = 1;
      total = 1;
    }
    for (let k = 0; k < n; k++) weights[i * stride + k] /= total;
    count[i] = n;
  }
  return { start, count, weights, stride };
}

/**
 * Resize an image for display (thumbnails, grid cells): separable triangle filter, half-pixel
 * centres, antialiased when shrinking. Not for model input: the model path has its own
 * PyTorch-parity resize on tensors.
 */
export function resizeRgb(image: RgbImage, width: number, height: number): Rgb8Image {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
  const src = toRgb8(image);
  if (src.width === width && src.height === height) {
    return { width, height, channels: 3, data: src.data.slice() };
  }
  const tx = taps(src.width, width);
  const ty = taps(src.height, height);
  // Horizontal pass into floats, then vertical pass with rounding: one rounding only.
  const mid = new Float32Array(src.height * width * 3);
  for (let y = 0; y < src.height; y++) {
    const row = y * src.width * 3;
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < tx.count[x]; k++) {
        const w = tx.weights[x * tx.stride + k];
        const o = row + (tx.start[x] + k) * 3;
        r += w * src.data[o];
        g += w * src.data[o + 1];
        b += w * src.data[o + 2];
      }
      const d = (y * width + x) * 3;
      mid[d] = r;
      mid[d + 1] = g;
      mid[d + 2] = b;
    }
  }
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < ty.count[y]; k++) {
        const w = ty.weights[y * ty.stride + k];
        const o = ((ty.start[y] + k) * width + x) * 3;
        r += w * mid[o];
        g += w * mid[o + 1];
        b += w * mid[o + 2];
      }
      const d = (y * width + x) * 3;
      out[d] = Math.min(255, Math.max(0, Math.round(r)));
      out[d + 1] = Math.min(255, Math.max(0, Math.round(g)));
      out[d + 2] = Math.min(255, Math.max(0, Math.round(b)));
    }
  }
  return { width, height, channels: 3, data: out };
}

/**
 * Shrink an image so that its longer side is at most `maxSide`, keeping the aspect ratio; images
 * already small enough are returned unchanged (as 8-bit RGB).
 */
export function fitWithin(image: RgbImage, maxSide: number): Rgb8Image {
  if (!Number.isInteger(maxSide) || maxSide <= 0) throw new RangeError(`maxSide must be a positive integer, got ${maxSide}`);
  const src = toRgb8(image);
  const longer = Math.max(src.width, src.height);
  if (longer <= maxSide) return src;
  const s = maxSide / longer;
  return resizeRgb(src, Math.max(1, Math.round(src.width * s)), Math.max(1, Math.round(src.height * s)));
}
