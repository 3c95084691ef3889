import * as tf from '../core/tf.js';
import * as tfl from '@tensorflow/tfjs-layers';
import type { HeadOutput, LayerInfo, ModelAdapter, PreprocessSpec, SplitModel } from '../core/types.js';
import { asClassScores } from '../core/logits.js';
import { conv2dInputGrad, denseInputGrad, depthwiseConv2dInputGrad, maxPoolInputGrad, spatialMean, type ConvPad } from '../core/ops.js';

/* The layer internals we read: public fields of tfjs-layers objects that its typings keep private. */
interface LayerInternals {
  kernel?: { read(): tf.Tensor };
  depthwiseKernel?: { read(): tf.Tensor };
  pointwiseKernel?: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  activation?: { apply(x: tf.Tensor): tf.Tensor; getClassName(): string };
  strides?: number[] | number;
  padding?: string;
  dilationRate?: number[] | number;
  dataFormat?: string;
  poolSize?: number[] | number;
}

/** Options of {@link LayersModelAdapter}. */
export interface LayersAdapterOptions {
  name: string;
  preprocess: PreprocessSpec;
  labels?: readonly string[];
  /** Native input size; default from the model's stored input shape, else 224. */
  inputSize?: number;
  /** Default κ overriding the automatic choice. */
  layer?: string;
}

const SHAPE_ONLY = new Set(['Reshape', 'Flatten', 'Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout']);
const CONV_LIKE = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);
/** Layers replaced by our own ops on the gradient path (see the class comment). */
const REPLACED = new Set([...CONV_LIKE, 'MaxPooling2D', 'GlobalAveragePooling2D']);

function isSoftmax(layer: tfl.layers.Layer): boolean {
  const cls = layer.getClassName();
  if (cls === 'Softmax') return true;
  const act = (layer as unknown as LayerInternals).activation;
  return cls === 'Activation' && act?.getClassName().toLowerCase() === 'softmax';
}

function pair(v: number[] | number | undefined): [number, number] {
  if (v === undefined) return [1, 1];
  return typeof v === 'number' ? [v, v] : [v[0], v[1] ?? v[0]];
}

/**
 * A TF.js layers model behind the {@link ModelAdapter} interface.
 *
 * Forward passes before the cut run the stored model (fused kernels). After the cut the graph is
 * walked layer by layer on concrete tensors, with convolutions and dense layers replaced by
 * input-gradient-only versions (tfjs-layers' fused convolution always computes the filter
 * gradient, which WebAssembly cannot do and which saliency never needs) and max pooling by one
 * whose gradient is built from forward ops (WebAssembly's MaxPoolGrad is wrong in tfjs 4.22), and
 * global average pooling by a product with a constant row (WebAssembly's Mean is slow).
 * A trailing softmax is dropped so the tail ends at the logits.
 */
export class LayersModelAdapter implements ModelAdapter {
  readonly name: string;
  readonly labels?: readonly string[];
  readonly preprocess: PreprocessSpec;
  readonly inputSize: number;
  private readonly order: tfl.layers.Layer[];
  private readonly byName = new Map<string, tfl.layers.Layer>();
  private readonly inputsOf = new Map<string, string[]>();
  /** Layer whose output is the logits, and whether its own activation (a softmax) is skipped. */
  private readonly logitsLayer: tfl.layers.Layer;
  private readonly skipLogitsActivation: boolean;
  private readonly shapes = new Map<string, (number | null)[]>();
  private readonly layerOverride?: string;
  private logitsModel?: tfl.LayersModel;

