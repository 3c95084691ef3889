import type * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import type { SaliencyResult } from './types.js';
import { withSession, type ExplainInput, type SessionOptions } from '../core/session.js';
import { AUTHORS_SIZES, scheduleSizes, type Schedule } from '../core/schedule.js';
import { fuseScales } from '../core/fuse.js';

/** Options of {@link cameras}. */
export interface CamerasOptions extends SessionOptions {
  /**
   * Sizes (shorter side, px) or `{ maxSize, steps }`. Default: the authors' list 224, 324, …, 924
   * (shifted to start at the model's native size when it is not 224).
   */
  schedule?: Schedule;
  /** Shorthand for `schedule: { sizes }`. */
  sizes?: readonly number[];
  /**
   * Algorithm 1, line 6: use a size only when the model's prediction there equals its prediction at
   * the base size, whatever target was asked for (default true).
   */
  checkPrediction?: boolean;
  /** Float32 values a channel block may hold at output resolution (memory bound; default 2^24). */
  blockBudget?: number;
}

/** Sizes CAMERAS will run for these options and model. */
export function camerasSizes(model: ModelAdapter, options: CamerasOptions = {}): number[] {
  const schedule: Schedule = options.sizes
    ? { sizes: options.sizes }
    : options.schedule ?? { sizes: AUTHORS_SIZES.map((s) => s - 224 + (options.baseSize ?? model.inputSize)) };
  return scheduleSizes(schedule, options.baseSize ?? model.inputSize);
}

/**
 * CAMERAS (Jalwana et al., CVPR 2021, Algorithm 1): runs the model at several input sizes, keeps κ's
 * activations and the target logit's gradient at each size whose prediction matches the base size's,
 * averages both (upsampled bilinearly to the input's resolution) over those sizes, and returns
 * ReLU(Σ_k W̄_k ⊙ Ā_k), normalised to [0, 1].
 */
export async function cameras(model: ModelAdapter, input: ExplainInput | tf.Tensor4D, options: CamerasOptions = {}): Promise<SaliencyResult> {
  const sizes = camerasSizes(model, options);
  const base = options.baseSize ?? model.inputSize;
  const passes = sizes.length + (sizes.includes(base) ? 0 : 1);
  return withSession(model, input, options, passes, async (s) => {
    const used: number[] = [];
    const rejected: number[] = [];
    const acts: tf.Tensor4D[] = [];
    const grads: tf.Tensor4D[] = [];
    const kept = [];
    try {
      for (const size of sizes) {
        const p = await s.pass(size);
        if (options.checkPrediction === false || p.predicted === s.predicted.index) {
          used.push(size);
          acts.push(p.activation);
          grads.push(p.gradient);
          kept.push(p);
        } else {
          rejected.push(size);
          s.release(p);
        }
      }
      if (used.length === 0) {
        // No size kept the prediction: a defined, all-zero map rather than NaN.
        const { zeros } = await import('../core/tf.js');
        return await s.finish('cameras', zeros([s.height, s.width]), used, rejected);
      }
      const raw = fuseScales(acts, grads, [s.height, s.width], options.blockBudget);
      return await s.finish('cameras', raw, used, rejected);
    } finally {
      for (const p of kept) s.release(p);
    }
  });
}
