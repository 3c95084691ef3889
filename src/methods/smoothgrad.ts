import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import type { SaliencyResult } from './types.js';
import type { ExplainInput, SessionOptions } from '../core/session.js';
import { withInputSession } from '../core/input-session.js';
import { inputGradient, maxAbsOverChannels } from './input-gradient.js';
import { positiveInt } from './perturbation.js';

/** Options of {@link smoothgrad}. */
export interface SmoothgradOptions extends SessionOptions {
  /** Number of noisy samples n (default 25). */
  samples?: number;
  /** Noise level: σ = noise × (max − min) of the preprocessed input (default 0.15). */
  noise?: number;
  /** Seed of the Gaussian noise, a non-negative integer (default 0): the same seed gives the same noise, whatever the batching. */
  seed?: number;
  /** Noisy inputs per backward pass (default 8). */
  batchSize?: number;
}

/**
 * SmoothGrad (Smilkov et al. 2017, Eq. 2): the vanilla-gradient map (max over channels of |g|)
 * averaged over n copies of the input with Gaussian noise N(0, σ²) added, at the model's native size;
 * upsampled bilinearly to the image and normalised to [0, 1]. Defaults: n = 25, σ = 0.15 × (max − min)
 * of the preprocessed input (the paper's 10–20 % noise level).
 */
export async function smoothgrad(model: ModelAdapter, input: ExplainInput, options: SmoothgradOptions = {}): Promise<SaliencyResult> {
  const samples = positiveInt('samples', options.samples ?? 25);
  const batchSize = positiveInt('batchSize', options.batchSize ?? 8);
  const noise = options.noise ?? 0.15;
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new Error(`noise must be a non-negative number, got ${noise}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seed}`);
  // TF.js treats seed 0 as "no seed" (random): offset so every sample has its own non-zero seed.
  const sampleSeed = (i: number) => seed * 65536 + i + 1;
  return withInputSession(model, input, options, 1 + Math.ceil(samples / batchSize), async (s) => {
    const range = tf.tidy(() => tf.sub(s.base.max(), s.base.min()));
    const sigma = noise * (await range.data())[0];
    range.dispose();
    let sum = tf.zeros(s.baseShape) as tf.Tensor2D;
    for (let start = 0; start < samples; start += batchSize) {
      const n = Math.min(batchSize, samples - start);
      const next = tf.tidy(() => {
        const noisy = tf.concat(
          Array.from({ length: n }, (_, i) => tf.add(s.base, tf.randomNormal(s.base.shape, 0, sigma, 'float32', sampleSeed(start + i)))),
        ) as tf.Tensor4D;
        return tf.add(sum, maxAbsOverChannels(inputGradient(model, noisy, s.target.index)).sum(0)) as tf.Tensor2D;
      });
      sum.dispose();
      sum = next;
      s.progress(`${start + n}/${samples} samples`);
    }
    const raw = tf.tidy(() => tf.div(sum, samples) as tf.Tensor2D);
    sum.dispose();
    return s.finish('smoothgrad', raw);
  });
}
