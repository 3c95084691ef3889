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
 * Scores of the two images every curve of one image passes through whatever its map (the
 * unchanged `start` and the all-changed `finish`), each computed on first use and then shared.
 */
interface EndScores {
  start(): Promise<number>;
  finish(): Promise<number>;
}

/** Probability of one image, scored once by `score` when first asked for. */
function scoredOnce(image: () => RgbImage, score: BatchProbabilityFn): () => Promise<number> {
  let p: Promise<number> | undefined;
  return () =>
    (p ??= score([image()]).then((got) => {
      if (got.length !== 1) throw new Error(`batch scorer returned ${got.length} values for 1 image`);
      return got[0]!;
    }));
}

function checkedProbability(p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`probability ${p} outside [0, 1]`);
  return p;
}

/**
 * Walk the saliency order from `start`, copying pixels of `finish` over it step by step, and score
 * the intermediate images `batchSize` at a time. With `ends`, the first and last points (the
 * unchanged and the fully changed image) come from there instead of the scorer.
 */
async function curve(
  start: Float32Array,
  finish: Float32Array,
  width: number,
  height: number,
  order: Uint32Array,
  score: BatchProbabilityFn,
  options: BatchedCurveOptions,
  ends?: EndScores,
): Promise<CurveResult> {
  const n = width * height;
  const step = stepSize(n, options);
  const batchSize = options.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const total = Math.ceil(n / step) + 1;
  const fractions = Array.from({ length: total }, (_, i) => Math.min(n, i * step) / n);
  const scores = new Array<number>(total);
  let scored = 0;
  const record = (i: number, p: unknown) => {
    scores[i] = checkedProbability(p);
    options.onStep?.(++scored, total);
  };
  const inner = ends ? [1, total - 1] : [0, total];
  if (ends) record(0, await ends.start());
  const current = Float32Array.from(start);
  let changed = 0;
  for (let first = inner[0]!; first < inner[1]!; first += batchSize) {
    const last = Math.min(inner[1]!, first + batchSize);
    const batch: RgbImage[] = [];
    for (let i = first; i < last; i++) {
      const upto = Math.min(n, i * step);
      for (; changed < upto; changed++) {
        const p = 3 * order[changed]!;
        current[p] = finish[p]!;
        current[p + 1] = finish[p + 1]!;
        current[p + 2] = finish[p + 2]!;
      }
      // Each image gets its own copy: the scorer may keep or transfer the buffer.
      batch.push({ width, height, channels: 3, data: Float32Array.from(current) });
    }
    const got = await score(batch);
    if (got.length !== batch.length) throw new Error(`batch scorer returned ${got.length} values for ${batch.length} images`);
    got.forEach((p, k) => record(first + k, p));
  }
  if (ends) record(total - 1, await ends.finish());
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
 * Grad-CAM's up to rounding on models that end in global average pooling). The images every curve
 * passes through (the original, the blurred and the black one) are scored once, each alone; with a
 * scorer that scores an image the same whatever shares its batch (onnxruntime does on the zoo
 * models, to the last bit), the curves equal those of scoring every point.
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
  const blur = () => (blurred ??= gaussianBlur(src, o.blurSigma ?? RISE_BLUR.sigma, o.blurRadius ?? RISE_BLUR.radius).data as Float32Array);
  const black = new Float32Array(src.data.length);
  const asImage = (data: Float32Array): RgbImage => ({ width: src.width, height: src.height, channels: 3, data: Float32Array.from(data) });
  const original = scoredOnce(() => asImage(src.data), score);
  const insertionEnds: EndScores = { start: scoredOnce(() => asImage(blur()), score), finish: original };
  const deletionEnds: EndScores = { start: original, finish: scoredOnce(() => asImage(black), score) };
  const done: { key: Uint32Array; result: { insertion: CurveResult; deletion: CurveResult } }[] = [];
  return async (map) => {
    checkMapSize(map, src.width, src.height, 'insertion/deletion');
    const order = saliencyOrder(map);
    const key = stepSets(order, step);
    const shared = done.find((d) => sameValues(d.key, key));
    if (shared) return shared.result;
    const insertion = await curve(blur(), src.data, src.width, src.height, order, score, o, insertionEnds);
    const deletion = await curve(src.data, black, src.width, src.height, order, score, o, deletionEnds);
    const result = { insertion, deletion };
    done.push({ key, result });
    return result;
  };
}
