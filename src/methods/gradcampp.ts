import * as tf from '../core/tf.js';
import { camMethod, weightedSum } from './cam-base.js';

/** Keeps α finite where its denominator vanishes (pytorch-grad-cam's 1e-6). */
const EPS = 1e-6;

/**
 * Grad-CAM++ channel weights (Chattopadhyay et al., WACV 2018, Eq. 19 for an exponential output,
 * whose higher derivatives are powers of the first one, as pytorch-grad-cam uses for ReLU networks):
 * α_ij = g_ij² / (2 g_ij² + Σ_ab A_ab · g_ij³) (0 where g_ij = 0), w = Σ_ij α_ij · ReLU(g_ij).
 */
export function gradcamppWeights(activation: tf.Tensor4D, gradient: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const g2 = tf.square(gradient);
    const g3 = tf.mul(g2, gradient);
    const sumA = activation.sum([1, 2], true);
    const alpha = tf.div(g2, tf.add(tf.add(tf.mul(g2, 2), tf.mul(sumA, g3)), EPS));
    const safe = tf.where(tf.notEqual(gradient, 0), alpha, tf.zerosLike(alpha));
    return tf.mul(safe, tf.relu(gradient)).sum([1, 2], true) as tf.Tensor4D;
  });
}

/**
 * Grad-CAM++ (Chattopadhyay et al., WACV 2018): ReLU(Σ_k w_k A_k) with the weights of
 * {@link gradcamppWeights}; one pass at the model's native size (option `size`), upsampled
 * bilinearly to the input's size, normalised to [0, 1].
 */
export const gradcampp = camMethod('gradcampp', (a, g) => weightedSum(a, gradcamppWeights(a, g)));
