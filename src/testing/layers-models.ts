/**
 * The two small TF.js layers models of the tests, distinct on purpose: {@link tinyLayersModel} (one
 * conv, degenerate variants, saved as a real model folder for the CLI) and {@link tinyBatchNormModel}
 * (four parameterised layers for cascading randomisation).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '../core/tf.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { resolvePreprocess } from '../core/preprocess.js';
import { LayersModelAdapter } from '../models/layers-adapter.js';

/** The tiny classifier's layer κ. */
export const TINY_LAYER = 'conv';

/** Options of {@link tinyLayersModel}. */
export interface TinyModelOptions {
  /** κ's kernel and bias are zero: its activations are all zero. */
  zeroConv?: boolean;
  /** The dense kernel is zero: every logit is a constant, every gradient at κ is zero. */
  zeroDense?: boolean;
  /** This class's dense kernel column is zero: its gradient at κ is zero, the others' are not. */
  deadClass?: number;
  /** End in a 1×1 conv (a 3-channel map, like a segmentation head) instead of a class vector. */
  fourDOutput?: boolean;
}

/**
 * Builds a tiny classifier: conv 3×3 (4 channels, ReLU) → global average pool → dense (3 logits),
 * any input size, seeded weights.
 */
export function tinyLayersModel(opts: TinyModelOptions = {}): tfl.LayersModel {
  const input = tfl.input({ shape: [null, null, 3] as unknown as number[] });
  const conv = tfl.layers
    .conv2d({ name: TINY_LAYER, filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), biasInitializer: tfl.initializers.constant({ value: 0.01 }) })
    .apply(input) as tfl.SymbolicTensor;
  let out: tfl.SymbolicTensor;
  if (opts.fourDOutput) {
    out = tfl.layers.conv2d({ name: 'seg', filters: 3, kernelSize: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(conv) as tfl.SymbolicTensor;
  } else {
    const pooled = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(conv) as tfl.SymbolicTensor;
    out = tfl.layers.dense({ name: 'logits', units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }), biasInitializer: 'zeros' }).apply(pooled) as tfl.SymbolicTensor;
  }
  const model = tfl.model({ inputs: input, outputs: out });
  if (opts.zeroConv) {
    const layer = model.getLayer(TINY_LAYER);
    layer.setWeights(layer.getWeights().map((w) => tf.zerosLike(w)));
  }
  if (opts.zeroDense || opts.deadClass !== undefined) {
    const layer = model.getLayer('logits');
    const [kernel, bias] = layer.getWeights();
    const mask = tf.tidy(() => (opts.zeroDense ? tf.zerosLike(kernel) : tf.oneHot(opts.deadClass!, 3, 0, 1).reshape([1, 3]).tile([kernel.shape[0], 1]).toFloat()));
    layer.setWeights([tf.mul(kernel, mask), tf.onesLike(bias)]);
    mask.dispose();
  }
  return model;
}

/** A saved layers model: `model.json`'s object and the weights' bytes. */
export interface SavedModel {
  modelJson: { modelTopology: unknown; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]; format: string };
  weights: Uint8Array;
}

/** Serialises a layers model as TF.js writes it to disk (one weight group, `weights.bin`). */
export async function saveModel(model: tfl.LayersModel): Promise<SavedModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const data = saved!.weightData as ArrayBuffer;
  return {
    modelJson: {
      format: 'layers-model',
      modelTopology: saved!.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: saved!.weightSpecs! }],
    },
    weights: new Uint8Array(data.slice(0)),
  };
}

/** Writes a model folder; `mutate` may change the manifest and the weight bytes first. */
export function writeModelFolder(dir: string, saved: SavedModel, mutate?: (m: SavedModel) => void): string {
  const copy: SavedModel = { modelJson: structuredClone(saved.modelJson), weights: saved.weights.slice() };
  mutate?.(copy);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(copy.modelJson));
  writeFileSync(path.join(dir, 'weights.bin'), copy.weights);
  writeFileSync(path.join(dir, 'cameras.json'), JSON.stringify({ layer: TINY_LAYER, preprocess: 'unit', inputSize: 32, labels: ['a', 'b', 'c'] }));
  return dir;
}

/**
 * The analysis tests' layered model, as an adapter: input → conv `c1` (4 filters) → batch norm
 * `bn1` → conv `c2` (6) → global average pooling → dense `fc` (3, softmax), seeded weights,
 * batch-norm statistics non-trivial (so cascading randomisation has four distinct layers to reset).
 */
export function tinyBatchNormModel(): LayersModelAdapter {
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
