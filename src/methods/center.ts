import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import type { SaliencyResult } from './types.js';
import type { ExplainInput, SessionOptions } from '../core/session.js';
import { withInputSession } from '../core/input-session.js';

/** Options of {@link center}. */
export interface CenterOptions extends SessionOptions {
  /** Standard deviation as a fraction of the image's shorter side (default 0.25). */
  sigma?: number;
}

/**
 * The centre baseline (the trivial "center" row of the paper's Table 1, from the pointing-game
 * benchmark of Zhang et al. 2016): an isotropic Gaussian centred on the image, independent of the
 * model and the class, σ = 0.25 × the shorter side by default. Its maximum is the image's centre
 * pixel ((H − 1)/2, (W − 1)/2; for even sizes the four central pixels tie). The model still runs
 * once so the result reports the target and prediction like every other method.
 */
export async function center(model: ModelAdapter, input: ExplainInput, options: CenterOptions = {}): Promise<SaliencyResult> {
  const sigma = options.sigma ?? 0.25;
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`sigma must be a positive number, got ${sigma}`);
  return withInputSession(model, input, options, 1, async (s) => {
    const { height: H, width: W } = s;
    const sd = sigma * Math.min(H, W);
    const map = new Float32Array(H * W);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const dy = y - (H - 1) / 2;
        const dx = x - (W - 1) / 2;
        map[y * W + x] = Math.exp(-(dy * dy + dx * dx) / (2 * sd * sd));
      }
    return s.finish('center', tf.tensor2d(map, [H, W]), []);
  });
}
