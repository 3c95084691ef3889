/**
 * Fast forward passes for TF.js layers and TFLite models, on any onnxruntime: the TF.js import is
 * written as an in-memory ONNX model (`./onnx-export`), onnxruntime (onnxruntime-node in Node,
 * onnxruntime-web in browsers, passed in as {@link OrtApi}) runs the head (input → κ and the tensors
 * crossing the cut) and the whole-model prediction, and the tail after the cut stays the TF.js
 * import's, where it is differentiated (onnxruntime has no gradients). Isomorphic: it imports no
 * onnxruntime package itself.
 */
import * as tf from '../core/tf.js';
import { asClassScores } from '../core/logits.js';
import type { HeadOutput, ModelAdapter, SplitModel } from '../core/types.js';
import { DescribedBy } from './described-by.js';
import { randomizable } from '../analysis/randomize.js';
import { EXPORT_INPUT, OnnxExportError } from './onnx-export/builder.js';
import { exporterFor, type OnnxExporter } from './onnx-export/exporter.js';
import type { AdapterHooks, BuiltModel } from './build-adapter.js';

/** An onnxruntime tensor, as both onnxruntime-node and onnxruntime-web define it. */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** An onnxruntime inference session (the part of `InferenceSession` this adapter uses). */
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/**
 * The part of an onnxruntime package this adapter uses: `import * as ort from 'onnxruntime-node'`
 * or `'onnxruntime-web'` satisfies it.
 */
export interface OrtApi {
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  readonly InferenceSession: { create(bytes: Uint8Array, options?: object): Promise<OrtSession> };
}

/** NHWC TF.js image → NHWC onnxruntime tensor (the exported graph transposes it itself). */
function toOrtInput(ort: OrtApi, input: tf.Tensor4D): OrtTensor {
  if (!(input instanceof tf.Tensor) || input.rank !== 4) throw new Error('expected an NHWC image tensor [1, H, W, C]');
  const data = input.dtype === 'float32' ? (input.dataSync() as Float32Array) : Float32Array.from(input.dataSync());
  return new ort.Tensor('float32', data, input.shape);
}

function fromOrt(t: OrtTensor): tf.Tensor {
  return tf.tensor(t.data as Float32Array, [...t.dims].map(Number), 'float32');
}

/**
 * A TF.js layers or TFLite import whose forward passes run in onnxruntime. Everything that
 * needs gradients (tails, {@link predictDifferentiable}) is the TF.js import's. A cut the exporter
 * cannot write (a layer after an unsupported one) runs its head in TF.js instead.
 */
export class OrtExportedModel extends DescribedBy implements ModelAdapter {
  /** onnxruntime sessions: heads by layer, and the whole model under the empty key. */
  private readonly sessions = new Map<string, Promise<{ session: OrtSession; outputs: number } | undefined>>();
  private released = false;

  constructor(
    /** The TF.js import: layers, tails and differentiable passes. */
    readonly tfjs: ModelAdapter,
    private readonly exporter: OnnxExporter,
    private readonly ort: OrtApi,
    private readonly sessionOptions: object,
    /** Which engine runs the forward passes, e.g. `onnxruntime-node` or `onnxruntime-web (wasm)`. */
    readonly engine: string,
  ) {
    super(tfjs);
    // The weight-randomisation sanity check works on the TF.js model; offer it through this one.
    const r = randomizable(tfjs);
    if (r) Object.assign(this, { weightedLayers: () => r.weightedLayers(), blocks: r.blocks && (() => r.blocks!()), randomized: (layers: readonly string[], seed: number) => r.randomized(layers, seed) });
  }

  /**
   * The session of a head (`layer`) or of the whole model (`undefined`), created once; resolves to
   * `undefined` when the exporter cannot write it.
   */
  private session(layer: string | undefined): Promise<{ session: OrtSession; outputs: number } | undefined> {
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
        return { session: await this.ort.InferenceSession.create(bytes, this.sessionOptions), outputs };
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
        const result = await s.session.run({ [EXPORT_INPUT]: toOrtInput(this.ort, input) });
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
    const result = await s.session.run({ [EXPORT_INPUT]: toOrtInput(this.ort, input) });
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
    this.releaseSessions();
  }

  /** Releases the onnxruntime sessions only (a failed {@link loadExportedWith} leaves `tfjs` to its caller). */
  releaseSessions(): void {
    for (const s of this.sessions.values()) s.then((x) => x?.session.release()).catch(() => undefined);
    this.sessions.clear();
  }
}

/**
 * Wraps a TF.js layers or TFLite import for onnxruntime forward passes. The head at the default
 * layer is exported and its session created here, so an unsupported layer or operator, or a graph
 * onnxruntime rejects, throws now (the caller falls back to the TF.js import). On failure `tfjs`
 * is left to the caller.
 */
export async function loadExportedWith(ort: OrtApi, tfjs: ModelAdapter, exporter: OnnxExporter, sessionOptions: object, engine: string): Promise<OrtExportedModel> {
  const model = new OrtExportedModel(tfjs, exporter, ort, sessionOptions, engine);
  try {
    await model.prepare();
  } catch (e) {
    model.releaseSessions();
    throw e;
  }
  return model;
}

/**
 * An {@link AdapterHooks.adopt} hook that moves the forward passes of every TF.js layers or TFLite
 * model the factory builds onto `ort` (e.g. onnxruntime-web in a browser). A model the exporter
 * cannot write, or that onnxruntime rejects, stays on TF.js; `onWarning` says why.
 */
export function ortAdopter(ort: OrtApi, sessionOptions: object, engine: string, onWarning?: (message: string) => void): NonNullable<AdapterHooks['adopt']> {
  return async (built: BuiltModel) => {
    try {
      return await loadExportedWith(ort, built.adapter, exporterFor(built), sessionOptions, engine);
    } catch (e) {
      onWarning?.(`${built.adapter.name}: forward passes on TF.js, not ${engine} (${(e as Error).message})`);
      return built.adapter;
    }
  };
}
