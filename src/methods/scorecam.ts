import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import type { SaliencyResult } from './types.js';
import { withSession, type ExplainInput } from '../core/session.js';
import { resizeBilinear, resizeImage } from '../core/resize.js';
import type { CamOptions } from './cam-base.js';
import { applyMasks, fillValue, positiveInt, targetProbabilities, type FillMode } from './perturbation.js';

/** Options of {@link scorecam}. */
export interface ScorecamOptions extends CamOptions {
  /** Use only the `topK` channels with the largest mean activation (default: all channels). */
  topK?: number;
  /** Masked inputs per forward pass (default 16). */
  batchSize?: number;
  /** What masked-out pixels become (default `zero`, the reference code's `input × mask`). */
  fill?: FillMode;
}

/**
 * Score-CAM (Wang et al., CVPR-W 2020): no gradients. Each channel A_k of κ's activation at the
 * model's native size is upsampled bilinearly to the input size, min–max normalised to [0, 1] and
 * used as a mask on the input; the channel's weight is the softmax probability of the target class
 * for the masked input. Map = ReLU(Σ_k w_k A_k) at the layer's resolution, upsampled bilinearly to
 * the image, normalised to [0, 1]. Channels whose activation is constant carry no mask and get
 * weight 0 (as the authors' code skips them). Defaults: every channel, 16 masked inputs per batch.
 */
export async function scorecam(model: ModelAdapter, input: ExplainInput, options: ScorecamOptions = {}): Promise<SaliencyResult> {
  const size = options.size ?? options.baseSize ?? model.inputSize;
  const batchSize = positiveInt('batchSize', options.batchSize ?? 16);
  if (options.topK !== undefined) positiveInt('topK', options.topK);
  return withSession(model, input, { ...options, baseSize: options.baseSize ?? size }, 1, async (s) => {
    const p = await s.pass(size);
    const shape = s.shapeAt(size);
    const x = resizeImage(s.input, shape, options.inputResize ?? 'bilinear');
    const fill = fillValue(model.preprocess, options.fill ?? 'zero');
    try {
      const a = p.activation;
      const C = a.shape[3];
      const [means, ranges] = await Promise.all(
        tf.tidy(() => [a.mean([0, 1, 2]), tf.sub(a.max([0, 1, 2]), a.min([0, 1, 2]))]).map(async (t) => {
          const v = (await t.data()) as Float32Array;
          t.dispose();
          return v;
        }),
      );
      let channels = Array.from({ length: C }, (_, k) => k).filter((k) => ranges[k] > 0);
      channels.sort((i, j) => means[j] - means[i]);
      if (options.topK !== undefined) channels = channels.slice(0, options.topK);
      const batches = Math.ceil(channels.length / batchSize);
      const scores = await targetProbabilities(
        model,
        channels.length,
        batchSize,
        s.target.index,
        (start, n) =>
          tf.tidy(() => {
            const picked = tf.gather(a, channels.slice(start, start + n), 3);
            const up = resizeBilinear(picked as tf.Tensor4D, shape);
            const lo = up.min([1, 2], true);
            const masks = tf.div(tf.sub(up, lo), tf.sub(up.max([1, 2], true), lo)).transpose([3, 1, 2, 0]) as tf.Tensor4D;
            return applyMasks(x, masks, fill);
          }),
        (done) => s.options.onProgress?.(1 + Math.ceil(done / batchSize), 1 + batches, `${done}/${channels.length} channels`),
      );
      const weights = new Float32Array(C);
      channels.forEach((k, i) => (weights[k] = scores[i]));
      const raw = tf.tidy(() => {
        const cam = tf.relu(tf.mul(a, tf.tensor1d(weights)).sum(3, true)) as tf.Tensor4D;
        return resizeBilinear(cam, [s.height, s.width]).reshape([s.height, s.width]) as tf.Tensor2D;
      });
      return await s.finish('scorecam', raw, [size]);
    } finally {
      tf.dispose([x, fill]);
      s.release(p);
    }
  });
}
