import * as tf from '../core/tf.js';
import type { ModelAdapter, SplitModel } from '../core/types.js';
import { resolvePreprocess } from '../core/preprocess.js';

/**
 * A two-class model small enough to compute by hand, for tests:
 * A = 2×2 average pool of input channels 0 and 1 (κ = `pool`), then
 * logit₀ = 2·mean(A₀) − mean(A₁), logit₁ = 0.5·mean(A₁) + γ·h·w (h×w = A's size), so the
 * gradients are constants per channel and the prediction can flip to class 1 at larger sizes.
 */
export function toyModel(gamma: number, inputSize = 8): ModelAdapter {
  const tail = (a: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const m = a.mean([1, 2]).reshape([2]);
      const [m0, m1] = tf.unstack(m);
      const hw = a.shape[1] * a.shape[2];
      const l0 = tf.sub(tf.mul(m0, 2), m1);
      const l1 = tf.add(tf.mul(m1, 0.5), gamma * hw);
      return tf.stack([l0, l1]).reshape([1, 2]) as tf.Tensor2D;
    });
  const head = (x: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => tf.avgPool(x.slice([0, 0, 0, 0], [1, x.shape[1], x.shape[2], 2]), 2, 2, 'valid') as tf.Tensor4D);
  const split = (layer: string): SplitModel => {
    if (layer !== 'pool') throw new Error(`unknown layer "${layer}"`);
    return {
      layer,
      head: async (x) => ({ activation: head(x), context: [] }),
      tail: (a) => tail(a),
      dispose: () => {},
    };
  };
  return {
    name: 'toy',
    labels: ['zero', 'one'],
    preprocess: resolvePreprocess('unit'),
    inputSize,
    engine: 'test',
    listLayers: () => [{ name: 'pool', kind: 'AvgPool', shape: [1, inputSize / 2, inputSize / 2, 2], spatial: true }],
    defaultLayer: () => 'pool',
    split,
    predict: async (x) => tf.tidy(() => tail(head(x))),
    predictDifferentiable: (x) => tf.tidy(() => tail(head(x))),
    dispose: () => {},
  };
}

/** PyTorch-rule bilinear resize (half-pixel centres, clamped) of an H×W×C float64 array. */
export function refBilinear(src: Float64Array, h: number, w: number, c: number, H: number, W: number): Float64Array {
  const out = new Float64Array(H * W * c);
  const coord = (dst: number, inSize: number, outSize: number) => {
    const s = Math.max(0, ((dst + 0.5) * inSize) / outSize - 0.5);
    const i0 = Math.floor(s);
    return [i0, Math.min(i0 + 1, inSize - 1), s - i0] as const;
  };
  for (let y = 0; y < H; y++) {
    const [y0, y1, fy] = coord(y, h, H);
    for (let x = 0; x < W; x++) {
      const [x0, x1, fx] = coord(x, w, W);
      for (let k = 0; k < c; k++) {
        const v = (yy: number, xx: number) => src[(yy * w + xx) * c + k];
        out[(y * W + x) * c + k] = (1 - fy) * ((1 - fx) * v(y0, x0) + fx * v(y0, x1)) + fy * ((1 - fx) * v(y1, x0) + fx * v(y1, x1));
      }
    }
  }
  return out;
}
