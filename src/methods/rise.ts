import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import type { SaliencyResult } from './types.js';
import type { ExplainInput, SessionOptions } from '../core/session.js';
import { createRng, type Rng } from '../scenes/rng.js';
import { withInputSession } from '../core/input-session.js';
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

/** Source taps of a half-pixel bilinear resize from `inSize` to `outSize` at output index `o` (PyTorch rule). */
function tap(o: number, inSize: number, outSize: number): [number, number, number] {
  const src = Math.max(0, ((o + 0.5) * inSize) / outSize - 0.5);
  const i0 = Math.min(Math.floor(src), inSize - 1);
  return [i0, Math.min(i0 + 1, inSize - 1), src - i0];
}

/**
 * `n` RISE masks `[n, h, w, 1]`: binary s×s grids (cell kept with probability p), upsampled
 * bilinearly (half-pixel centres) to (s + 1)·⌈h/s⌉ × (s + 1)·⌈w/s⌉, cropped to h×w at a random shift
 * in [0, ⌈h/s⌉) × [0, ⌈w/s⌉). For each mask the generator gives s² cell draws, then the row and
 * column shifts, so the stream does not depend on batching. Computed in plain JS, only at the
 * cropped pixels: several times faster than upsampling whole grids with tensor ops.
 */
export function riseMasks(rng: Rng, n: number, h: number, w: number, cells: number, p: number): tf.Tensor4D {
  const ch = Math.ceil(h / cells);
  const cw = Math.ceil(w / cells);
  const upH = (cells + 1) * ch;
  const upW = (cells + 1) * cw;
  const out = new Float32Array(n * h * w);
  const grid = new Float32Array(cells * cells);
  const rows = Array.from({ length: upH }, (_, y) => tap(y, cells, upH));
  const cols = Array.from({ length: upW }, (_, x) => tap(x, cells, upW));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < grid.length; j++) grid[j] = rng.next() < p ? 1 : 0;
    const dy = rng.int(ch);
    const dx = rng.int(cw);
    for (let y = 0; y < h; y++) {
      const [y0, y1, fy] = rows[y + dy];
      const base = (i * h + y) * w;
      for (let x = 0; x < w; x++) {
        const [x0, x1, fx] = cols[x + dx];
        const top = grid[y0 * cells + x0] * (1 - fx) + grid[y0 * cells + x1] * fx;
        const bottom = grid[y1 * cells + x0] * (1 - fx) + grid[y1 * cells + x1] * fx;
        out[base + x] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return tf.tensor4d(out, [n, h, w, 1]);
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
