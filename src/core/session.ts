import * as tf from './tf.js';
import type { ModelAdapter, RgbImage, SplitModel } from './types.js';
import type { ExplainOptions, SaliencyResult, TargetInfo } from '../methods/types.js';
import { imageToTensor, normalizeInput } from './preprocess.js';
import { resizeImage } from './resize.js';
import { scaledShape } from './schedule.js';
import { argmax, resolveTarget, softmax } from './target.js';
import { probeLayer, type LayerProbe } from './probe.js';
import { assertFiniteMap, normalizeMap } from './normalize.js';

/** What a method can be given: an RGB image (0..255) or an already preprocessed NHWC tensor. */
export type ExplainInput = RgbImage | tf.Tensor4D;

/** Options every session understands. */
export interface SessionOptions extends ExplainOptions {
  /** Stretch every size to a square instead of keeping the aspect ratio (default false). */
  square?: boolean;
  /** Base size ζ₀ whose prediction is the reference (default: the model's native input size). */
  baseSize?: number;
}

/** One forward/backward pass of the session at one size. */
export interface ScalePass extends LayerProbe {
  readonly size: number;
  readonly shape: readonly [number, number];
}

function isTensor(x: ExplainInput): x is tf.Tensor4D {
  return x instanceof tf.Tensor;
}

/**
 * The shared machinery of layer-based methods, in the spirit of pytorch-grad-cam's base class:
 * preprocessing, the cut at κ, the reference prediction at the base size, the target class, the
 * forward/backward pass at any size, and the final ReLU/normalisation. A method only decides which
 * passes to run and how to combine activations and gradients.
 */
export class ExplainSession {
  /** Preprocessed input at full resolution, `[1, H, W, 3]`. */
  readonly input: tf.Tensor4D;
  readonly height: number;
  readonly width: number;
  readonly split: SplitModel;
  readonly baseSize: number;
  private basePass!: ScalePass;
  private targetIndex!: number;
  private predictedInfo!: TargetInfo;
  private targetInfo!: TargetInfo;
  private readonly started = performance.now();
  private done = 0;

  private constructor(
    readonly model: ModelAdapter,
    input: ExplainInput,
    readonly options: SessionOptions,
    private readonly totalPasses: number,
  ) {
    this.input = tf.tidy(() => (isTensor(input) ? input.clone() : normalizeInput(imageToTensor(input), model.preprocess)));
    [, this.height, this.width] = this.input.shape;
    this.baseSize = options.baseSize ?? model.inputSize;
    try {
      this.split = model.split(options.layer ?? model.defaultLayer());
    } catch (e) {
      this.input.dispose();
      throw e;
    }
  }

  /**
   * Opens a session: runs the base size, fixes the target class and keeps that pass for reuse.
   * `totalPasses` is only used for progress reports.
   */
  static async open(model: ModelAdapter, input: ExplainInput, options: SessionOptions, totalPasses: number): Promise<ExplainSession> {
    if (isTensor(input) && (input.rank !== 4 || input.shape[0] !== 1 || input.shape[3] !== 3)) {
      throw new Error(`input tensor must be [1, H, W, 3], got [${input.shape.join(', ')}]`);
    }
    const s = new ExplainSession(model, input, options, totalPasses);
    try {
      const shape = s.shapeAt(s.baseSize);
      const x = s.resized(shape);
      let base: LayerProbe;
      try {
        base = await probeLayer(s.split, x, (logits) => resolveTarget(options.target, argmax(logits), logits.length, model.labels));
      } finally {
        x.dispose();
      }
      s.basePass = { ...base, size: s.baseSize, shape };
      s.targetIndex = base.target;
      const p = softmax(base.logits);
      const info = (i: number): TargetInfo => ({ index: i, label: model.labels?.[i], probability: p[i], logit: base.logits[i] });
      s.predictedInfo = info(base.predicted);
      s.targetInfo = info(base.target);
      s.progress(`size ${s.baseSize} (reference)`);
      return s;
    } catch (e) {
      s.disposeInputs();
      throw e;
    }
  }

  /** The class being explained. */
  get target(): TargetInfo {
    return this.targetInfo;
  }

  /** The class predicted at the base size: the reference for Algorithm 1's line 6. */
  get predicted(): TargetInfo {
    return this.predictedInfo;
  }

  /** Input shape `[H, W]` at a schedule size (shorter side = size). */
  shapeAt(size: number): [number, number] {
    return scaledShape(this.height, this.width, size, this.options.square);
  }

  private resized(shape: readonly [number, number]): tf.Tensor4D {
    return resizeImage(this.input, shape, this.options.inputResize ?? 'bilinear');
  }

  private progress(message: string): void {
    this.done++;
    this.options.onProgress?.(this.done, this.totalPasses, message);
  }

  /**
   * Forward and backward at one size. The base size's pass is computed once and shared: do not
   * dispose it (the session does); dispose any other pass you are given.
   */
  async pass(size: number): Promise<ScalePass> {
    if (size === this.baseSize) return this.basePass;
    const shape = this.shapeAt(size);
    const x = this.resized(shape);
    try {
      const probe = await probeLayer(this.split, x, this.targetIndex);
      this.progress(`size ${size} (${shape[0]}×${shape[1]})`);
      return { ...probe, size, shape };
    } finally {
      x.dispose();
    }
  }

  /** Releases a pass unless it is the shared base pass. */
  release(p: ScalePass): void {
    if (p !== this.basePass) tf.dispose([p.activation, p.gradient]);
  }

  /**
   * Builds the result from a raw map tensor `[H, W]` (ReLU applied here) and disposes it.
   */
  async finish(method: string, raw: tf.Tensor2D, sizesUsed: readonly number[], sizesRejected: readonly number[] = []): Promise<SaliencyResult> {
    const relu = tf.relu(raw);
    raw.dispose();
    const values = (await relu.data()) as Float32Array;
    relu.dispose();
    assertFiniteMap(values, `${method} at layer ${this.split.layer}`);
    return {
      method,
      map: normalizeMap(values),
      raw: values,
      width: this.width,
      height: this.height,
      layer: this.split.layer,
      target: this.targetInfo,
      predicted: this.predictedInfo,
      sizesUsed,
      sizesRejected,
      ms: performance.now() - this.started,
    };
  }

  private disposeInputs(): void {
    this.input.dispose();
    this.split.dispose();
    if (this.basePass) tf.dispose([this.basePass.activation, this.basePass.gradient]);
  }

  /** Releases everything the session holds. */
  dispose(): void {
    this.disposeInputs();
  }
}

/**
 * Runs `body` in a fresh session and always disposes it: the helper every layer method uses.
 */
export async function withSession<T>(
  model: ModelAdapter,
  input: ExplainInput,
  options: SessionOptions,
  totalPasses: number,
  body: (s: ExplainSession) => Promise<T>,
): Promise<T> {
  const s = await ExplainSession.open(model, input, options, totalPasses);
  try {
    return await body(s);
  } finally {
    s.dispose();
  }
}
