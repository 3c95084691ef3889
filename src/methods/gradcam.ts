import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import type { SaliencyResult } from './types.js';
import { withSession, type ExplainInput, type SessionOptions } from '../core/session.js';
import { resizeBilinear } from '../core/resize.js';

/** Options of {@link gradcam}. */
export interface GradcamOptions extends SessionOptions {
  /** Input size (shorter side) of the single pass; default the model's native size. */
  size?: number;
}

/**
 * Grad-CAM (Selvaraju et al., ICCV 2017): one pass at the model's native size, channel weights =
 * spatial mean of the gradient, map = ReLU(Σ_k α_k A_k) at the layer's resolution, upsampled
 * bilinearly to the input's resolution and normalised to [0, 1].
 */
export async function gradcam(model: ModelAdapter, input: ExplainInput, options: GradcamOptions = {}): Promise<SaliencyResult> {
  const size = options.size ?? options.baseSize ?? model.inputSize;
  return withSession(model, input, { ...options, baseSize: options.baseSize ?? size }, 1, async (s) => {
    const p = await s.pass(size);
    const raw = tf.tidy(() => {
      const weights = p.gradient.mean([1, 2], true);
      const cam = tf.relu(tf.mul(p.activation, weights).sum(3, true)) as tf.Tensor4D;
      return resizeBilinear(cam, [s.height, s.width]).reshape([s.height, s.width]) as tf.Tensor2D;
    });
    s.release(p);
    return s.finish('gradcam', raw, [size]);
  });
}