  constructor(
    private readonly model: tfl.LayersModel,
    options: LayersAdapterOptions,
  ) {
    this.name = options.name;
    this.labels = options.labels;
    this.preprocess = options.preprocess;
    this.layerOverride = options.layer;
    if (model.inputs.length !== 1) throw new Error(`${options.name}: models with ${model.inputs.length} inputs are not supported`);
    if (model.outputs.length !== 1) throw new Error(`${options.name}: models with ${model.outputs.length} outputs are not supported`);
    const stored = model.inputs[0].shape;
    this.inputSize = options.inputSize ?? (typeof stored[1] === 'number' ? stored[1] : 224);
    this.order = model.layers;
    for (const layer of this.order) {
      if (layer.inboundNodes.length > 1) throw new Error(`${options.name}: layer "${layer.name}" is shared (called more than once); not supported`);
      this.byName.set(layer.name, layer);
      const node = layer.inboundNodes[0];
      this.inputsOf.set(layer.name, node ? node.inboundLayers.map((l) => l.name) : []);
    }
    // Find the logits: step back from the output over shape-only layers to a softmax, if any.
    let out = this.byName.get(model.outputs[0].sourceLayer.name)!;
    let skip = false;
    for (let probe: tfl.layers.Layer | undefined = out; probe; ) {
      if (isSoftmax(probe)) {
        out = this.byName.get(this.inputsOf.get(probe.name)![0])!;
        break;
      }
      const act = (probe as unknown as LayerInternals).activation;
      if (CONV_LIKE.has(probe.getClassName()) && act?.getClassName().toLowerCase() === 'softmax') {
        out = probe;
        skip = true;
        break;
      }
      if (!SHAPE_ONLY.has(probe.getClassName())) break;
      const ins: string[] = this.inputsOf.get(probe.name) ?? [];
      probe = ins.length === 1 ? this.byName.get(ins[0]) : undefined;
    }
    this.logitsLayer = out;
    this.skipLogitsActivation = skip;
    this.inferShapes();
  }

  get engine(): string {
    return `tfjs-${tf.getBackend()}`;
  }

  /** The wrapped tfjs-layers model, for analyses that clone it (e.g. weight randomisation). */
  get layersModel(): tfl.LayersModel {
    return this.model;
  }

  /** Output shapes at the native input size, from the layers' own shape rules. */
  private inferShapes(): void {
    for (const layer of this.order) {
      const ins = this.inputsOf.get(layer.name)!;
      if (ins.length === 0) {
        this.shapes.set(layer.name, [1, this.inputSize, this.inputSize, 3]);
        continue;
      }
      const inShapes = ins.map((n) => this.shapes.get(n)!);
      try {
        const s = layer.computeOutputShape(inShapes.length === 1 ? inShapes[0] : inShapes) as (number | null)[];
        this.shapes.set(layer.name, Array.isArray(s[0]) ? (s[0] as unknown as (number | null)[]) : s);
      } catch {
        this.shapes.set(layer.name, (layer.outputShape as (number | null)[]) ?? []);
      }
    }
  }

