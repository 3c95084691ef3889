import type { ModelAdapter } from '../core/types.js';
import type { SaliencyResult } from './types.js';
import type { ExplainInput, SessionOptions } from '../core/session.js';
import { withInputSession } from '../core/input-session.js';
import { inputGradient, maxAbsOverChannels } from './input-gradient.js';
import * as tf from '../core/tf.js';

/**
 * Vanilla gradient (Simonyan, Vedaldi & Zisserman, ICLR-W 2014): |∂ logit[target] / ∂ x|, the
 * maximum over colour channels, with x the preprocessed input at the model's native size; upsampled
 * bilinearly to the image and normalised to [0, 1].
 */
export async function gradient(model: ModelAdapter, input: ExplainInput, options: SessionOptions = {}): Promise<SaliencyResult> {
  return withInputSession(model, input, options, 2, async (s) => {
    const raw = tf.tidy(() => {
      const g = inputGradient(model, s.base, s.target.index);
      return maxAbsOverChannels(g).reshape(s.baseShape) as tf.Tensor2D;
    });
    s.progress('gradient');
    return s.finish('gradient', raw);
  });
}
