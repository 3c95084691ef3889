import * as tf from './tf.js';
import type { ModelAdapter, RgbImage } from './types.js';
import type { ExplainInput, ExplainOptions, SaliencyResult, TargetInfo, TargetSpec } from './method.js';
import { imageToTensor, normalizeInput } from './preprocess.js';
import { tensorInput } from './tensor-input.js';
import { resizeImage } from './resize.js';
import { scaledShape } from './schedule.js';
import { argmax, resolveTarget, softmax } from './target.js';
import { assertFiniteMap, normalizeMap } from './normalize.js';
import type { AcceptPolicy } from './accept.js';

export type { ExplainInput } from './method.js';

/** Options every session understands. */
export interface SessionOptions extends ExplainOptions {
  /** Stretch every size to a square instead of keeping the aspect ratio (default false). */
  square?: boolean;
  /** Base size ζ₀ whose prediction is the reference (default: the model's native input size). */
  baseSize?: number;
}

/**
 * What every method shares, in the spirit of pytorch-grad-cam's base class: the preprocessed input,
 * its resizing to any schedule size, the reference prediction at the base size and the target class
 * resolved from it, progress reports, and the final check, ReLU-ed map and normalisation.
 * {@link ExplainSession} adds the cut at a layer κ; `InputSession` works on the input alone.
 */
export abstract class BaseSession {
  /** Preprocessed input at full resolution, `[1, H, W, 3]`. */
  readonly input: tf.Tensor4D;
  readonly height: number;
  readonly width: number;
  /** The base size ζ₀ (shorter side) whose prediction is the reference. */
  readonly baseSize: number;
  private targetInfo!: TargetInfo;
  private predictedInfo!: TargetInfo;
  private readonly started = performance.now();
  private done = 0;

  protected constructor(
    readonly model: ModelAdapter,
    input: ExplainInput,
    readonly options: SessionOptions,
    private readonly totalPasses: number,
  ) {
    this.input = tf.tidy(() => tensorInput(input) ?? normalizeInput(imageToTensor(input as RgbImage), model.preprocess));
    [, this.height, this.width] = this.input.shape;
    this.baseSize = options.baseSize ?? model.inputSize;
  }

  /** The class being explained. */
  get target(): TargetInfo {
    return this.targetInfo;
  }

  /** The class predicted at the base size: the reference for Algorithm 1's line 6. */
  get predicted(): TargetInfo {
    return this.predictedInfo;
  }

  /** Input shape `[H, W]` at a schedule size (shorter side = size, aspect kept unless `square`). */
  shapeAt(size: number): [number, number] {
    return scaledShape(this.height, this.width, size, this.options.square);
  }

  /** The preprocessed input resized to `shape` with the session's interpolation. */
  protected resized(shape: readonly [number, number]): tf.Tensor4D {
    return resizeImage(this.input, shape, this.options.inputResize ?? 'bilinear');
  }

  /** Chooses the class to explain from the base-size logits. */
  protected static chooseTarget(target: TargetSpec | undefined, labels: readonly string[] | undefined): (logits: Float32Array) => number {
    return (logits) => resolveTarget(target, argmax(logits), logits.length, labels);
  }

  /** Records the reference logits at the base size and the class being explained. */
  protected setReference(logits: Float32Array, target: number): void {
    const p = softmax(logits);
    const info = (i: number): TargetInfo => ({ index: i, label: this.model.labels?.[i], probability: p[i], logit: logits[i] });
    this.predictedInfo = info(argmax(logits));
    this.targetInfo = info(target);
  }

  /** Reports one unit of work (a forward pass or a batch) to `onProgress`. */
  progress(message: string): void {
    this.done++;
    this.options.onProgress?.(this.done, this.totalPasses, message);
  }

  /**
   * Builds the result from a raw map tensor `[H, W]` at the input's resolution: ReLU, a check that
   * every value is finite, min–max normalisation. Disposes `raw`.
   */
  protected async result(
    method: string,
    raw: tf.Tensor2D,
    extra: { layer?: string; sizesUsed: readonly number[]; sizesRejected: readonly number[]; accept?: AcceptPolicy; warnings?: readonly string[] },
  ): Promise<SaliencyResult> {
    const relu = tf.relu(raw);
    raw.dispose();
    const values = (await relu.data()) as Float32Array;
    relu.dispose();
    assertFiniteMap(values, extra.layer ? `${method} at layer ${extra.layer}` : method);
    return {
      method,
      map: normalizeMap(values),
      raw: values,
      width: this.width,
      height: this.height,
      ...(extra.layer ? { layer: extra.layer } : {}),
      target: this.targetInfo,
      predicted: this.predictedInfo,
      sizesUsed: extra.sizesUsed,
      sizesRejected: extra.sizesRejected,
      ...(extra.accept ? { accept: extra.accept } : {}),
      warnings: extra.warnings ?? [],
      ms: performance.now() - this.started,
    };
  }

  /** Releases the session's tensors. */
  dispose(): void {
    this.input.dispose();
  }
}