  /** Names of the layers that the logits depend on. */
  private ancestorsOfLogits(): Set<string> {
    const seen = new Set<string>();
    const stack = [this.logitsLayer.name];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...(this.inputsOf.get(n) ?? []));
    }
    return seen;
  }

  listLayers(): LayerInfo[] {
    const useful = this.ancestorsOfLogits();
    return this.order
      .filter((l) => useful.has(l.name))
      .map((l) => {
        const shape = this.shapes.get(l.name) ?? [];
        return { name: l.name, kind: l.getClassName(), shape, spatial: shape.length === 4 && (shape[1] ?? 2) > 1 && (shape[2] ?? 2) > 1 };
      });
  }

  defaultLayer(): string {
    if (this.layerOverride) return this.layerOverride;
    const classes = (this.shapes.get(this.logitsLayer.name) ?? []).slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
    const candidates = this.listLayers().filter((l) => l.spatial && l.shape[3] !== classes && l.kind !== 'InputLayer');
    if (candidates.length === 0) throw new Error(`${this.name}: no spatial layer found; give one with --layer`);
    return candidates[candidates.length - 1].name;
  }

  private resolveLayer(name: string): tfl.layers.Layer {
    const layer = this.byName.get(name);
    if (!layer || !this.ancestorsOfLogits().has(name)) {
      const some = this.listLayers()
        .filter((l) => l.spatial)
        .slice(-5)
        .map((l) => l.name);
      throw new Error(`unknown layer "${name}" in ${this.name}; layers near the output: ${some.join(', ')} (see \`cameras layers\`)`);
    }
    return layer;
  }

  /**
   * Where a cut at `layerName` falls: the layer, the layers after it that lead to the logits, and
   * the other layers whose outputs those read (the context that crosses the cut), in the order
   * {@link split}'s head returns them.
   */
  cutPlan(layerName: string): { layer: string; tail: readonly string[]; context: readonly string[] } {
    const cut = this.resolveLayer(layerName);
    const dependsOnCut = new Set<string>([cut.name]);
    const tail: string[] = [];
    const ancestors = this.ancestorsOfLogits();
    for (const layer of this.order) {
      if (layer === cut || !ancestors.has(layer.name)) continue;
      if (this.inputsOf.get(layer.name)!.some((n) => dependsOnCut.has(n))) {
        dependsOnCut.add(layer.name);
        tail.push(layer.name);
      }
    }
    if (cut !== this.logitsLayer && !dependsOnCut.has(this.logitsLayer.name)) throw new Error(`layer "${layerName}" does not lead to the logits`);
    const context = [...new Set(tail.flatMap((l) => this.inputsOf.get(l)!).filter((n) => !dependsOnCut.has(n)))];
    return { layer: cut.name, tail, context };
  }

  /** The layer whose output is the logits, and whether its own (softmax) activation is skipped. */
  logitsPlan(): { layer: string; skipActivation: boolean } {
    return { layer: this.logitsLayer.name, skipActivation: this.skipLogitsActivation };
  }

  split(layerName: string): SplitModel {
    const plan = this.cutPlan(layerName);
    const cut = this.byName.get(plan.layer)!;
    const tail = plan.tail.map((n) => this.byName.get(n)!);
    const contextNames = plan.context;
    const isInput = cut.getClassName() === 'InputLayer';
    const contextLayers = contextNames.map((n) => this.byName.get(n)!);
    const head = isInput
      ? undefined
      : tfl.model({ inputs: this.model.inputs, outputs: [cut, ...contextLayers].map((l) => l.output as tfl.SymbolicTensor) });
    const cutIsLogits = cut === this.logitsLayer;
    return {
      layer: cut.name,
      head: async (input: tf.Tensor4D): Promise<HeadOutput> => {
        if (!head) return { activation: input.clone(), context: [] };
        const out = head.predict(input) as tf.Tensor | tf.Tensor[];
        const all = Array.isArray(out) ? out : [out];
        return { activation: all[0] as tf.Tensor4D, context: all.slice(1) };
      },
      tail: (activation: tf.Tensor4D, context: readonly tf.Tensor[]): tf.Tensor2D =>
        tf.tidy(() => {
          const values = new Map<string, tf.Tensor>([[cut.name, activation]]);
          contextNames.forEach((n, i) => values.set(n, context[i]));
          for (const layer of tail) {
            const ins = this.inputsOf.get(layer.name)!.map((n) => values.get(n)!);
            values.set(layer.name, this.applyLayer(layer, ins, layer === this.logitsLayer && this.skipLogitsActivation));
            if (layer === this.logitsLayer) break;
          }
          return asClassScores(cutIsLogits ? activation : values.get(this.logitsLayer.name)!, `the output of ${this.name}`);
        }),
      dispose: () => {
        // Sub-models share the layers and weights of the full model: nothing of their own to free.
      },
    };
  }

  /** Applies one layer to concrete tensors, with input-gradient-only convolutions. */
  private applyLayer(layer: tfl.layers.Layer, inputs: tf.Tensor[], skipActivation: boolean): tf.Tensor {
    const cls = layer.getClassName();
    const l = layer as unknown as LayerInternals;
    if (!REPLACED.has(cls)) return layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false }) as tf.Tensor;
    if (l.dataFormat && l.dataFormat !== 'channelsLast') throw new Error(`layer "${layer.name}": channelsFirst data format is not supported`);
    const x = inputs[0];
    const pad = (l.padding ?? 'valid') as ConvPad;
    if (cls === 'MaxPooling2D') return maxPoolInputGrad(x as tf.Tensor4D, { kernel: pair(l.poolSize), strides: pair(l.strides ?? l.poolSize), pad });
    if (cls === 'GlobalAveragePooling2D') return spatialMean(x as tf.Tensor4D);
    const bias = l.bias ? (l.bias.read() as tf.Tensor1D) : undefined;
    let y: tf.Tensor;
    if (cls === 'Dense') {
      const kernel = l.kernel!.read() as tf.Tensor2D;
      const flat = x.reshape([-1, x.shape[x.rank - 1]]) as tf.Tensor2D;
      y = denseInputGrad(flat, kernel, bias).reshape([...x.shape.slice(0, -1), kernel.shape[1]]);
    } else if (cls === 'Conv2D') {
      y = conv2dInputGrad(x as tf.Tensor4D, l.kernel!.read() as tf.Tensor4D, { strides: pair(l.strides), pad, dilations: pair(l.dilationRate), bias });
    } else if (cls === 'DepthwiseConv2D') {
      y = depthwiseConv2dInputGrad(x as tf.Tensor4D, l.depthwiseKernel!.read() as tf.Tensor4D, { strides: pair(l.strides), pad, dilations: pair(l.dilationRate), bias });
    } else {
      const dw = depthwiseConv2dInputGrad(x as tf.Tensor4D, l.depthwiseKernel!.read() as tf.Tensor4D, { strides: pair(l.strides), pad, dilations: pair(l.dilationRate) });
      y = conv2dInputGrad(dw, l.pointwiseKernel!.read() as tf.Tensor4D, { bias });
    }
    return skipActivation || !l.activation ? y : l.activation.apply(y);
  }

  async predict(input: tf.Tensor4D): Promise<tf.Tensor2D> {
    if (this.skipLogitsActivation) return this.predictDifferentiable(input);
    this.logitsModel ??= tfl.model({ inputs: this.model.inputs, outputs: this.logitsLayer.output as tfl.SymbolicTensor });
    return tf.tidy(() => {
      return asClassScores(this.logitsModel!.predict(input) as tf.Tensor, `the output of ${this.name}`);
    });
  }

  predictDifferentiable(input: tf.Tensor4D): tf.Tensor2D {
    const inputLayer = this.order.find((l) => l.getClassName() === 'InputLayer')!;
    const s = this.split(inputLayer.name);
    return s.tail(input, []);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** The parts of a TF.js layers model: its `model.json` and the concatenated weight bytes. */
export interface LayersArtifacts {
  /** Parsed `model.json`. */
  modelJson: { modelTopology: unknown; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  /** Weight bytes in manifest order. */
  weightData: ArrayBuffer;
}

/**
 * Sets every input layer's stored batch shape to `[null, null, null, C]` so the model takes any
 * input size (Keras exports fix it at the training size).
 */
export function makeInputDynamic(topology: unknown): unknown {
  const copy = structuredClone(topology) as Record<string, unknown>;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const cfg = o.config as Record<string, unknown> | undefined;
    if ((o.class_name === 'InputLayer' || cfg?.batch_input_shape) && cfg && Array.isArray(cfg.batch_input_shape) && cfg.batch_input_shape.length === 4) {
      const s = cfg.batch_input_shape as (number | null)[];
      cfg.batch_input_shape = [null, null, null, s[3]];
    }
    Object.values(o).forEach(visit);
  };
  visit(copy);
  return copy;
}

/**
 * Builds a TF.js layers model from artifacts, input size made dynamic. On failure (e.g. a weight
 * whose shape does not fit its layer) everything built so far is released.
 */
export async function loadLayersModelFromArtifacts(artifacts: LayersArtifacts): Promise<tfl.LayersModel> {
  const weightSpecs = artifacts.modelJson.weightsManifest.flatMap((g) => g.weights);
  const modelTopology = makeInputDynamic(artifacts.modelJson.modelTopology);
  const model = await tfl.models.modelFromJSON({ modelTopology } as Parameters<typeof tfl.models.modelFromJSON>[0]);
  const weights = tf.io.decodeWeights(artifacts.weightData, weightSpecs);
  try {
    model.loadWeights(weights, true);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    tf.dispose(Object.values(weights));
  }
}
