/**
 * Small hand-computable models for the methods' tests, and the float64 references they are checked
 * against. Every model here takes batches, as the perturbation and SmoothGrad/IG methods need.
 */
import * as tf from '../core/tf.js';
import type { ModelAdapter, SplitModel } from '../core/types.js';
import { resolvePreprocess } from '../core/preprocess.js';

/** Seeded uniform values in [lo, hi) (an LCG: reproducible and independent of the code under test). */
export function seeded(n: number, seed: number, lo = 0, hi = 1): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

/** A model given by its logit function only: no layer to cut (input-gradient and perturbation tests). */
export function functionModel(size: number, f: (x: tf.Tensor4D) => tf.Tensor2D, classes = 2): ModelAdapter {
  return {
    name: 'function',
    labels: Array.from({ length: classes }, (_, i) => `class${i}`),
    preprocess: resolvePreprocess('unit'),
    inputSize: size,
    engine: 'test',
    listLayers: () => [],
    defaultLayer: () => {
      throw new Error('no layer');
    },
    split: (layer) => {
      throw new Error(`unknown layer "${layer}"`);
    },
    predict: async (x) => tf.tidy(() => f(x)),
    predictDifferentiable: (x) => tf.tidy(() => f(x)),
    dispose: () => {},
  };
}

/**
 * κ = `pool` (2×2 average pool of the three input channels, `[B, s/2, s/2, 3]`), then
 * logit_c = Σ_ijk V_c[i, j, k] · A[i, j, k]: the gradient of logit c with respect to A is V_c exactly,
 * and it varies over positions, so every CAM variant differs from Grad-CAM. `v[c]` is a row-major
 * `(s/2) × (s/2) × 3` array.
 */
export function pooledLinearModel(size: number, v: readonly Float64Array[]): ModelAdapter {
  const h = size / 2;
  const n = h * h * 3;
  for (const vc of v) if (vc.length !== n) throw new Error(`V has ${vc.length} values, expected ${n}`);
  const kernel = (): tf.Tensor2D => {
    const k = new Float32Array(n * v.length);
    for (let i = 0; i < n; i++) for (let c = 0; c < v.length; c++) k[i * v.length + c] = v[c][i];
    return tf.tensor2d(k, [n, v.length]);
  };
  const head = (x: tf.Tensor4D): tf.Tensor4D => tf.avgPool(x, 2, 2, 'valid') as tf.Tensor4D;
  const tail = (a: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      if (a.shape[1] !== h || a.shape[2] !== h) throw new Error(`tail expects ${h}×${h}, got ${a.shape[1]}×${a.shape[2]}`);
      return tf.matMul(a.reshape([a.shape[0], n]), kernel());
    });
  const split = (layer: string): SplitModel => {
    if (layer !== 'pool') throw new Error(`unknown layer "${layer}"`);
    return { layer, head: async (x) => ({ activation: tf.tidy(() => head(x)), context: [] }), tail, dispose: () => {} };
  };
  return {
    ...functionModel(size, (x) => tail(head(x)), v.length),
    name: 'pooled-linear',
    listLayers: () => [{ name: 'pool', kind: 'AvgPool', shape: [1, h, h, 3], spatial: true }],
    defaultLayer: () => 'pool',
    split,
  };
}

/** 2×2 average pooling of an `s × s × c` float64 array (row-major), as the pooled models' head. */
export function refPool(x: Float64Array, s: number, c: number): Float64Array {
  const h = s / 2;
  const out = new Float64Array(h * h * c);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < h; j++)
      for (let k = 0; k < c; k++) {
        const v = (y: number, xx: number) => x[(y * s + xx) * c + k];
        out[(i * h + j) * c + k] = (v(2 * i, 2 * j) + v(2 * i + 1, 2 * j) + v(2 * i, 2 * j + 1) + v(2 * i + 1, 2 * j + 1)) / 4;
      }
  return out;
}

/** Largest absolute difference of two arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
