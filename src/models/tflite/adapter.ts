import * as tf from '../../core/tf.js';
import type { HeadOutput, LayerInfo, ModelAdapter, PreprocessSpec, SplitModel } from '../../core/types.js';
import { embeddedLabels } from './embedded-labels.js';
import { TfliteGraph } from './graph.js';
import { TensorType, parseTflite, type ModelDef, type TensorDef } from './schema.js';

/** Options of {@link loadTfliteModel}. */
export interface TfliteModelOptions {
  /** Display name (default: the model description or `tflite`). */
  readonly name?: string;
  /**
   * Class names. Either one per output class, or one fewer when the model has a leading
   * background class (1001-class ImageNet models): `background` is then prepended.
   * Default: a label file packed into the `.tflite` (TFLite metadata), when there is one.
   */
  readonly labels?: readonly string[];
  /** Input normalisation (default: derived from the input tensor's quantisation). */
  readonly preprocess?: PreprocessSpec;
}

const POOLS = new Set(['AVERAGE_POOL_2D', 'MAX_POOL_2D', 'MEAN']);

/**
 * The real value a quantised input encodes, as a {@link PreprocessSpec}. A uint8 input takes the
 * pixel as `q`, an int8 input `pixel − 128`; the model sees `scale · (q − zeroPoint)`, i.e.
 * `pixel / (1/scale) − scale · (zeroPoint + offset)`. A float input carries no such information:
 * the MobileNet convention `x/127.5 − 1` is assumed.
 */
export function preprocessFromInput(t: TensorDef): PreprocessSpec {
  const q = t.quant;
  if (q && q.scale.length === 1 && q.scale[0] > 0 && (t.type === TensorType.UINT8 || t.type === TensorType.INT8)) {
    const offset = t.type === TensorType.INT8 ? 128 : 0;
    const mean = q.scale[0] * ((q.zeroPoint[0] ?? 0) + offset);
    return {
      name: t.type === TensorType.INT8 ? 'tflite-int8' : 'tflite-uint8',
      scale: 1 / q.scale[0],
      mean: [mean, mean, mean],
      std: [1, 1, 1],
      bgr: false,
    };
  }
  return { name: 'tflite-float', scale: 127.5, mean: [1, 1, 1], std: [1, 1, 1], bgr: false };
}

function resolveLabels(labels: readonly string[] | undefined, classes: number): readonly string[] | undefined {
  if (!labels) return undefined;
  if (labels.length === classes) return labels;
  if (labels.length === classes - 1) return ['background', ...labels];
  throw new Error(`TFLite model has ${classes} classes but ${labels.length} labels were given`);
}

function classCount(def: ModelDef, graph: TfliteGraph): number {
  const shape = def.tensors[graph.logitsIndex].shape;
  return shape[shape.length - 1];
}

/** A TFLite model imported as a TF.js graph. */
export class TfliteModel implements ModelAdapter {
  readonly inputSize: number;
  readonly labels?: readonly string[];
  readonly preprocess: PreprocessSpec;
  private readonly layers: LayerInfo[];
  private readonly byName = new Map<string, number>();
  /** Name shown for each 4-D tensor: its short name when unambiguous. */
  private readonly displayName = new Map<number, string>();
  private disposed = false;

  constructor(
    readonly name: string,
    private readonly def: ModelDef,
    private readonly graph: TfliteGraph,
    options: TfliteModelOptions,
  ) {
    const input = def.tensors[graph.inputIndex];
    if (input.shape.length !== 4) throw new Error(`TFLite model input ${input.name} has shape [${input.shape.join(', ')}]; expected NHWC`);
    this.inputSize = input.shape[1];
    this.preprocess = options.preprocess ?? preprocessFromInput(input);
    this.labels = resolveLabels(options.labels, classCount(def, graph));

    this.layers = [];
    const aliasCount = new Map<string, number>();
    const ops = def.operators.slice(0, graph.lastOp + 1);
    for (const op of ops) {
      const t = def.tensors[op.outputs[0]];
      if (t.shape.length !== 4) continue;
      this.byName.set(t.name, t.index);
      const short = t.name.split(';')[0];
      if (short !== t.name) aliasCount.set(short, (aliasCount.get(short) ?? 0) + 1);
    }
    for (const op of ops) {
      const t = def.tensors[op.outputs[0]];
      if (t.shape.length !== 4) continue;
      const short = t.name.split(';')[0];
      // MLIR-converted files join the names of fused TF ops with ';': the first is the familiar one,
      // so it becomes the layer's name when it is unambiguous, the full name its alias.
      const unique = short !== t.name && aliasCount.get(short) === 1 && !this.byName.has(short);
      if (unique) this.byName.set(short, t.index);
      this.displayName.set(t.index, unique ? short : t.name);
      this.layers.push({ name: unique ? short : t.name, aliases: unique ? [t.name] : [], kind: op.opName, shape: [...t.shape], spatial: t.shape[1] > 1 || t.shape[2] > 1 });
    }
  }

  get engine(): string {
    return `tfjs-${tf.getBackend()}`;
  }

  listLayers(): LayerInfo[] {
    return this.layers.map((l) => ({ ...l }));
  }

