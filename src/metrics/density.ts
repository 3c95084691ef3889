/**
 * Positive and negative map density (CAMERAS paper, section 4.2):
 *
 *   ρ⁺ = P(K(I ⊙ Ψ)) / ΣᵢΣⱼ Ψ⁽ⁱʲ⁾ × (h × w)
 *   ρ⁻ = P(K(I ⊙ (1 − Ψ))) / ΣᵢΣⱼ (1 − Ψ⁽ⁱʲ⁾) × (h × w)
 *
 * Choices the paper leaves open (its supplementary material is not available), made here:
 * - The formula is read as `P · (h·w) / ΣΨ`, i.e. the probability divided by the mean map value:
 *   the paper says that for a map of all ones "the score depicts the model's confidence", which
 *   only this reading satisfies.
 * - `I ⊙ 1 − Ψ` is read as `I ⊙ (1 − Ψ)` (the complement of the map masks the image).
 * - Ψ is the method's map normalised to [0, 1] (min–max, as every method here returns it), at the
 *   size of the image I; the caller resizes it.
 * - Masking happens in pixel space: RGB on the 0..255 scale is multiplied by Ψ before the model's
 *   own preprocessing, so a masked-out pixel is black (not the data set mean).
 * - P is the softmax probability of the image's true label (ground truth, e.g. the ImageNet
 *   validation label), supplied by the callback; the callback feeds the masked image to the model
 *   exactly like the unmasked one (same resize and normalisation).
 * - When ΣΨ = 0 (an all-zero map) ρ⁺ is undefined and reported as NaN; likewise ρ⁻ when Ψ ≡ 1.
 *   Aggregates skip NaN values and count them.
 */
import type { RgbImage } from '../core/types.js';
import type { ProbabilityFn } from './pixels.js';
import { checkUnitMap, maskImage, scoreProbability, toFloatRgb } from './pixels.js';

/** Densities of one map, with the quantities they come from. */
export interface DensityResult {
  /** Positive map density ρ⁺ (higher is better). NaN for an all-zero map. */
  readonly rhoPlus: number;
  /** Negative map density ρ⁻ (lower is better). NaN for an all-one map. */
  readonly rhoMinus: number;
  /** P(K(I ⊙ Ψ)). */
  readonly pPositive: number;
  /** P(K(I ⊙ (1 − Ψ))). */
  readonly pNegative: number;
  /** Mean map value ΣΨ / (h·w). */
  readonly mapMean: number;
}

/**
 * Compute ρ⁺ and ρ⁻ of one saliency map.
 *
 * @param image - The image in pixel space (0..255 RGB).
 * @param map - Ψ, `height × width` row-major, in [0, 1], at the image's size.
 * @param probability - Softmax probability of the true label for an image.
 * @throws RangeError when the map does not match the image or leaves [0, 1], or the callback
 *   returns something that is not a probability.
 */
export async function mapDensity(image: RgbImage, map: ArrayLike<number>, probability: ProbabilityFn): Promise<DensityResult> {
  const { width, height } = toFloatRgb(image);
  checkUnitMap(map, width, height, 'mapDensity');
  const n = width * height;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.min(1, Math.max(0, map[i]!));
  const complement = new Float32Array(n);
  let sumNeg = 0;
  for (let i = 0; i < n; i++) {
    complement[i] = 1 - Math.min(1, Math.max(0, map[i]!));
    sumNeg += complement[i]!;
  }
  const pPositive = await scoreProbability(probability, maskImage(image, map));
  const pNegative = await scoreProbability(probability, maskImage(image, complement));
  return {
    rhoPlus: sum > 0 ? (pPositive * n) / sum : Number.NaN,
    rhoMinus: sumNeg > 0 ? (pNegative * n) / sumNeg : Number.NaN,
    pPositive,
    pNegative,
    mapMean: sum / n,
  };
}
