import * as tf from '../core/tf.js';
import { camMethod, weightedSum } from './cam-base.js';

/** Keeps the weight finite for an all-zero channel (pytorch-grad-cam's 1e-7). */
const EPS = 1e-7;

/**
 * XGrad-CAM (Fu et al., BMVC 2020, Eq. 11): channel weights w_k = Σ_ij (A_k,ij / Σ_ab A_k,ab) G_k,ij,
 * the gradient averaged with the activation's own spatial distribution, map ReLU(Σ_k w_k A_k). One
 * pass at the model's native size (option `size`), upsampled bilinearly, normalised to [0, 1].
 */
export const xgradcam = camMethod('xgradcam', (a, g) => {
  const weights = tf.div(tf.mul(a, g).sum([1, 2], true), tf.add(a.sum([1, 2], true), EPS));
  return weightedSum(a, weights);
});
