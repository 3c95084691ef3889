import * as tf from './tf.js';
import type { ModelAdapter } from './types.js';
import type { ExplainInput, SaliencyResult } from './method.js';
import { BaseSession, type SessionOptions } from './base-session.js';
import { resizeBilinear } from './resize.js';

/**
 * The session of methods that need no layer κ (input gradients, perturbations, the centre
 * baseline): the base session plus the input resized to the base size, where the reference
 * prediction is made and the method works. The model is never split.
 */
export class InputSession extends BaseSession {
  /** Shape `[h, w]` of the base-size input (shorter side = base size, aspect kept unless `square`). */
  readonly baseShape: [number, number];
  /** Preprocessed input at the base size, `[1, h, w, 3]`: what the method explains. */
  readonly base: tf.Tensor4D;
  /** Logits at the base size. */
  logits!: Float32Array;

  private constructor(model: ModelAdapter, input: ExplainInput, options: SessionOptions, totalPasses: number) {
    super(model, input, options, totalPasses);
    this.baseShape = this.shapeAt(this.baseSize);
    try {
      this.base = this.resized(this.baseShape);
    } catch (e) {
      this.input.dispose();
      throw e;
    }
  }

  /** Runs the reference prediction and fixes the target; `totalPasses` is only for progress. */
  static async open(model: ModelAdapter, input: ExplainInput, options: SessionOptions, totalPasses: number): Promise<InputSession> {
    const s = new InputSession(model, input, options, totalPasses);
    try {
      const out = await model.predict(s.base);
      s.logits = (await out.data()) as Float32Array;
      out.dispose();
      s.setReference(s.logits, BaseSession.chooseTarget(options.target, model.labels)(s.logits));
      s.progress(`size ${s.baseSize} (reference)`);
      return s;
    } catch (e) {
      s.dispose();
      throw e;
    }
  }

  /**
   * Builds the result from a raw map `[h, w]` at any resolution (usually the base size): upsampled
   * bilinearly to the input's H×W, ReLU, normalised to [0, 1]. Disposes `raw`.
   */
  finish(method: string, raw: tf.Tensor2D, sizesUsed: readonly number[] = [this.baseSize]): Promise<SaliencyResult> {
    const full = tf.tidy(() => resizeBilinear(raw.expandDims(2) as tf.Tensor3D, [this.height, this.width]).reshape([this.height, this.width]) as tf.Tensor2D);
    raw.dispose();
    return this.result(method, full, { sizesUsed, sizesRejected: [] });
  }

  /** Releases the session's tensors. */
  override dispose(): void {
    super.dispose();
    this.base?.dispose();
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
