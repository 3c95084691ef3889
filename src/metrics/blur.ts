import type { RgbImage } from '../core/types.js';
import { toFloatRgb } from './pixels.js';

/** Blur used as the insertion substrate: σ = 5 px on an 11-tap kernel, as RISE's reference code. */
export const RISE_BLUR = Object.freeze({ sigma: 5, radius: 5 });

/** Normalised 1-D Gaussian taps `exp(−k²/2σ²)` for k = −radius..radius. */
export function gaussianKernel(sigma: number, radius: number): Float64Array {
  if (!(sigma > 0) || !Number.isInteger(radius) || radius < 0) throw new RangeError(`gaussianKernel: bad sigma ${sigma} or radius ${radius}`);
  const k = new Float64Array(2 * radius + 1);
  let s = 0;
  for (let i = -radius; i <= radius; i++) s += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= s;
  return k;
}

/**
 * Separable Gaussian blur of an RGB image (alpha dropped). Borders replicate the edge pixel, so
 * a uniform image stays uniform (RISE's reference code pads with zeros, which darkens a 5 px frame;
 * we do not copy that artefact).
 *
 * @param sigma - Standard deviation in pixels (default 5, RISE's).
 * @param radius - Kernel half-width (default 5: 11 taps, RISE's).
 */
export function gaussianBlur(image: RgbImage, sigma: number = RISE_BLUR.sigma, radius: number = RISE_BLUR.radius): RgbImage {
  const src = toFloatRgb(image);
  const { width: w, height: h } = src;
  const k = gaussianKernel(sigma, radius);
  const tmp = new Float32Array(w * h * 3);
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (let t = -radius; t <= radius; t++) {
        const xx = Math.min(w - 1, Math.max(0, x + t));
        const q = 3 * (y * w + xx);
        const wt = k[t + radius]!;
        r += wt * src.data[q]!;
        g += wt * src.data[q + 1]!;
        b += wt * src.data[q + 2]!;
      }
      const p = 3 * (y * w + x);
      tmp[p] = r; tmp[p + 1] = g; tmp[p + 2] = b;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (let t = -radius; t <= radius; t++) {
        const yy = Math.min(h - 1, Math.max(0, y + t));
        const q = 3 * (yy * w + x);
        const wt = k[t + radius]!;
        r += wt * tmp[q]!;
        g += wt * tmp[q + 1]!;
        b += wt * tmp[q + 2]!;
      }
      const p = 3 * (y * w + x);
      out[p] = r; out[p + 1] = g; out[p + 2] = b;
    }
  }
  return { width: w, height: h, channels: 3, data: out };
}
