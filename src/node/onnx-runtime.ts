/**
 * Fast forward passes for ONNX models (Node only): onnxruntime-node runs the forward pass up
 * to the cut with native kernels, and only the tail after the cut runs in TF.js, where it is
 * differentiated. onnxruntime has no gradients, so the tail must stay TF.js.
 *
 * The head is a pruned copy of the model whose outputs are κ and the tensors the tail also
 * reads (skip connections across the cut); its NCHW outputs are converted to the NHWC layout the
 * TF.js tail expects.
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import * as tf from '../core/tf.js';
import type { HeadOutput, ModelAdapter, SplitModel } from '../core/types.js';
import { DescribedBy } from '../models/described-by.js';
import { loadOnnxModel, type OnnxModel, type OnnxModelOptions } from '../models/onnx/index.js';

const { onnx } = onnxProto;

/** Options of {@link loadOnnxModelWithOrt}. */
export interface OrtModelOptions extends OnnxModelOptions {
  /** onnxruntime intra-op threads (default 2). */
  readonly intraOpNumThreads?: number;
}

/**
 * A copy of the model that computes only `outputs` (a pruned graph whose outputs are those
 * tensors), so onnxruntime stops at the cut.
 */
export function headModelBytes(bytes: Uint8Array, outputs: readonly string[]): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => o && producer.set(o, i)));
  const keep = new Set<number>();
  const stack = [...outputs];
  while (stack.length) {
    const name = stack.pop()!;
    const p = producer.get(name);
    if (p === undefined || keep.has(p)) continue;
    keep.add(p);
    stack.push(...(nodes[p].input ?? []));
    // Subgraph attributes (If/Loop) may read outer tensors; keep them conservative.
    for (const a of nodes[p].attribute ?? []) if (a.g) for (const n of a.g.node ?? []) stack.push(...(n.input ?? []));
  }
  for (const o of outputs) if (!producer.has(o)) throw new Error(`no node produces "${o}"`);
  graph.node = nodes.filter((_, i) => keep.has(i));
  const used = new Set<string>();
  for (const n of graph.node) for (const x of n.input ?? []) used.add(x);
  for (const n of graph.node) for (const a of n.attribute ?? []) if (a.g) for (const m of a.g.node ?? []) for (const x of m.input ?? []) used.add(x);
  graph.initializer = (graph.initializer ?? []).filter((t) => used.has(t.name ?? ''));
  const inits = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  graph.input = (graph.input ?? []).filter((i) => used.has(i.name ?? '') || !inits.has(i.name ?? ''));
  graph.valueInfo = [];
  graph.output = outputs.map((name) => onnx.ValueInfoProto.create({ name }));
  return onnx.ModelProto.encode(model).finish();
}

/** NHWC TF.js image → NCHW onnxruntime tensor. */
function toOrtInput(input: tf.Tensor4D): ort.Tensor {
  if (!(input instanceof tf.Tensor) || input.rank !== 4) throw new Error('expected an NHWC image tensor [1, H, W, C]');
  const nchw = tf.tidy(() => tf.transpose(tf.cast(input, 'float32'), [0, 3, 1, 2]));
  const data = nchw.dataSync() as Float32Array;
  const dims = nchw.shape;
  nchw.dispose();
  return new ort.Tensor('float32', data, dims);
}

/** onnxruntime output → TF.js: floats 4-D become NHWC, int64 becomes int32 (shape data). */
function fromOrt(t: ort.Tensor, nhwc4d: boolean): tf.Tensor {
  const dims = [...t.dims].map(Number);
  if (t.type === 'float32') {
    const x = tf.tensor(t.data as Float32Array, dims, 'float32');
    if (!nhwc4d || dims.length !== 4) return x;
    const y = tf.transpose(x, [0, 2, 3, 1]);
    x.dispose();
    return y;
  }
  if (t.type === 'int64') return tf.tensor(Int32Array.from(t.data as BigInt64Array, (v) => Number(v)), dims, 'int32');
  if (t.type === 'int32') return tf.tensor(t.data as Int32Array, dims, 'int32');
  if (t.type === 'bool') return tf.tensor(t.data as Uint8Array, dims, 'bool');
  throw new Error(`onnxruntime output of type ${t.type} is not supported`);
}

/** An ONNX model whose forward passes run in onnxruntime-node and whose tails run in TF.js. */
export class OrtOnnxModel extends DescribedBy implements ModelAdapter {
  /** Forward passes run in onnxruntime-node. */
  readonly engine = 'onnxruntime-node';
  /**
   * onnxruntime sessions by the outputs they compute: heads (κ and the tensors crossing the cut)
   * and, from the first {@link predict} on, the whole model (CAMERAS needs only heads).
   */
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private released = false;

