import * as tf from '../core/tf.js';
import type { SaliencyMethod } from '../core/method.js';
import { withSession, type SessionOptions } from '../core/session.js';
import { resizeBilinear } from '../core/resize.js';

/** Options of the single-pass CAM methods built on {@link camMethod}. */
export interface CamOptions extends SessionOptions {
  /** Input size (shorter side) of the single pass; default the model's native size. */
  size?: number;
}

/**
 * Turns κ's activation `A` and the target logit's gradient `G` (both NHWC `[1, h, w, C]`) into a
 * map `[1, h, w, 1]` before ReLU. Runs inside `tf.tidy`.
 */
export type CamCombine = (activation: tf.Tensor4D, gradient: tf.Tensor4D) => tf.Tensor4D;

/** `Σ_k w_k A_k` for channel weights `w` `[1, 1, 1, C]`. */
export function weightedSum(activation: tf.Tensor4D, weights: tf.Tensor): tf.Tensor4D {
  return tf.mul(activation, weights).sum(3, true) as tf.Tensor4D;
}

/**
 * The skeleton every gradient-weighted CAM shares (pytorch-grad-cam's `BaseCAM`): one pass at the
 * model's native size, a method-specific combination of A and G, ReLU at the layer's resolution,
 * bilinear upsampling to the input's H×W, normalisation to [0, 1].
 */
export function camMethod(name: string, combine: CamCombine): SaliencyMethod<CamOptions> {
  return async (model, input, options = {}) => {
    const size = options.size ?? options.baseSize ?? model.inputSize;
    return withSession(model, input, { ...options, baseSize: options.baseSize ?? size }, 1, async (s) => {
      const p = await s.pass(size);
      try {
        const raw = tf.tidy(() => {
          const cam = tf.relu(combine(p.activation, p.gradient)) as tf.Tensor4D;
          return resizeBilinear(cam, [s.height, s.width]).reshape([s.height, s.width]) as tf.Tensor2D;
        });
        return await s.finish(name, raw, [size]);
      } finally {
        s.release(p);
      }
    });
  };
}
