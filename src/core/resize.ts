import * as tf from './tf.js';
import { imageToTensor } from './preprocess.js';
import type { RgbImage } from './types.js';

/**
 * Bilinear resize with half-pixel centres and no antialiasing, the convention of PyTorch's
 * `interpolate(mode='bilinear', align_corners=False)`: src = (dst + 0.5)·in/out − 0.5, clamped at 0.
 */
export function resizeBilinear<T extends tf.Tensor3D | tf.Tensor4D>(x: T, size: readonly [number, number]): T {
  const [h, w] = x.rank === 4 ? [x.shape[1], x.shape[2]] : [x.shape[0], x.shape[1]];
  if (h === size[0] && w === size[1]) return x.clone() as T;
  return tf.image.resizeBilinear(x, [size[0], size[1]], false, true) as T;
}

/** Cubic convolution kernel with a = −0.75 (PyTorch's, OpenCV's). */
function cubicWeights(t: number): [number, number, number, number] {
  const a = -0.75;
  const near = (d: number) => ((a + 2) * d - (a + 3)) * d * d + 1;
  const far = (d: number) => ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/**
 * The `out × in` matrix of a 1-D bicubic resize with half-pixel centres: source coordinates are not
 * clamped, tap indices are clamped to the border (PyTorch `align_corners=False`).
 */
export function bicubicMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float64Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = (o + 0.5) * scale - 0.5;
    const i = Math.floor(src);
    const wts = cubicWeights(src - i);
    for (let k = 0; k < 4; k++) {
      const idx = Math.min(Math.max(i - 1 + k, 0), inSize - 1);
      m[o * inSize + idx] += wts[k];
    }
  }
  return Float32Array.from(m);
}

/**
 * Bicubic resize (a = −0.75, half-pixel centres, border-clamped taps, no antialiasing): PyTorch's
 * `interpolate(mode='bicubic', align_corners=False)`. Separable, applied as two matrix products so it
 * runs on the engine's matmul kernels and stays differentiable.
 */
export function resizeBicubic(x: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  const [, h, w, c] = x.shape;
  const [H, W] = size;
  if (h === H && w === W) return x.clone();
  return tf.tidy(() => {
    const rh = tf.tensor2d(bicubicMatrix(h, H), [H, h]);
    const rw = tf.tensor2d(bicubicMatrix(w, W), [W, w]);
    const rows = tf.matMul(rh, x.reshape([h, w * c])).reshape([H, w, c]);
    const cols = tf.matMul(rw, rows.transpose([1, 0, 2]).reshape([w, H * c])).reshape([W, H, c]);
    return cols.transpose([1, 0, 2]).reshape([1, H, W, c]);
  });
}

/** Resize by name: `bilinear` or `bicubic`. */
export function resizeImage(x: tf.Tensor4D, size: readonly [number, number], mode: 'bilinear' | 'bicubic'): tf.Tensor4D {
  return mode === 'bicubic' ? resizeBicubic(x, size) : resizeBilinear(x, size);
}

/**
 * `image` resized bilinearly to `[H, W]` in pixel space (0..255, alpha dropped), as a float image
 * that owns its data.
 */
export function resizePixels(image: RgbImage, shape: readonly [number, number]): RgbImage & { channels: 3; data: Float32Array } {
  // Read outside tidy: tidy walks what its function returns, a typed array index by index.
  const resized = tf.tidy(() => resizeImage(imageToTensor(image), shape, 'bilinear'));
  try {
    return { width: shape[1], height: shape[0], channels: 3, data: Float32Array.from(resized.dataSync()) };
  } finally {
    resized.dispose();
  }
}