  constructor(
    /** The TF.js import, weights created lazily: tails and layers. */
    private readonly inner: OnnxModel,
    private readonly bytes: Uint8Array,
    private readonly sessionOptions: ort.InferenceSession.SessionOptions,
  ) {
    super(inner);
  }

  /**
   * The TF.js import as a complete TF.js model: its weights before the cut, which onnxruntime
   * makes unnecessary for CAMERAS, are created now if they were not yet (once).
   */
  get tfjs(): OnnxModel {
    this.inner.graph.materializeNodes(this.inner.graph.fullPlan());
    return this.inner;
  }

  /** The session computing `outputs` (the whole model when `outputs` is empty), created once. */
  private session(outputs: readonly string[]): Promise<ort.InferenceSession> {
    const key = outputs.join('\u0000');
    let s = this.sessions.get(key);
    if (!s) {
      s = ort.InferenceSession.create(outputs.length ? headModelBytes(this.bytes, outputs) : this.bytes, this.sessionOptions);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  /**
   * Creates the onnxruntime session of the head that ends at `layer`, so that the first map
   * does not wait for it and a model onnxruntime cannot run fails here.
   */
  async prepare(layer = this.defaultLayer()): Promise<void> {
    const inner = this.inner.split(layer);
    try {
      await this.session([inner.plan.tensor, ...inner.plan.context]);
      // The tail's TF.js weights now, so that the first map allocates no tensors that stay.
      this.inner.graph.materializeNodes(inner.plan.tail);
    } finally {
      inner.dispose();
    }
  }

  /** Cut at a layer: onnxruntime head, TF.js tail (shared with the pure TF.js import). */
  split(layer: string): SplitModel {
    const inner = this.inner.split(layer);
    const { plan } = inner;
    // Weights created when the split is made, not during a method's first call.
    this.inner.graph.materializeNodes(plan.tail);
    const outputs = [plan.tensor, ...plan.context];
    const inputName = this.inner.graph.inputName;
    return {
      layer: inner.layer,
      head: async (input: tf.Tensor4D): Promise<HeadOutput> => {
        this.check();
        const session = await this.session(outputs);
        const result = await session.run({ [inputName]: toOrtInput(input) });
        const act = result[plan.tensor];
        if (act.dims.length !== 4) throw new Error(`layer "${inner.layer}" has shape [${act.dims}]: only 4-D (N, C, H, W) layers can be cut`);
        return {
          activation: fromOrt(act, true) as tf.Tensor4D,
          context: plan.context.map((name) => fromOrt(result[name], true)),
        };
      },
      tail: (activation, context) => inner.tail(activation, context),
      dispose: () => inner.dispose(),
    };
  }

  /** Whole forward pass in onnxruntime. */
  async predict(input: tf.Tensor4D): Promise<tf.Tensor2D> {
    this.check();
    const full = await this.session([]);
    const result = await full.run({ [this.inner.graph.inputName]: toOrtInput(input) });
    const out = fromOrt(result[this.inner.graph.outputName], false);
    if (out.rank === 2) return out as tf.Tensor2D;
    const flat = out.reshape([out.shape[0], -1]) as tf.Tensor2D;
    out.dispose();
    return flat;
  }

  /** TF.js forward pass (onnxruntime has no gradients); creates all TF.js weights on first use. */
  predictDifferentiable(input: tf.Tensor4D): tf.Tensor2D {
    return this.tfjs.predictDifferentiable(input);
  }

  private check(): void {
    if (this.released) throw new Error('the model has been disposed');
  }

  /** Releases the TF.js weights and the onnxruntime sessions. */
  dispose(): void {
    if (this.released) return;
    this.released = true;
    this.inner.dispose();
    for (const s of this.sessions.values()) s.then((x) => x.release()).catch(() => undefined);
    this.sessions.clear();
  }
}

/**
 * Loads an ONNX model for onnxruntime-node forward passes with TF.js tails
 * (`engine: 'onnxruntime-node'`). The TF.js import is built too: it supplies the layers and the
 * differentiable tails, and it validates that every op is supported; its weights are created
 * lazily (the default layer's tail at load, the rest when a method first runs them in TF.js). The onnxruntime session of
 * the head up to the default layer is created here (a model onnxruntime rejects fails now, so
 * callers can fall back to TF.js); the whole-model session only when {@link OrtOnnxModel.predict}
 * is first called.
 */
export async function loadOnnxModelWithOrt(bytes: Uint8Array, options: OrtModelOptions = {}): Promise<OrtOnnxModel> {
  // onnxruntime holds the weights of every pass before the cut: TF.js makes its own copy of a
  // node's weights only when the node first runs there (tails; input gradients take them all).
  const tfjs = await loadOnnxModel(bytes, { ...options, lazyWeights: true });
  const model = new OrtOnnxModel(tfjs, bytes, { intraOpNumThreads: options.intraOpNumThreads ?? 2 });
  try {
    await model.prepare();
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}
