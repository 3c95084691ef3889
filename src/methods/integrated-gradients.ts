import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import type { SaliencyResult } from './types.js';
import type { ExplainInput, SessionOptions } from '../core/session.js';
import { withInputSession } from '../core/input-session.js';
import { inputGradient } from './input-gradient.js';
import { fillValue, positiveInt, type FillMode } from './perturbation.js';

/** Options of {@link integratedGradients}. */
export interface IntegratedGradientsOptions extends SessionOptions {
  /** Number of intervals m of the path (m + 1 gradient evaluations; default 32). */
  steps?: number;
  /** Baseline image x′ (default `black`: pixel value 0 through the model's preprocessing). */
  baseline?: FillMode;
  /** Points of the path per backward pass (default 8). */
  batchSize?: number;
  /**
   * Map = |Σ_c attribution| (default true); false keeps the signed sum, of which the final ReLU keeps
   * the positive evidence.
   */
  absolute?: boolean;
}

/**
 * Integrated Gradients attributions `[1, h, w, 3]` of `x` (preprocessed, `[1, h, w, 3]`) against
 * `baseline` (broadcastable to `x`): (x − x′) ⊙ ∫₀¹ ∂ logit[target]/∂x (x′ + α(x − x′)) dα, the
 * integral by the trapezoid rule over m equal intervals. Their sum approximates
 * logit(x) − logit(x′) (completeness).
 */
export function integratedGradientsAttribution(
  model: ModelAdapter,
  x: tf.Tensor4D,
  baseline: tf.Tensor4D,
  target: number,
  steps = 32,
  batchSize = 8,
  onBatch?: (done: number, total: number) => void,
): tf.Tensor4D {
  positiveInt('steps', steps);
  positiveInt('batchSize', batchSize);
  const delta = tf.sub(x, baseline) as tf.Tensor4D;
  let sum = tf.zerosLike(x) as tf.Tensor4D;
  try {
    for (let start = 0; start <= steps; start += batchSize) {
      const n = Math.min(batchSize, steps + 1 - start);
      const next = tf.tidy(() => {
        const k = Array.from({ length: n }, (_, i) => start + i);
        const alphas = tf.tensor4d(k.map((j) => j / steps), [n, 1, 1, 1]);
        const weights = tf.tensor4d(k.map((j) => (j === 0 || j === steps ? 0.5 : 1)), [n, 1, 1, 1]);
        const points = tf.add(baseline, tf.mul(alphas, delta)) as tf.Tensor4D;
        const g = inputGradient(model, points, target);
        return tf.add(sum, tf.mul(g, weights).sum(0, true)) as tf.Tensor4D;
      });
      sum.dispose();
      sum = next;
      onBatch?.(start + n, steps + 1);
    }
    return tf.tidy(() => tf.mul(delta, tf.div(sum, steps)) as tf.Tensor4D);
  } finally {
    tf.dispose([delta, sum]);
  }
}

/**
 * Integrated Gradients (Sundararajan, Taly & Yan, ICML 2017) at the model's native size, with a
 * black image (pixel value 0, through the model's preprocessing; option `baseline`) as x′, m = 32 trapezoid
 * intervals (33 gradients); the attribution is summed over colour channels and its absolute value
 * taken (option `absolute`), upsampled bilinearly to the image, normalised to [0, 1].
 */
export async function integratedGradients(model: ModelAdapter, input: ExplainInput, options: IntegratedGradientsOptions = {}): Promise<SaliencyResult> {
  const steps = positiveInt('steps', options.steps ?? 32);
  const batchSize = positiveInt('batchSize', options.batchSize ?? 8);
  return withInputSession(model, input, options, 1 + Math.ceil((steps + 1) / batchSize), async (s) => {
    const baseline = fillValue(model.preprocess, options.baseline ?? 'black');
    let attr: tf.Tensor4D;
    try {
      attr = integratedGradientsAttribution(model, s.base, baseline, s.target.index, steps, batchSize, (done, total) => s.progress(`${done}/${total} path points`));
    } finally {
      baseline.dispose();
    }
    const raw = tf.tidy(() => {
      const summed = attr.sum(3).reshape(s.baseShape) as tf.Tensor2D;
      return options.absolute === false ? summed : (tf.abs(summed) as tf.Tensor2D);
    });
    attr.dispose();
    return s.finish('integrated-gradients', raw);
  });
}
