/**
 * Deletion and insertion curves and their areas (Petsiuk, Das, Saenko, "RISE: Randomized input
 * sampling for explanation of black-box models", BMVC 2018):
 * - deletion: starting from the image, pixels are replaced by zeros (black) from the most to the
 *   least salient; a good map makes the probability fall fast (low AUC is better);
 * - insertion: starting from a blurred copy, the original pixels are put back from the most to the
 *   least salient; a good map makes the probability rise fast (high AUC is better).
 * After i steps the first min(i·step, h·w) pixels of the order are changed; the curve has one point
 * per step including both ends; the AUC is the trapezoid rule over x = fraction of pixels changed
 * (equal to RISE's uniform spacing whenever the step divides h·w, e.g. 224 px on 224×224).
 * Ties in the map are broken by row-major position (stable order), so results are reproducible.
 */
import type { RgbImage } from '../core/types.js';
import { gaussianBlur, RISE_BLUR } from './blur.js';
import type { ProbabilityFn } from './pixels.js';
import { checkMapSize, scoreProbability, toFloatRgb } from './pixels.js';

/** Options of the insertion and deletion curves. */
export interface CurveOptions {
  /** Pixels changed per step (default 224, RISE's). Ignored when `steps` is given. */
  pixelsPerStep?: number;
  /** Number of steps instead (pixels per step = ceil(h·w / steps)). */
  steps?: number;
  /** Insertion substrate blur σ in pixels (default 5) and kernel radius (default 5). */
  blurSigma?: number;
  blurRadius?: number;
  /** Called after each evaluated point, for progress bars. */
  onStep?: (done: number, total: number) => void;
}

/** Scores a batch of same-size images (pixel space), one probability each. */
export type BatchProbabilityFn = (images: RgbImage[]) => Promise<number[]>;

/** Options of {@link batchedInsertionDeletion}. */
export interface BatchedCurveOptions extends CurveOptions {
  /** Intermediate images per call of the scorer (default 16); at most this many exist at once. */
  batchSize?: number;
}

/** One curve and its area. */
export interface CurveResult {
  /** Area under the curve, trapezoid rule over x in [0, 1]. */
  readonly auc: number;
  /** Probabilities at each point, first = nothing changed. */
  readonly scores: number[];
  /** Fraction of pixels changed at each point (0 … 1). */
  readonly fractions: number[];
}

/**
 * Pixel indices sorted by decreasing saliency; equal values keep row-major order. NaN counts as
 * least salient.
 */
export function saliencyOrder(map: ArrayLike<number>): Uint32Array {
  const idx = Array.from({ length: map.length }, (_, i) => i);
  const v = (i: number) => (Number.isNaN(map[i]!) ? -Infinity : map[i]!);
  idx.sort((a, b) => v(b) - v(a) || a - b);
  return Uint32Array.from(idx);
}

/**
 * What the curves of `map` depend on: the set of pixels each step changes, each step's indices
 * sorted. Two maps of one image with equal keys (under the same step options) have identical
 * insertion and deletion curves, however differently they order pixels within a step; maps that
 * differ only by rounding (HiResCAM or XGrad-CAM next to Grad-CAM on a model ending in global
 * average pooling) often do, and can share one computation.
 */
export function curveKey(map: ArrayLike<number>, options: CurveOptions = {}): Uint32Array {
  const order = saliencyOrder(map);
  return stepSets(order, stepSize(order.length, options));
}

/** `order` cut into steps of `step` pixels, each step's indices sorted (a copy). */
function stepSets(order: Uint32Array, step: number): Uint32Array {
  const key = Uint32Array.from(order);
  for (let first = 0; first < key.length; first += step) key.subarray(first, Math.min(key.length, first + step)).sort();
  return key;
}

function sameValues(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Trapezoid area under `ys` over `xs` (both the same length, xs increasing). */
export function trapezoidAuc(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length || xs.length < 2) throw new RangeError('trapezoidAuc: need two or more matching points');
  let a = 0;
  for (let i = 1; i < xs.length; i++) a += ((xs[i]! - xs[i - 1]!) * (ys[i]! + ys[i - 1]!)) / 2;
  return a;
}

function stepSize(n: number, options: CurveOptions): number {
  if (options.steps !== undefined) {
    if (!Number.isInteger(options.steps) || options.steps < 1) throw new RangeError(`steps must be a positive integer, got ${options.steps}`);
    return Math.ceil(n / options.steps);
  }
  const s = options.pixelsPerStep ?? 224;
  if (!Number.isInteger(s) || s < 1) throw new RangeError(`pixelsPerStep must be a positive integer, got ${s}`);
  return s;
}

/**
 * Walk the saliency order from `start`, copying pixels of `finish` over it step by step, and score
 * the intermediate images `batchSize` at a time.
 */
