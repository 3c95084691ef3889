/**
 * The ONNX model as a {@link ModelAdapter}: TF.js forward passes, cuts at any tensor or PyTorch
 * module path, and differentiable tails.
 */
import { asClassScores } from '../../core/logits.js';
import * as tf from '../../core/tf.js';
import type { HeadOutput, LayerInfo, ModelAdapter, PreprocessSpec, SplitModel } from '../../core/types.js';
import { OnnxGraph, type SplitPlan } from './graph.js';
import { buildLayerIndex, defaultLayerTensor, type LayerEntry } from './modules.js';
import { constToTensor, logicalShape, nhwc, permute, plain, tensorToConst, type Value } from './values.js';

/** Options of {@link loadOnnxModel}. */
export interface OnnxModelOptions {
  /** Display name (default `onnx-model`). */
  readonly name?: string;
  /** Class names in logit order. */
  readonly labels?: readonly string[];
  /** Input normalisation (default: torchvision's ImageNet mean/std, {@link TORCH_PREPROCESS}). */
  readonly preprocess?: PreprocessSpec;
  /** Native input size (default: the model's fixed H if it has one, else 224). */
  readonly inputSize?: number;
  /** Default layer κ (module path or tensor name), overriding the detected one. */
  readonly layer?: string;
  /**
   * Create each node's TF.js weights on its first run rather than at load (for engines that run
   * the head elsewhere and need TF.js weights only for tails and input gradients).
   */
  readonly lazyWeights?: boolean;
}

/** torchvision's ImageNet normalisation, the default for ONNX exports of PyTorch models. */
export const TORCH_PREPROCESS: PreprocessSpec = {
  name: 'torch',
  scale: 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  bgr: false,
};

/** A tensor that crosses a cut, in the form the tail expects back (4-D floats NHWC). */
export function contextToTensor(v: Value): tf.Tensor {
  if (v.kind === 'const') return constToTensor(v);
  if (v.t.dtype === 'float32' && v.t.rank === 4 && !v.nhwc) {
    const t = permute(v.t, [0, 2, 3, 1]);
    if (t !== v.t) v.t.dispose();
    return t;
  }
  return v.t;
}

/** Inverse of {@link contextToTensor}: integers and booleans are shape data, read back to the CPU. */
export function contextFromTensor(t: tf.Tensor): Value {
  if (t.dtype === 'int32' || t.dtype === 'bool') return tensorToConst(plain(t));
  return t.rank === 4 ? nhwc(t) : plain(t);
}

function checkInput(input: tf.Tensor, channels: number | null): void {
  if (!(input instanceof tf.Tensor) || input.rank !== 4) {
    throw new Error(`expected an NHWC image tensor [1, H, W, C], got ${input instanceof tf.Tensor ? `shape [${input.shape}]` : typeof input}`);
  }
  if (channels !== null && input.shape[3] !== channels) {
    throw new Error(`expected ${channels} channels (NHWC), got shape [${input.shape}]`);
  }
}

/** Logits as `[N, classes]`. */
function asLogits(v: Value, what: string): tf.Tensor2D {
  if (v.kind === 'const') throw new Error(`the model output "${what}" does not depend on the input`);
  const t = v.nhwc ? permute(v.t, [0, 3, 1, 2]) : v.t;
  if (t.rank === 2) return t as tf.Tensor2D;
  try {
    return asClassScores(t, `the model output "${what}"`);
  } finally {
    if (t !== v.t) t.dispose();
    v.t.dispose();
  }
}

/** A cut of an {@link OnnxModel}; the tail is shared with the onnxruntime variant. */
export class OnnxSplit implements SplitModel {
  constructor(
    private readonly model: OnnxModel,
    readonly layer: string,
    readonly plan: SplitPlan,
  ) {}

  /** TF.js head: runs the nodes up to the cut and the skip connections. */
  async head(input: tf.Tensor4D): Promise<HeadOutput> {
    checkInput(input, this.model.inputChannels);
    const g = this.model.graph;
    const outs = g.execute(this.plan.head, new Map([[g.inputName, nhwc(input)]]), [this.plan.tensor, ...this.plan.context]);
    try {
      return { activation: this.model.activationOf(outs[0], this.layer), context: outs.slice(1).map(contextToTensor) };
    } catch (e) {
      for (const v of outs) if (v.kind === 'tensor' && !v.t.isDisposed) v.t.dispose();
      throw e;
    }
  }

  /** Activation (NHWC) and context to logits, with TF.js ops only. */
  tail(activation: tf.Tensor4D, context: readonly tf.Tensor[]): tf.Tensor2D {
    if (context.length !== this.plan.context.length) {
      throw new Error(`the tail of "${this.layer}" needs ${this.plan.context.length} context tensors, got ${context.length}`);
    }
    if (!(activation instanceof tf.Tensor) || activation.rank !== 4) throw new Error('the activation must be an NHWC 4-D tensor');
    const g = this.model.graph;
    const feeds = new Map<string, Value>([[this.plan.tensor, nhwc(activation)]]);
    this.plan.context.forEach((name, i) => feeds.set(name, contextFromTensor(context[i])));
    const [out] = g.execute(this.plan.tail, feeds, [g.outputName]);
    return asLogits(out, g.outputName);
  }

  /** Nothing to release: the split only refers to the model's weights. */
  dispose(): void {}
}

/** An ONNX model imported into TF.js. */
export class OnnxModel implements ModelAdapter {
  readonly name: string;
  readonly labels?: readonly string[];
  readonly preprocess: PreprocessSpec;
  readonly inputSize: number;
  /** Expected input channels (NHWC last axis), when the model fixes it. */
  readonly inputChannels: number | null;
  private readonly layerOption?: string;
  private layerIndex?: LayerEntry[];
  private shapes?: Map<string, number[]>;

