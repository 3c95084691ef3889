import * as tf from '../core/tf.js';
import { camMethod } from './cam-base.js';

/**
 * NormGrad (Rebuffi, Fong, Ji & Vedaldi, CVPR 2020, "There and back again"): the gradient of a
 * convolution's weights is a sum over positions u of outer products g_u x_uᵀ; NormGrad maps each
 * position to the Frobenius norm of its term. This is the paper's "virtual identity" variant: a
 * 1×1 identity convolution imagined after κ, so x_u = A(u) and g_u = G(u), and the map is
 * ‖A(u)‖₂ · ‖G(u)‖₂ (non-negative; no ReLU needed). The 3×3 variant (x_u = a patch), the
 * "scaling" variant and the combination of several layers are not implemented. One pass at the
 * model's native size (option `size`), upsampled bilinearly, normalised to [0, 1].
 */
export const normgrad = camMethod('normgrad', (a, g) =>
  tf.mul(tf.sqrt(tf.square(a).sum(3, true)), tf.sqrt(tf.square(g).sum(3, true))) as tf.Tensor4D,
);
