/** Fixtures of the analysis tests: a linear model with known gradients, a gray image and a fixed-map method. */
import * as tf from '../core/tf.js';
import type { ModelAdapter, RgbImage } from '../core/types.js';
import type { SaliencyMethod, SaliencyResult } from '../core/method.js';
import { resolvePreprocess } from '../core/preprocess.js';
import { normalizeMap } from '../core/normalize.js';

/**
 * A linear classifier on the raw pixels: logits = (x/255)·W + b, W `[H·W·3, classes]`. Works only at
 * its own size (attack tests do not resize).
 */
export function linearModel(weights: Float32Array, bias: readonly number[], size: number): ModelAdapter {
  const classes = bias.length;
  const n = size * size * 3;
  if (weights.length !== n * classes) throw new RangeError('weights do not match size and classes');
  const W = tf.keep(tf.tensor2d(weights, [n, classes]));
  const b = tf.keep(tf.tensor1d([...bias]));
  const forward = (x: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      if (x.shape[1] !== size || x.shape[2] !== size) throw new Error(`linear model takes ${size}×${size} inputs`);
      return tf.add(tf.matMul(x.reshape([1, n]), W), b) as tf.Tensor2D;
    });
  return {
    name: 'linear',
    preprocess: resolvePreprocess('unit'),
    inputSize: size,
    engine: 'test',
    listLayers: () => [],
    defaultLayer: () => 'none',
    split: () => {
      throw new Error('the linear test model has no layers');
    },
    predict: async (x) => forward(x),
    predictDifferentiable: forward,
    dispose: () => tf.dispose([W, b]),
  };
}

/** A uniform gray image. */
export function grayImage(width: number, height: number, value = 128): RgbImage {
  return { width, height, channels: 3, data: new Float32Array(width * height * 3).fill(value) };
}

/** A "method" that returns a fixed map whatever the model, for tests with known answers. */
export function fixedMethod(name: string, map: (w: number, h: number) => Float32Array): SaliencyMethod {
  return async (_model, image) => {
    const { width, height } = image as RgbImage;
    const raw = map(width, height);
    const t = { index: 0, probability: 1, logit: 0 };
    const r: SaliencyResult = { method: name, map: normalizeMap(raw), raw, width, height, target: t, predicted: t, sizesUsed: [], sizesRejected: [], warnings: [], ms: 0 };
    return r;
  };
}
