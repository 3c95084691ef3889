import * as tf from '../core/tf.js';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelAdapter } from '../core/types.js';
import { LayersModelAdapter } from '../models/layers-adapter.js';
import { createRng, type Rng } from '../scenes/rng.js';

/**
 * An optional capability of a {@link ModelAdapter}: copies of the model with some layers' weights
 * re-initialised, for the model-randomisation sanity check (Adebayo et al., NeurIPS 2018).
 */
export interface RandomizableModel {
  /** Names of the layers that hold weights, output → input order. */
  weightedLayers(): string[];
  /**
   * The weighted layers grouped into the units a cascade randomises together, output → input:
   * each kernel layer (convolution, dense) with the normalisation layers that directly follow it.
   * Optional; without it every weighted layer is its own unit.
   */
  blocks?(): string[][];
  /**
   * A new, independent model whose `layers` carry fresh random weights (seeded: the same layer and
   * seed always get the same values, so a cascade's earlier layers keep their random weights as more
   * are added) and whose other weights equal the original's. The caller disposes it.
   */
  randomized(layers: readonly string[], seed: number): Promise<ModelAdapter>;
}

/** True when `m` offers {@link RandomizableModel} itself. */
export function isRandomizable(m: unknown): m is RandomizableModel {
  const o = m as Partial<RandomizableModel> | null;
  return !!o && typeof o.weightedLayers === 'function' && typeof o.randomized === 'function';
}

/**
 * The randomisation capability of a model: its own, or {@link LayersRandomizer} for a TF.js layers
 * model; `undefined` for engines that cannot re-initialise weights (ONNX, TFLite imports).
 */
export function randomizable(model: ModelAdapter): RandomizableModel | undefined {
  if (isRandomizable(model)) return model;
  if (model instanceof LayersModelAdapter) return new LayersRandomizer(model);
  return undefined;
}

/** 32-bit FNV-1a hash, to give every layer its own random stream from one seed. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Role of a weight variable, from its Keras name (`conv1/kernel`, `conv1_bn/gamma`, ...). */
export type WeightRole = 'kernel' | 'bias' | 'gamma' | 'beta' | 'moving_mean' | 'moving_variance' | 'other';

/** The role of a weight from its variable name. */
export function weightRole(name: string): WeightRole {
  const last = name.split('/').pop()!.replace(/_\d+$/, '');
  if (/kernel$/.test(last)) return 'kernel';
  if (last === 'bias' || last === 'gamma' || last === 'beta' || last === 'moving_mean' || last === 'moving_variance') return last;
  return 'other';
}

/**
 * Glorot-uniform limit √(6 / (fan_in + fan_out)) with Keras's fan rule: for a kernel of shape
 * `[..., in, out]`, fans are `in · r` and `out · r` with r the product of the leading (spatial) dims.
 */
export function glorotLimit(shape: readonly number[]): number {
  if (shape.length < 2) return Math.sqrt(6 / (2 * (shape[0] ?? 1)));
  const r = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return Math.sqrt(6 / ((shape[shape.length - 2] + shape[shape.length - 1]) * r));
}

/**
 * Fresh values for one weight, as Adebayo et al. re-initialise a layer: kernels (and any other
 * weight of rank ≥ 2) Glorot-uniform, biases and BN β and moving means 0, BN γ and moving
 * variances 1 (a batch-norm layer becomes the identity up to ε).
 */
export function randomWeight(role: WeightRole, shape: readonly number[], rng: Rng): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (role === 'gamma' || role === 'moving_variance') out.fill(1);
  else if (role === 'kernel' || (role === 'other' && shape.length >= 2)) {
    const lim = glorotLimit(shape);
    for (let i = 0; i < n; i++) out[i] = rng.range(-lim, lim);
  }
  return out;
}

const KERNEL_LAYERS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense', 'Conv1D', 'Conv2DTranspose']);
const NORM_LAYERS = new Set(['BatchNormalization', 'LayerNormalization']);

/**
 * {@link RandomizableModel} for a {@link LayersModelAdapter}: a copy is rebuilt from the model's
 * JSON topology (`toJSON` → `models.modelFromJSON`), every weight set to the original's except the
 * randomised layers', which get {@link randomWeight} values from a stream seeded by (seed, layer name).
 */
export class LayersRandomizer implements RandomizableModel {
  constructor(private readonly adapter: LayersModelAdapter) {}

  private get model(): tfl.LayersModel {
    return this.adapter.layersModel;
  }

  weightedLayers(): string[] {
    return this.model.layers.filter((l) => l.weights.length > 0).map((l) => l.name).reverse();
  }

  blocks(): string[][] {
    const layers = this.model.layers;
    const inputOf = (l: tfl.layers.Layer): string[] => (l.inboundNodes[0]?.inboundLayers ?? []).map((x) => x.name);
    const owner = new Map<string, string>();
    for (const l of layers) {
      if (!NORM_LAYERS.has(l.getClassName()) || l.weights.length === 0) continue;
      const ins = inputOf(l);
      const src = layers.find((x) => x.name === ins[0]);
      if (ins.length === 1 && src && KERNEL_LAYERS.has(src.getClassName())) owner.set(l.name, src.name);
    }
    const groups = new Map<string, string[]>();
    for (const l of layers) {
      if (l.weights.length === 0) continue;
      const key = owner.get(l.name) ?? l.name;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(l.name);
    }
    return [...groups.values()].reverse();
  }

  async randomized(names: readonly string[], seed: number): Promise<ModelAdapter> {
    const known = new Set(this.weightedLayers());
    for (const n of names) if (!known.has(n)) throw new Error(`cannot randomise "${n}": not a layer with weights in ${this.adapter.name}`);
    const want = new Set(names);
    const topology = this.model.toJSON(null, false) as Parameters<typeof tfl.models.modelFromJSON>[0];
    const copy = await tfl.models.modelFromJSON({ modelTopology: topology } as Parameters<typeof tfl.models.modelFromJSON>[0]);
    try {
      for (const layer of copy.layers) {
        if (layer.weights.length === 0) continue;
        const source = this.model.getLayer(layer.name);
        if (!want.has(layer.name)) {
          layer.setWeights(source.getWeights());
          continue;
        }
        const rng = createRng((hash32(layer.name) ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0);
        const values = source.weights.map((w) => tf.tensor(randomWeight(weightRole(w.originalName), w.shape as number[], rng), w.shape as number[]));
        try {
          layer.setWeights(values);
        } finally {
          tf.dispose(values);
        }
      }
    } catch (e) {
      copy.dispose();
      throw e;
    }
    return new LayersModelAdapter(copy, {
      name: `${this.adapter.name} (randomised: ${names.length} layer${names.length === 1 ? '' : 's'})`,
      preprocess: this.adapter.preprocess,
      labels: this.adapter.labels,
      inputSize: this.adapter.inputSize,
      layer: this.adapter.defaultLayer(),
    });
  }
}
