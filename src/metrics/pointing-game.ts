/**
 * The pointing game (Zhang et al., "Top-down neural attention by excitation backprop", 2016) as
 * the TorchRay benchmark implements it, which is the protocol of the CAMERAS paper's Table 1:
 *
 * - the saliency map is resized to the original image (bilinear, half-pixel centres: see
 *   {@link resizeMapBilinear}) and reduced to its first maximum in row-major order;
 * - one result per (image, class present in the image);
 * - a hit when some ground-truth pixel of that class (union of its boxes or masks) lies at
 *   Euclidean distance strictly less than `tolerance` (15 px) from the point, distances measured
 *   between 0-based pixel indices;
 * - on VOC, a class all of whose objects are flagged `difficult` is skipped;
 * - the "difficult" subset keeps only (image, class) pairs flagged 1 in the EBP difficult file
 *   (an image absent from the file is kept, as in TorchRay);
 * - per-class accuracy hits / (hits + misses), averaged over classes.
 */
import type { Region } from './ground-truth.js';
import { regionsToMask } from './ground-truth.js';

/** Default tolerance of the benchmark, in pixels. */
export const POINTING_TOLERANCE = 15;

/** A point in pixel-index coordinates: `x` is the column, `y` the row (0-based, may be fractional). */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * First maximum of a row-major `height × width` map, scanning rows top to bottom and columns left
 * to right (what `argmax` of the flattened map returns). NaN values are ignored.
 *
 * @throws RangeError when the sizes do not match the map or every value is NaN.
 */
export function argmaxPoint(map: ArrayLike<number>, width: number, height: number): Point {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`argmaxPoint: bad size ${width}×${height}`);
  }
  if (map.length !== width * height) {
    throw new RangeError(`argmaxPoint: map has ${map.length} values, expected ${width}×${height}`);
  }
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i]!;
    // Strictly greater keeps the first of equal maxima.
    if (v > bestValue || (best < 0 && v === -Infinity)) {
      bestValue = v;
      best = i;
    }
  }
  if (best < 0) throw new RangeError('argmaxPoint: map has no comparable value (all NaN)');
  return { x: best % width, y: Math.floor(best / width) };
}

/** The `center` baseline's point, `(width / 2, height / 2)` as TorchRay defines it. */
export function centerPoint(width: number, height: number): Point {
  return { x: width / 2, y: height / 2 };
}

/**
 * True when some pixel set in `mask` (row-major `height × width`, non-zero = object) lies at
 * distance `< tolerance` from `point`. Only the square around the point is scanned.
 */
export function pointingHit(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  point: Point,
  tolerance: number = POINTING_TOLERANCE,
): boolean {
  if (mask.length !== width * height) {
    throw new RangeError(`pointingHit: mask has ${mask.length} values, expected ${width}×${height}`);
  }
  if (!Number.isFinite(point.x) || !Number.isFinite(point.y)) throw new RangeError('pointingHit: point is not finite');
  if (!(tolerance > 0)) throw new RangeError(`pointingHit: tolerance must be positive, got ${tolerance}`);
  const t2 = tolerance * tolerance;
  const y0 = Math.max(0, Math.ceil(point.y - tolerance));
  const y1 = Math.min(height - 1, Math.floor(point.y + tolerance));
  const x0 = Math.max(0, Math.ceil(point.x - tolerance));
  const x1 = Math.min(width - 1, Math.floor(point.x + tolerance));
  for (let y = y0; y <= y1; y++) {
    const dy = y - point.y;
    for (let x = x0; x <= x1; x++) {
      const dx = x - point.x;
      if (mask[y * width + x] && dx * dx + dy * dy < t2) return true;
    }
  }
  return false;
}

/** Ground truth of one class in one image, as the annotation loaders produce it. */
export interface ClassTruth {
  /** Data-set class name (e.g. VOC `dog`). */
  readonly className: string;
  /** Data-set class index (VOC devkit order; COCO categories sorted by id). */
  readonly classIndex: number;
  /** Regions of every object of the class (difficult ones included, as TorchRay's mask does). */
  readonly regions: readonly Region[];
  /** VOC: every object of this class is marked `difficult`: the pair is skipped in both splits. */
  readonly allDifficult: boolean;
  /**
   * Flag of the pair in the EBP "difficult" file: `true` kept in the difficult split, `false`
   * skipped there, `undefined` when the image is not listed (kept, as TorchRay does).
   */
  readonly difficultSubset?: boolean;
}

/** Outcome of one (image, class) pair in one split. */
export type PointingOutcome = 'hit' | 'miss' | 'skipped';

/** One pointing-game result, the unit the tally aggregates and the run store records. */
export interface PointingResult {
  readonly imageId: string;
  readonly classIndex: number;
  readonly className: string;
  /** The point tested (the map's first maximum, or the center baseline's point). */
  readonly point: Point;
  /** Outcome in the full split. */
  readonly all: PointingOutcome;
  /** Outcome in the difficult split. */
  readonly difficult: PointingOutcome;
}

/** Which splits a pair takes part in; a caller can skip computing a map nobody will score. */
export function pointingSplits(truth: ClassTruth): { all: boolean; difficult: boolean } {
  const all = !truth.allDifficult;
  return { all, difficult: all && truth.difficultSubset !== false };
}

/**
 * Score a point against one class's ground truth.
 *
 * @param point - Pixel-index coordinates in the original image.
 * @param width - Original image width.
 * @param height - Original image height.
 */
export function scorePoint(
  imageId: string,
  truth: ClassTruth,
  point: Point,
  width: number,
  height: number,
  tolerance: number = POINTING_TOLERANCE,
): PointingResult {
  const splits = pointingSplits(truth);
  let outcome: PointingOutcome = 'skipped';
  if (splits.all) {
    const mask = regionsToMask(truth.regions, width, height);
    outcome = pointingHit(mask, width, height, point, tolerance) ? 'hit' : 'miss';
  }
  return {
    imageId,
    classIndex: truth.classIndex,
    className: truth.className,
    point,
    all: outcome,
    difficult: splits.difficult ? outcome : 'skipped',
  };
}

/**
 * Score a saliency map (already at the original image size, row-major) against one class: its
 * first maximum is the point.
 */
export function scoreMap(
  imageId: string,
  truth: ClassTruth,
  map: ArrayLike<number>,
  width: number,
  height: number,
  tolerance: number = POINTING_TOLERANCE,
): PointingResult {
  return scorePoint(imageId, truth, argmaxPoint(map, width, height), width, height, tolerance);
}
