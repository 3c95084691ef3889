import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import type { SaliencyResult, TargetInfo } from './types.js';
import type { ExplainInput, SessionOptions } from '../core/session.js';
import { imageToTensor, normalizeInput } from '../core/preprocess.js';
import { resizeBilinear, resizeImage } from '../core/resize.js';
import { scaledShape } from '../core/schedule.js';
import { argmax, resolveTarget, softmax } from '../core/target.js';
import { assertFiniteMap, normalizeMap } from '../core/normalize.js';

function isTensor(x: ExplainInput): x is tf.Tensor4D {
  return x instanceof tf.Tensor;
}

/**
 * The counterpart of `ExplainSession` for methods that need no layer κ (input gradients,
 * perturbations, the centre baseline): preprocessing, the input resized to the base size, the
 * reference prediction there, the target class (resolved exactly as CAMERAS resolves it), and the
 * final upsampling, ReLU and normalisation. The model is never split.
 */
export class InputSession {
  /** Preprocessed input at full resolution, `[1, H, W, 3]`. */
  readonly input: tf.Tensor4D;
  readonly height: number;
  readonly width: number;
  readonly baseSize: number;
  /** Shape `[h, w]` of the base-size input (shorter side = base size, aspect kept unless `square`). */
  readonly baseShape: [number, number];
  /** Preprocessed input at the base size, `[1, h, w, 3]`: what the method explains. */
  readonly base: tf.Tensor4D;
  /** Logits at the base size. */
  logits!: Float32Array;
  private targetInfo!: TargetInfo;
  private predictedInfo!: TargetInfo;
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
    this.baseShape = scaledShape(this.height, this.width, this.baseSize, options.square);
    try {
      this.base = resizeImage(this.input, this.baseShape, options.inputResize ?? 'bilinear');
    } catch (e) {
      this.input.dispose();
      throw e;
    }
  }

  /** Runs the reference prediction and fixes the target; `totalPasses` is only for progress. */
  static async open(model: ModelAdapter, input: ExplainInput, options: SessionOptions, totalPasses: number): Promise<InputSession> {
    if (isTensor(input) && (input.rank !== 4 || input.shape[0] !== 1 || input.shape[3] !== 3)) {
      throw new Error(`input tensor must be [1, H, W, 3], got [${input.shape.join(', ')}]`);
    }
    const s = new InputSession(model, input, options, totalPasses);
    try {
      const out = await model.predict(s.base);
      s.logits = (await out.data()) as Float32Array;
      out.dispose();
      const predicted = argmax(s.logits);
      const target = resolveTarget(options.target, predicted, s.logits.length, model.labels);
      const p = softmax(s.logits);
      const info = (i: number): TargetInfo => ({ index: i, label: model.labels?.[i], probability: p[i], logit: s.logits[i] });
      s.predictedInfo = info(predicted);
      s.targetInfo = info(target);
      s.progress(`size ${s.baseSize} (reference)`);
      return s;
    } catch (e) {
      s.dispose();
      throw e;
    }
  }

  /** The class being explained. */
  get target(): TargetInfo {
    return this.targetInfo;
  }

  /** The class predicted at the base size. */
  get predicted(): TargetInfo {
    return this.predictedInfo;
  }

  /** Reports one unit of work (a forward pass or a batch) to `onProgress`. */
  progress(message: string): void {
    this.done++;
    this.options.onProgress?.(this.done, this.totalPasses, message);
  }

  /**
   * Builds the result from a raw map `[h, w]` at any resolution (usually the base size): upsampled
   * bilinearly to the input's H×W, ReLU, normalised to [0, 1]. Disposes `raw`.
   */
  async finish(method: string, raw: tf.Tensor2D, sizesUsed: readonly number[] = [this.baseSize]): Promise<SaliencyResult> {
    const full = tf.tidy(() => {
      const up = resizeBilinear(raw.expandDims(2) as tf.Tensor3D, [this.height, this.width]);
      return tf.relu(up).reshape([this.height, this.width]);
    });
    raw.dispose();
    const values = (await full.data()) as Float32Array;
    full.dispose();
    assertFiniteMap(values, method);
    return {
      method,
      map: normalizeMap(values),
      raw: values,
      width: this.width,
      height: this.height,
      target: this.targetInfo,
      predicted: this.predictedInfo,
      sizesUsed,
      sizesRejected: [],
      ms: performance.now() - this.started,
    };
  }

  /** Releases the session's tensors. */
  dispose(): void {
    tf.dispose([this.input, this.base]);
  }
}

/** Runs `body` in a fresh {@link InputSession} and always disposes it. */
export async function withInputSession<T>(
  model: ModelAdapter,
  input: ExplainInput,
  options: SessionOptions,
  totalPasses: number,
  body: (s: InputSession) => Promise<T>,
): Promise<T> {
  const s = await InputSession.open(model, input, options, totalPasses);
  try {
    return await body(s);
  } finally {
    s.dispose();
  }
}
