import * as tf from '../core/tf.js';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelAdapter, RgbImage } from '../core/types.js';
import type { SaliencyMethod, SaliencyResult } from '../methods/types.js';
import { resolvePreprocess } from '../core/preprocess.js';
import { LayersModelAdapter } from '../models/layers-adapter.js';
import { normalizeMap } from '../core/normalize.js';

/**
 * Test fixtures of the analysis module (not exported by the package).
 *
 * `tinyLayersModel`: input → conv `c1` (4 filters) → batch norm `bn1` → conv `c2` (6) → global
 * average pooling → dense `fc` (3, softmax), seeded weights, batch-norm statistics non-trivial.
 */
export function tinyLayersModel(): LayersModelAdapter {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const input = tfl.input({ shape: [null, null, 3] });
  const c1 = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1', kernelInitializer: init(1), biasInitializer: 'zeros' }).apply(input);
  const bn = tfl.layers.batchNormalization({ name: 'bn1' }).apply(c1);
  const c2 = tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c2', kernelInitializer: init(2) }).apply(bn);
  const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(c2);
  const fc = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'fc', kernelInitializer: init(3) }).apply(gap) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: fc });
  const bnLayer = model.getLayer('bn1');
  const stats = [[1.5, 0.5, 2, 1], [0.1, -0.2, 0.3, 0], [0.2, 0.1, 0.4, 0.3], [0.5, 2, 1, 1.5]].map((v) => tf.tensor1d(v));
  bnLayer.setWeights(stats);
  tf.dispose(stats);
  return new LayersModelAdapter(model, { name: 'tiny', preprocess: resolvePreprocess('unit'), inputSize: 16 });
}

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
