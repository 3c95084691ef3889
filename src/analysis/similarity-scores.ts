import { hogSimilarity, spearman, ssim } from '../metrics/similarity.js';
import { resizeMapBilinear } from '../metrics/resize-map.js';

/** The four similarities Adebayo et al. report between an original and a randomised model's map. */
export interface SimilarityScores {
  /** Spearman rank correlation of the maps. */
  readonly spearman: number;
  /** Spearman rank correlation of their absolute values. */
  readonly spearmanAbs: number;
  /** Mean SSIM (maps in [0, 1]). */
  readonly ssim: number;
  /** Pearson correlation of the maps' HOG descriptors. */
  readonly hog: number;
}

/** Names of the {@link SimilarityScores} fields, in display order. */
export const SIMILARITY_KEYS = ['spearman', 'spearmanAbs', 'ssim', 'hog'] as const;

/** A map shrunk for comparison, and its size. */
export interface SmallMap {
  readonly map: Float32Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Resizes an `height × width` map (bilinear) so that its longer side is `maxSide`, keeping the
 * aspect ratio; smaller maps are copied unchanged. Comparing maps at a fixed, modest size keeps the
 * rank statistics cheap (sorting 10⁶ pixels per comparison would dominate a cascade) and makes SSIM's
 * 11-pixel window and HOG's 8-pixel cells cover the same fraction of every image.
 */
export function shrinkMap(map: ArrayLike<number>, width: number, height: number, maxSide: number): SmallMap {
  const s = Math.min(1, maxSide / Math.max(width, height));
  if (s === 1) return { map: Float32Array.from(map), width, height };
  const w = Math.max(1, Math.round(width * s));
  const h = Math.max(1, Math.round(height * s));
  return { map: resizeMapBilinear(map, height, width, h, w), width: w, height: h };
}

function safe(f: () => number): number {
  try {
    return f();
  } catch {
    return Number.NaN;
  }
}

/**
 * The {@link SimilarityScores} of two maps of the same size. A measure that is undefined for these
 * maps (a constant map has no ranks; SSIM and HOG need at least 11×11 and 16×16 pixels) is `NaN`.
 */
export function mapSimilarity(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number): SimilarityScores {
  if (a.length !== width * height || b.length !== width * height) {
    throw new RangeError(`mapSimilarity: maps have ${a.length} and ${b.length} values, expected ${width}×${height}`);
  }
  return {
    spearman: safe(() => spearman(a, b)),
    spearmanAbs: safe(() => spearman(a, b, { absolute: true })),
    ssim: safe(() => ssim(a, b, width, height)),
    hog: safe(() => hogSimilarity(a, b, width, height)),
  };
}