  constructor(
    readonly graph: OnnxGraph,
    options: OnnxModelOptions = {},
  ) {
    this.name = options.name ?? 'onnx-model';
    this.labels = options.labels;
    this.preprocess = options.preprocess ?? TORCH_PREPROCESS;
    const [, c, h] = graph.inputDims;
    this.inputSize = options.inputSize ?? h ?? 224;
    this.inputChannels = c;
    this.layerOption = options.layer;
  }

  /** `tfjs-<backend>`. */
  get engine(): string {
    return `tfjs-${tf.getBackend()}`;
  }

  /** All layers, module paths first where the exporter recorded them. */
  layers(): LayerEntry[] {
    this.layerIndex ??= buildLayerIndex(this.graph);
    return this.layerIndex;
  }

  /** Finds a layer by module path, alias or ONNX tensor name. */
  resolveLayer(layer: string): LayerEntry {
    const all = this.layers();
    const hit = all.find((e) => e.name === layer) ?? all.find((e) => e.aliases.includes(layer));
    if (hit) return hit;
    const top = all.filter((e) => e.name !== e.tensor && !e.name.includes('.')).map((e) => e.name);
    const names = (top.length >= 3 ? top : all.map((e) => e.name)).slice(-8);
    throw new Error(`unknown layer "${layer}" in ${this.name}; valid layers include ${names.join(', ')} (see listLayers())`);
  }

  /**
   * Logical shapes of every layer at `inputSize`, from one forward pass (computed once: the
   * graph has no static shape information for intermediate tensors).
   */
  private layerShapes(): Map<string, number[]> {
    if (this.shapes) return this.shapes;
    const entries = this.layers();
    const c = this.inputChannels ?? 3;
    const input = tf.zeros([1, this.inputSize, this.inputSize, c]) as tf.Tensor4D;
    try {
      const outs = this.graph.execute(this.graph.fullPlan(), new Map([[this.graph.inputName, nhwc(input)]]), entries.map((e) => e.tensor));
      this.shapes = new Map(entries.map((e, i) => [e.tensor, logicalShape(outs[i])]));
      for (const v of outs) if (v.kind === 'tensor' && !v.t.isDisposed) v.t.dispose();
    } finally {
      input.dispose();
    }
    return this.shapes;
  }

  /** Layers with NHWC shapes at `inputSize` (4-D tensors reported as `[N, H, W, C]`). */
  listLayers(): LayerInfo[] {
    const shapes = this.layerShapes();
    return this.layers().map((e) => {
      const s = shapes.get(e.tensor) ?? [];
      const spatial = s.length === 4;
      return {
        name: e.name,
        aliases: e.aliases,
        kind: e.kind,
        shape: spatial ? [s[0], s[2], s[3], s[1]] : s,
        spatial,
      };
    });
  }

  /**
   * The `layer` option when given; else the output of the last spatial block (the tensor entering
   * the global pooling, see `defaultLayerTensor`); else the last 4-D layer with H, W > 1.
   */
  defaultLayer(): string {
    if (this.layerOption) return this.resolveLayer(this.layerOption).name;
    const t = defaultLayerTensor(this.graph);
    const entries = this.layers();
    const e = t ? entries.find((x) => x.tensor === t) : undefined;
    if (e) return e.name;
    const spatial = this.listLayers().filter((l) => l.spatial && (l.shape[1] ?? 0) > 1 && (l.shape[2] ?? 0) > 1);
    if (spatial.length === 0) throw new Error(`${this.name} has no 4-D spatial layer`);
    return spatial[spatial.length - 1].name;
  }

  /** Cuts the model at a layer (module path, alias or tensor name). */
  split(layer: string): OnnxSplit {
    const entry = this.resolveLayer(layer);
    return new OnnxSplit(this, entry.name, this.graph.splitPlan(entry.tensor));
  }

  /** The head's value at the cut as an NHWC 4-D tensor (the caller's value is consumed). */
  activationOf(v: Value, layer: string): tf.Tensor4D {
    if (v.kind === 'const' || v.t.rank !== 4) {
      if (v.kind === 'tensor') v.t.dispose();
      throw new Error(`layer "${layer}" has shape [${logicalShape(v)}]: only 4-D (N, C, H, W) layers can be cut`);
    }
    if (v.nhwc) return v.t as tf.Tensor4D;
    const t = permute(v.t, [0, 2, 3, 1]) as tf.Tensor4D;
    if (t !== v.t) v.t.dispose();
    return t;
  }

  /** Whole-model TF.js forward pass. */
  async predict(input: tf.Tensor4D): Promise<tf.Tensor2D> {
    return this.predictDifferentiable(input);
  }

  /** Whole-model forward pass, differentiable with respect to the input. */
  predictDifferentiable(input: tf.Tensor4D): tf.Tensor2D {
    checkInput(input, this.inputChannels);
    const g = this.graph;
    const [out] = g.execute(g.fullPlan(), new Map([[g.inputName, nhwc(input)]]), [g.outputName]);
    return asLogits(out, g.outputName);
  }

  /** Releases every weight tensor. */
  dispose(): void {
    this.graph.dispose();
  }
}

/**
 * Imports an ONNX classifier (opsets 11–17 tested; bytes of a `.onnx` file) as a TF.js graph.
 * Throws on unsupported ops, naming the op type and the node.
 */
export async function loadOnnxModel(bytes: Uint8Array, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  return new OnnxModel(new OnnxGraph(bytes, { lazyWeights: options.lazyWeights }), options);
}