  defaultLayer(): string {
    const ops = this.def.operators.slice(0, this.graph.lastOp + 1);
    for (let j = ops.length - 1; j >= 0; j--) {
      if (!POOLS.has(ops[j].opName)) continue;
      const t = this.def.tensors[ops[j].inputs[0]];
      if (t.shape.length === 4 && this.graph.producer.has(t.index)) return this.displayName.get(t.index) ?? t.name;
    }
    const spatial = this.layers.filter((l) => l.spatial);
    if (spatial.length === 0) throw new Error(`TFLite model ${this.name} has no spatial layer`);
    return spatial[spatial.length - 1].name;
  }

  private checkInput(input: tf.Tensor4D): void {
    if (this.disposed) throw new Error(`TFLite model ${this.name} has been disposed`);
    const c = this.def.tensors[this.graph.inputIndex].shape[3];
    if (!(input instanceof tf.Tensor) || input.rank !== 4 || input.shape[3] !== c) {
      throw new Error(`TFLite model ${this.name} expects an NHWC input [1, H, W, ${c}], got [${input?.shape?.join(', ')}]`);
    }
  }

  predictDifferentiable(input: tf.Tensor4D): tf.Tensor2D {
    this.checkInput(input);
    return tf.tidy(() => {
      const [out] = this.graph.run(new Map([[this.graph.inputIndex, input]]), 0, this.graph.lastOp, [this.graph.logitsIndex], false);
      return this.graph.toLogits(out);
    });
  }

  async predict(input: tf.Tensor4D): Promise<tf.Tensor2D> {
    this.checkInput(input);
    return tf.tidy(() => {
      const [out] = this.graph.run(new Map([[this.graph.inputIndex, input]]), 0, this.graph.lastOp, [this.graph.logitsIndex], true);
      return this.graph.toLogits(out);
    });
  }

  /** The parsed file, for writing it in another format (e.g. ONNX for onnxruntime). */
  get modelDef(): ModelDef {
    return this.def;
  }

  /** The logits tensor and the factor (a softmax's beta) applied to it. */
  logitsPlan(): { tensor: number; scale: number } {
    return { tensor: this.graph.logitsIndex, scale: this.graph.logitsScale };
  }

  /**
   * Where a cut at `layer` falls: its canonical name, the operator that computes it, the tensor,
   * and the tensors crossing the cut in the order {@link split}'s head returns them.
   */
  cutPlan(layer: string): { layer: string; op: number; tensor: number; crossing: readonly number[] } {
    if (this.disposed) throw new Error(`TFLite model ${this.name} has been disposed`);
    const index = this.byName.get(layer);
    if (index === undefined) {
      throw new Error(`TFLite model ${this.name} has no layer ${JSON.stringify(layer)}; \`listLayers()\` lists the 4-D tensors`);
    }
    const k = this.graph.producer.get(index)!;
    return { layer: this.displayName.get(index) ?? this.def.tensors[index].name, op: k, tensor: index, crossing: this.graph.crossing(k, index) };
  }

  split(layer: string): SplitModel {
    const { layer: canonical, op: k, tensor: index, crossing } = this.cutPlan(layer);
    const graph = this.graph;
    const checkInput = (x: tf.Tensor4D) => this.checkInput(x);
    return {
      layer: canonical,
      async head(input: tf.Tensor4D): Promise<HeadOutput> {
        checkInput(input);
        const outs = tf.tidy(() => graph.run(new Map([[graph.inputIndex, input]]), 0, k, [index, ...crossing], true));
        const [activation, ...context] = outs;
        return { activation: activation as tf.Tensor4D, context };
      },
      tail(activation: tf.Tensor4D, context: readonly tf.Tensor[]): tf.Tensor2D {
        if (context.length !== crossing.length) {
          throw new Error(`tail at ${canonical} needs ${crossing.length} context tensors from head(), got ${context.length}`);
        }
        return tf.tidy(() => {
          const seeds = new Map<number, tf.Tensor>([[index, activation]]);
          crossing.forEach((t, i) => seeds.set(t, context[i]));
          const [out] = graph.run(seeds, k + 1, graph.lastOp, [graph.logitsIndex], false);
          return graph.toLogits(out);
        });
      },
      dispose() {},
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.graph.dispose();
  }
}

/**
 * Imports a `.tflite` image classifier as a differentiable float32 TF.js graph: quantised weights
 * are dequantised (per tensor or per channel), quantised activations are computed as the real
 * values they encode, and the final softmax is dropped so that the model outputs logits.
 * Throws a `TfliteFormatError` on truncated or corrupt bytes and an Error naming any operator
 * it does not support.
 */
export function loadTfliteModel(bytes: Uint8Array, options: TfliteModelOptions = {}): TfliteModel {
  const def = parseTflite(bytes);
  const graph = new TfliteGraph(def);
  try {
    const labels = options.labels ?? embeddedLabels(bytes, classCount(def, graph));
    const name = options.name ?? (def.description && def.description !== 'MLIR Converted.' ? def.description : 'tflite');
    return new TfliteModel(name, def, graph, { ...options, labels });
  } catch (e) {
    graph.dispose();
    throw e;
  }
}
