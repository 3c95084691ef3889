import type * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import type { SaliencyResult } from './types.js';
import { withSession, type ExplainInput, type SessionOptions } from '../core/session.js';
import { AUTHORS_SIZES, scheduleSizes, type Schedule } from '../core/schedule.js';
import { fuseScales } from '../core/fuse.js';
import { acceptsSize, parseAcceptPolicy, rankOf, type AcceptPolicy } from '../core/accept.js';

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
   * Which sizes enter the map (default `prediction`, Algorithm 1 line 6: the prediction there equals
   * the base size's, whatever target was asked for). `target` also keeps sizes predicting the
   * explained class (the authors' code); `top:K` keeps sizes where the explained class is among the
   * K most probable; `all` keeps every size.
   */
  accept?: AcceptPolicy;
  /** `false` is `accept: 'all'` (kept for compatibility; `accept` wins when both are given). */
  checkPrediction?: boolean;
  /** Float32 values a channel block may hold at output resolution (memory bound; default 2^24). */
  blockBudget?: number;
}

/** A size left out of the map and the class the model predicted there. */
export interface RejectedSize {
  readonly size: number;
  readonly predicted: number;
  /** Rank of the explained class there (0 = the most probable). */
  readonly targetRank: number;
}

/** The policy in force: `accept`, else `all` when `checkPrediction` is false, else `prediction`. */
export function acceptPolicyOf(options: Pick<CamerasOptions, 'accept' | 'checkPrediction'>): AcceptPolicy {
  if (options.accept !== undefined) return parseAcceptPolicy(options.accept);
  return options.checkPrediction === false ? 'all' : 'prediction';
}

/**
 * The warning a CAMERAS map carries when it kept fewer than half of its sizes: how many it kept,
 * which it dropped and why, and what to try. It starts with `single-scale` when one size (or none)
 * was kept, because such a map has no more resolution than Grad-CAM at the base size.
 */
export function scaleWarnings(used: readonly number[], rejected: readonly RejectedSize[], accept: AcceptPolicy, labels?: readonly string[]): string[] {
  const total = used.length + rejected.length;
  if (total === 0 || used.length * 2 >= total) return [];
  const name = (i: number) => (labels?.[i] !== undefined ? `"${labels[i]}"` : `class ${i}`);
  const byPrediction = accept === 'prediction' || accept === 'target';
  const shown = rejected
    .slice(0, 4)
    .map((r) => (byPrediction ? `${r.size} → ${name(r.predicted)}` : `${r.size}: rank ${r.targetRank + 1}`))
    .join(', ');
  const more = rejected.length > 4 ? ', …' : '';
  const why = byPrediction ? `the prediction changed there (${shown}${more})` : `the explained class fell out of the top ${accept.slice(4)} there (${shown}${more})`;
  const head = used.length <= 1 ? `single-scale: CAMERAS kept ${used.length} of ${total} sizes` : `CAMERAS kept only ${used.length} of ${total} sizes`;
  const kept = used.length ? ` (${used.join(', ')})` : '';
  const tryNext = accept === 'prediction' ? 'try --accept top:5 (or target), or a smaller --max-size' : 'try a looser --accept (e.g. top:10) or a smaller --max-size';
  return [`${head}${kept}; dropped ${rejected.map((r) => r.size).join(', ')} because ${why}; ${tryNext}`];
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
  // A bad policy fails before any forward pass.
  const accept = acceptPolicyOf(options);
  return withSession(model, input, options, passes, async (s) => {
    const used: number[] = [];
    const rejected: RejectedSize[] = [];
    const acts: tf.Tensor4D[] = [];
    const grads: tf.Tensor4D[] = [];
    const kept = [];
    try {
      for (const size of sizes) {
        const p = await s.pass(size);
        if (acceptsSize(accept, p, s.predicted.index, s.target.index)) {
          used.push(size);
          acts.push(p.activation);
          grads.push(p.gradient);
          kept.push(p);
        } else {
          rejected.push({ size, predicted: p.predicted, targetRank: rankOf(p.logits, s.target.index) });
          s.release(p);
        }
      }
      const extra = { accept, warnings: scaleWarnings(used, rejected, accept, model.labels) };
      const sizesRejected = rejected.map((r) => r.size);
      if (used.length === 0) {
        // No size kept the prediction: a defined, all-zero map rather than NaN.
        const { zeros } = await import('../core/tf.js');
        return await s.finish('cameras', zeros([s.height, s.width]), used, sizesRejected, extra);
      }
      const raw = fuseScales(acts, grads, [s.height, s.width], options.blockBudget);
      return await s.finish('cameras', raw, used, sizesRejected, extra);
    } finally {
      for (const p of kept) s.release(p);
    }
  });
}
