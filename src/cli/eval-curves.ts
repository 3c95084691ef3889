/**
 * Insertion and deletion curves (RISE protocol, as `src/metrics/insertion-deletion.ts` defines
 * them: same order, substrates, steps and trapezoid AUC) with the intermediate images scored in
 * batches, since one forward pass per point dominates the cost. Memory stays bounded: at most
 * `batchSize` intermediate images exist at a time.
 */
import type { RgbImage } from '../core/types.js';
import { gaussianBlur, RISE_BLUR } from '../metrics/blur.js';
import { saliencyOrder, trapezoidAuc } from '../metrics/insertion-deletion.js';
import { toFloatRgb } from '../metrics/pixels.js';

/** Scores a batch of same-size images (pixel space) with one probability each. */
export type BatchProbabilityFn = (images: RgbImage[]) => Promise<number[]>;

/** Options of {@link batchedInsertionDeletion}. */
export interface BatchedCurveOptions {
  /** Pixels per step (default 224, RISE's). Ignored when `steps` is given. */
  pixelsPerStep?: number;
  /** Number of steps instead (ceil(h·w / steps) pixels each). */
  steps?: number;
  /** Images per forward pass (default 16). */
  batchSize?: number;
}

/** AUC and the curve's probabilities. */
export interface BatchedCurve {
  readonly auc: number;
  readonly scores: number[];
}

function stepOf(n: number, o: BatchedCurveOptions): number {
  if (o.steps !== undefined) {
    if (!Number.isInteger(o.steps) || o.steps < 1) throw new RangeError(`steps must be a positive integer, got ${o.steps}`);
    return Math.ceil(n / o.steps);
  }
  const s = o.pixelsPerStep ?? 224;
  if (!Number.isInteger(s) || s < 1) throw new RangeError(`pixelsPerStep must be a positive integer, got ${s}`);
  return s;
}

async function curve(
  start: Float32Array,
  finish: Float32Array,
  width: number,
  height: number,
  order: Uint32Array,
  step: number,
  score: BatchProbabilityFn,
  batchSize: number,
): Promise<BatchedCurve> {
  const n = width * height;
  const total = Math.ceil(n / step) + 1;
  const current = Float32Array.from(start);
  const scores: number[] = [];
  const fractions: number[] = [];
  let changed = 0;
  for (let first = 0; first < total; first += batchSize) {
    const batch: RgbImage[] = [];
    for (let i = first; i < Math.min(total, first + batchSize); i++) {
      const upto = Math.min(n, i * step);
      for (; changed < upto; changed++) {
        const p = 3 * order[changed]!;
        current[p] = finish[p]!;
        current[p + 1] = finish[p + 1]!;
        current[p + 2] = finish[p + 2]!;
      }
      batch.push({ width, height, channels: 3, data: Float32Array.from(current) });
      fractions.push(upto / n);
    }
    const got = await score(batch);
    if (got.length !== batch.length) throw new Error(`batch scorer returned ${got.length} values for ${batch.length} images`);
    for (const p of got) {
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`probability ${p} outside [0, 1]`);
      scores.push(p);
    }
  }
  return { auc: trapezoidAuc(fractions, scores), scores };
}

/**
 * Both curves of one map on one image (map at the image's size; any real values, only their
 * order matters): deletion from the image towards black, insertion from the RISE-blurred copy
 * back to the image, pixels taken by decreasing saliency (ties in row-major order).
 */
export async function batchedInsertionDeletion(
  image: RgbImage,
  map: ArrayLike<number>,
  score: BatchProbabilityFn,
  options: BatchedCurveOptions = {},
): Promise<{ insertion: BatchedCurve; deletion: BatchedCurve }> {
  const src = toFloatRgb(image);
  const n = src.width * src.height;
  if (map.length !== n) throw new RangeError(`insertion/deletion: map has ${map.length} values, image is ${src.width}×${src.height}`);
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const step = stepOf(n, options);
  const order = saliencyOrder(map);
  const blurred = gaussianBlur(src, RISE_BLUR.sigma, RISE_BLUR.radius).data as Float32Array;
  const insertion = await curve(blurred, src.data, src.width, src.height, order, step, score, batchSize);
  const deletion = await curve(src.data, new Float32Array(src.data.length), src.width, src.height, order, step, score, batchSize);
  return { insertion, deletion };
}
