import type { SaliencyMethod } from '../core/method.js';
import { camMethod, weightedSum, type CamOptions } from './cam-base.js';

/** Options of {@link gradcam}: those of every single-pass CAM (an interface, as before, so it can be augmented). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GradcamOptions extends CamOptions {}

/**
 * Grad-CAM (Selvaraju et al., ICCV 2017): one pass at the model's native size (option `size`),
 * channel weights = spatial mean of the gradient, map = ReLU(Σ_k α_k A_k) at the layer's resolution,
 * upsampled bilinearly to the input's resolution and normalised to [0, 1].
 */
export const gradcam: SaliencyMethod<GradcamOptions> = camMethod('gradcam', (a, g) => weightedSum(a, g.mean([1, 2], true)));