async function curve(
  start: Float32Array,
  finish: Float32Array,
  width: number,
  height: number,
  order: Uint32Array,
  score: BatchProbabilityFn,
  options: BatchedCurveOptions,
): Promise<CurveResult> {
  const n = width * height;
  const step = stepSize(n, options);
  const batchSize = options.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
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
      // Each image gets its own copy: the scorer may keep or transfer the buffer.
      batch.push({ width, height, channels: 3, data: Float32Array.from(current) });
      fractions.push(upto / n);
    }
    const got = await score(batch);
    if (got.length !== batch.length) throw new Error(`batch scorer returned ${got.length} values for ${batch.length} images`);
    for (const p of got) {
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`probability ${p} outside [0, 1]`);
      scores.push(p);
      options.onStep?.(scores.length, total);
    }
  }
  return { auc: trapezoidAuc(fractions, scores), scores, fractions };
}

/** A one-image probability callback as a batch scorer, one call per image in order. */
function oneByOne(probability: ProbabilityFn): BatchProbabilityFn {
  return async (images) => {
    const out: number[] = [];
    for (const im of images) out.push(await scoreProbability(probability, im));
    return out;
  };
}

/** Deletion curve: pixels set to zero from the most salient. Lower AUC is better. */
export async function deletionCurve(image: RgbImage, map: ArrayLike<number>, probability: ProbabilityFn, options: CurveOptions = {}): Promise<CurveResult> {
  const src = toFloatRgb(image);
  checkMapSize(map, src.width, src.height, 'deletionCurve');
  return curve(src.data, new Float32Array(src.data.length), src.width, src.height, saliencyOrder(map), oneByOne(probability), options);
}

/** Insertion curve: original pixels put back onto a blurred copy from the most salient. Higher AUC is better. */
export async function insertionCurve(image: RgbImage, map: ArrayLike<number>, probability: ProbabilityFn, options: CurveOptions = {}): Promise<CurveResult> {
  const src = toFloatRgb(image);
  checkMapSize(map, src.width, src.height, 'insertionCurve');
  const blurred = gaussianBlur(src, options.blurSigma ?? RISE_BLUR.sigma, options.blurRadius ?? RISE_BLUR.radius);
  return curve(blurred.data as Float32Array, src.data, src.width, src.height, saliencyOrder(map), oneByOne(probability), options);
}

/** Both curves of one map. */
export async function insertionDeletion(
  image: RgbImage,
  map: ArrayLike<number>,
  probability: ProbabilityFn,
  options: CurveOptions = {},
): Promise<{ insertion: CurveResult; deletion: CurveResult }> {
  const insertion = await insertionCurve(image, map, probability, options);
  const deletion = await deletionCurve(image, map, probability, options);
  return { insertion, deletion };
}

/**
 * Both curves with the intermediate images scored in batches (one forward pass per point dominates
 * the cost, and models score a batch faster than its images one by one). Same order, substrates,
 * steps and AUC as {@link insertionDeletion}.
 */
export async function batchedInsertionDeletion(
  image: RgbImage,
  map: ArrayLike<number>,
  score: BatchProbabilityFn,
  options: BatchedCurveOptions = {},
): Promise<{ insertion: CurveResult; deletion: CurveResult }> {
  return insertionDeletionOfMaps(image, score, options)(map);
}

/**
 * {@link batchedInsertionDeletion} for several maps of one image scored alike (one class): the
 * substrates are made once, and maps whose steps change the same pixels ({@link curveKey}) share
 * one computation of their curves, which are identical (HiResCAM's and XGrad-CAM's maps equal
 * Grad-CAM's up to rounding on models that end in global average pooling).
 */
export function insertionDeletionOfMaps(
  image: RgbImage,
  score: BatchProbabilityFn,
  options: BatchedCurveOptions = {},
): (map: ArrayLike<number>) => Promise<{ insertion: CurveResult; deletion: CurveResult }> {
  const src = toFloatRgb(image);
  const o = { batchSize: 16, ...options };
  const step = stepSize(src.width * src.height, o);
  let blurred: Float32Array | undefined;
  const done: { key: Uint32Array; result: { insertion: CurveResult; deletion: CurveResult } }[] = [];
  return async (map) => {
    checkMapSize(map, src.width, src.height, 'insertion/deletion');
    const order = saliencyOrder(map);
    const key = stepSets(order, step);
    const shared = done.find((d) => sameValues(d.key, key));
    if (shared) return shared.result;
    blurred ??= gaussianBlur(src, o.blurSigma ?? RISE_BLUR.sigma, o.blurRadius ?? RISE_BLUR.radius).data as Float32Array;
    const insertion = await curve(blurred, src.data, src.width, src.height, order, score, o);
    const deletion = await curve(src.data, new Float32Array(src.data.length), src.width, src.height, order, score, o);
    const result = { insertion, deletion };
    done.push({ key, result });
    return result;
  };
}
