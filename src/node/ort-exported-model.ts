/**
 * Fast forward passes for TF.js layers and TFLite models (Node only): the TF.js import is written
 * as an in-memory ONNX model (`../models/onnx-export`), onnxruntime-node runs the head (input → κ
 * and the tensors crossing the cut) and the whole-model prediction with native kernels, and the
 * tail after the cut stays the TF.js import's, where it is differentiated (onnxruntime has no
 * gradients).
 */
import * as ort from 'onnxruntime-node';
import * as tf from '../core/tf.js';
import { asClassScores } from '../core/logits.js';
import type { HeadOutput, LayerInfo, ModelAdapter, PreprocessSpec, SplitModel } from '../core/types.js';
import { randomizable } from '../analysis/randomize.js';
import { EXPORT_INPUT, OnnxExportError } from '../models/onnx-export/builder.js';
import type { OnnxExporter } from '../models/onnx-export/exporter.js';

/** Options of {@link loadExportedWithOrt}. */
export interface OrtExportOptions {
  /** onnxruntime intra-op threads (default 2). */
  readonly intraOpNumThreads?: number;
}

/** NHWC TF.js image → NHWC onnxruntime tensor (the exported graph transposes it itself). */
function toOrtInput(input: tf.Tensor4D): ort.Tensor {
  if (!(input instanceof tf.Tensor) || input.rank !== 4) throw new Error('expected an NHWC image tensor [1, H, W, C]');
  const data = input.dtype === 'float32' ? (input.dataSync() as Float32Array) : Float32Array.from(input.dataSync());
  return new ort.Tensor('float32', data, input.shape);
}

function fromOrt(t: ort.Tensor): tf.Tensor {
  return tf.tensor(t.data as Float32Array, [...t.dims].map(Number), 'float32');
}

/**
 * A TF.js layers or TFLite import whose forward passes run in onnxruntime-node. Everything that
 * needs gradients (tails, {@link predictDifferentiable}) is the TF.js import's. A cut the exporter
 * cannot write (a layer after an unsupported one) runs its head in TF.js instead.
 */
export class OrtExportedModel implements ModelAdapter {
  /** Forward passes run in onnxruntime-node. */
  readonly engine = 'onnxruntime-node';
  /** onnxruntime sessions: heads by layer, and the whole model under the empty key. */
  private readonly sessions = new Map<string, Promise<{ session: ort.InferenceSession; outputs: number } | undefined>>();
  private released = false;

  constructor(
    /** The TF.js import: layers, tails and differentiable passes. */
    readonly tfjs: ModelAdapter,
    private readonly exporter: OnnxExporter,
    private readonly sessionOptions: ort.InferenceSession.SessionOptions,
  ) {
    // The weight-randomisation sanity check works on the TF.js model; offer it through this one.
    const r = randomizable(tfjs);
    if (r) Object.assign(this, { weightedLayers: () => r.weightedLayers(), blocks: r.blocks && (() => r.blocks!()), randomized: (layers: readonly string[], seed: number) => r.randomized(layers, seed) });
  }

  /** Display name. */
  get name(): string {
    return this.tfjs.name;
  }
  /** Class names, when known. */
  get labels(): readonly string[] | undefined {
    return this.tfjs.labels;
  }
  /** Input normalisation. */
  get preprocess(): PreprocessSpec {
    return this.tfjs.preprocess;
  }
  /** Native input size. */
  get inputSize(): number {
    return this.tfjs.inputSize;
  }

  /** Layers of the TF.js import. */
  listLayers(): LayerInfo[] {
    return this.tfjs.listLayers();
  }

  /** The TF.js import's default layer. */
  defaultLayer(): string {
    return this.tfjs.defaultLayer();
  }

  /**
   * The session of a head (`layer`) or of the whole model (`undefined`), created once; resolves to
   * `undefined` when the exporter cannot write it.
   */
  private session(layer: string | undefined): Promise<{ session: ort.InferenceSession; outputs: number } | undefined> {
    const key = layer ?? '';
    let s = this.sessions.get(key);
    if (!s) {
      s = (async () => {
        let bytes: Uint8Array;
        let outputs = 1;
        try {
          if (layer === undefined) bytes = this.exporter.logits();
          else ({ bytes, outputs } = this.exporter.head(layer));
        } catch (e) {
          if (e instanceof OnnxExportError) return undefined;
          throw e;
        }
        return { session: await ort.InferenceSession.create(bytes, this.sessionOptions), outputs };
      })();
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  /**
   * Writes and loads the head at `layer`, so that the first map does not wait for it and a model
   * that cannot be exported or that onnxruntime rejects fails here (with the exporter's reason),
   * where callers can still fall back to TF.js. The whole model is written on the first
   * {@link predict} (CAMERAS needs only heads).
   */
  async prepare(layer = this.defaultLayer()): Promise<void> {
    const split = this.tfjs.split(layer);
    const canonical = split.layer;
    split.dispose();
    if (!(await this.session(canonical))) this.exporter.head(canonical);
  }

  /** Cut at a layer: onnxruntime head, TF.js tail. */
  split(layer: string): SplitModel {
    const inner = this.tfjs.split(layer);
    return {
      layer: inner.layer,
      head: async (input: tf.Tensor4D): Promise<HeadOutput> => {
        this.check();
        const s = await this.session(inner.layer);
        if (!s) return inner.head(input);
        const result = await s.session.run({ [EXPORT_INPUT]: toOrtInput(input) });
        const outs = Array.from({ length: s.outputs }, (_, i) => fromOrt(result[`out${i}`]));
        return { activation: outs[0] as tf.Tensor4D, context: outs.slice(1) };
      },
      tail: (activation, context) => inner.tail(activation, context),
      dispose: () => inner.dispose(),
    };
  }

  /** Whole forward pass in onnxruntime (TF.js where the model cannot be exported). */
  async predict(input: tf.Tensor4D): Promise<tf.Tensor2D> {
    this.check();
    const s = await this.session(undefined);
    if (!s) return this.tfjs.predict(input);
    const result = await s.session.run({ [EXPORT_INPUT]: toOrtInput(input) });
    const out = fromOrt(result.out0);
    const scores = asClassScores(out, `the output of ${this.name}`);
    if (scores !== out) out.dispose();
    return scores;
  }

  /** TF.js forward pass (onnxruntime has no gradients). */
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
    this.tfjs.dispose();
    for (const s of this.sessions.values()) s.then((x) => x?.session.release()).catch(() => undefined);
    this.sessions.clear();
  }
}

/**
 * Wraps a TF.js layers or TFLite import for onnxruntime-node forward passes. The head at the
 * default layer is exported and its session created here, so an
 * unsupported layer or operator, or a graph onnxruntime rejects, throws now (the caller falls back
 * to the TF.js import). On failure `tfjs` is left to the caller.
 */
export async function loadExportedWithOrt(tfjs: ModelAdapter, exporter: OnnxExporter, options: OrtExportOptions = {}): Promise<OrtExportedModel> {
  // No spinning: between two head runs the TF.js tail and fusion need the same cores, and
  // onnxruntime's idle threads would spin on them (MobileNet v2, 8 sizes, A/B in one process on a
  // loaded machine: 2.4 and 1.6 s without spinning against 5.3 and 3.4 s with it, in 2 of 3 rounds).
  const model = new OrtExportedModel(tfjs, exporter, {
    intraOpNumThreads: options.intraOpNumThreads ?? 2,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  await model.prepare();
  return model;
}
