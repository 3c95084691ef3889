import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';

/**
 * ∂ logit[target] / ∂ x for each input of a batch `[B, h, w, 3]` (preprocessed), through
 * `model.predictDifferentiable` (input gradients only: no weight gradient is ever computed).
 * Inputs go through the model one at a time: the input-gradient-only strided convolutions of
 * `core/ops` take batches of one in their backward pass, so a batch only saves tensor bookkeeping.
 */
export function inputGradient(model: ModelAdapter, x: tf.Tensor4D, target: number): tf.Tensor4D {
  if (x.shape[0] === 1) return singleGradient(model, x, target);
  return tf.tidy(() => tf.concat(tf.split(x, x.shape[0]).map((xi) => singleGradient(model, xi as tf.Tensor4D, target))) as tf.Tensor4D);
}

function singleGradient(model: ModelAdapter, x: tf.Tensor4D, target: number): tf.Tensor4D {
  return tf.tidy(() =>
    tf.grad((xi: tf.Tensor) => {
      const logits = model.predictDifferentiable(xi as tf.Tensor4D);
      if (target < 0 || target >= logits.shape[1]) throw new Error(`class ${target} is out of range: the model has ${logits.shape[1]} classes`);
      return logits.slice([0, target], [logits.shape[0], 1]).sum();
    })(x),
  ) as tf.Tensor4D;
}

/** Simonyan et al.'s reduction of an input gradient `[B, h, w, 3]` to a map `[B, h, w]`: max over channels of |g|. */
export function maxAbsOverChannels(g: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => tf.abs(g).max(3) as tf.Tensor3D);
}
