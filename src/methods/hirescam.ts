import { camMethod } from './cam-base.js';

/**
 * HiResCAM (Draelos & Carin 2020, "Use HiResCAM instead of Grad-CAM for faithful explanations"):
 * ReLU(Σ_k G_k ⊙ A_k), the element-wise product of gradient and activation summed over channels,
 * instead of Grad-CAM's spatially averaged gradient. One pass at the model's native size (option
 * `size`), upsampled bilinearly to the input's size, normalised to [0, 1].
 */
export const hirescam = camMethod('hirescam', (a, g) => a.mul(g).sum(3, true));
