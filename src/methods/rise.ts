import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import type { SaliencyResult } from './types.js';
import type { ExplainInput, SessionOptions } from '../core/session.js';
import { resizeBilinear } from '../core/resize.js';
import { createRng, type Rng } from '../scenes/rng.js';
import { withInputSession } from './input-session.js';
import { applyMasks, fillValue, positiveInt, targetProbabilities, type FillMode } from './perturbation.js';

/** Options of {@link rise}. */
export interface RiseOptions extends SessionOptions {
  /** Number of random masks N (default 2000, the paper's for ResNet-50 … use fewer for speed). */
  n?: number;
  /** Grid cells per side s (default 7). */
  cells?: number;
  /** Probability p that a cell is kept (default 0.5). */
  p?: number;
  /** Seed of the mask generator (default 0): the same seed gives the same masks. */
  seed?: number;
  /** Masked inputs per forward pass (default 16). */
  batchSize?: number;
  /** What masked-out pixels become (default `zero`, the reference code's `input × mask`). */
  fill?: FillMode;
}

/**
 * `n` RISE masks `[n, h, w, 1]`: binary s×s grids (cell kept with probability p), upsampled
 * bilinearly to (s + 1)·⌈h/s⌉ × (s + 1)·⌈w/s⌉, cropped to h×w at a random shift in
 * [0, ⌈h/s⌉) × [0, ⌈w/s⌉). Draws from `rng` mask by mask, so the stream does not depend on batching.
 */
export function riseMasks(rng: Rng, n: number, h: number, w: number, cells: number, p: number): tf.Tensor4D {
  const ch = Math.ceil(h / cells);
  const cw = Math.ceil(w / cells);
  const grid = new Float32Array(n * cells * cells);
  const shifts: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cells * cells; j++) grid[i * cells * cells + j] = rng.next() < p ? 1 : 0;
    shifts.push([rng.int(ch), rng.int(cw)]);
  }
  return tf.tidy(() => {
    const up = resizeBilinear(tf.tensor4d(grid, [n, cells, cells, 1]), [(cells + 1) * ch, (cells + 1) * cw]);
    return tf.concat(shifts.map(([dy, dx], i) => up.slice([i, dy, dx, 0], [1, h, w, 1]))) as tf.Tensor4D;
  });
}

/**
 * RISE (Petsiuk, Das & Saenko, BMVC 2018): the input at the model's native size is multiplied by N
 * random smooth masks ({@link riseMasks}); the map is the masks averaged with the target's softmax
 * probability as weights, Σ_i P(x ⊙ M_i) M_i / (N·p), upsampled bilinearly to the image and
 * normalised to [0, 1]. Defaults: N = 2000, s = 7, p = 0.5, seed 0, 16 masks per forward pass,
 * masked pixels set to 0 in the model's input space.
 */
export async function rise(model: ModelAdapter, input: ExplainInput, options: RiseOptions = {}): Promise<SaliencyResult> {
  const n = positiveInt('n', options.n ?? 2000);
  const cells = positiveInt('cells', options.cells ?? 7);
  const batchSize = positiveInt('batchSize', options.batchSize ?? 16);
  const p = options.p ?? 0.5;
  if (!(p > 0 && p <= 1)) throw new Error(`p must be in (0, 1], got ${p}`);
  const batches = Math.ceil(n / batchSize);
  return withInputSession(model, input, options, 1 + batches, async (s) => {
    const [h, w] = s.baseShape;
    const rng = createRng(options.seed ?? 0);
    const fill = fillValue(model.preprocess, options.fill ?? 'zero');
    let sum = tf.zeros([1, h * w]) as tf.Tensor2D;
    try {
      for (let start = 0; start < n; start += batchSize) {
        const m = Math.min(batchSize, n - start);
        const masks = riseMasks(rng, m, h, w, cells, p);
        try {
          const scores = await targetProbabilities(model, m, m, s.target.index, () => applyMasks(s.base, masks, fill));
          const next = tf.tidy(() => tf.add(sum, tf.matMul(tf.tensor2d(scores, [1, m]), masks.reshape([m, h * w]))) as tf.Tensor2D);
          sum.dispose();
          sum = next;
        } finally {
          masks.dispose();
        }
        s.progress(`${start + m}/${n} masks`);
      }
      const raw = tf.tidy(() => tf.div(sum, n * p).reshape([h, w]) as tf.Tensor2D);
      return await s.finish('rise', raw);
    } finally {
      tf.dispose([sum, fill]);
    }
  });
}
