import * as tf from '../core/tf.js';
import { camMethod } from './cam-base.js';

/**
 * Layer-CAM (Jiang et al., IEEE TIP 2021): ReLU(Σ_k ReLU(G_k) ⊙ A_k), each position weighted by its
 * own positive gradient. One pass at the model's native size (option `size`), upsampled bilinearly to
 * the input's size, normalised to [0, 1]. The paper's tanh rescaling for fusing shallow layers is
 * not applied (single layer κ, as pytorch-grad-cam).
 */
export const layercam = camMethod('layercam', (a, g) => tf.relu(g).mul(a).sum(3, true));
