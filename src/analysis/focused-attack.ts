import type { ModelAdapter, RgbImage } from '../core/types.js';
import type { ExplainOptions, SaliencyMethod } from '../methods/types.js';
import { argmax } from '../core/target.js';
import { BOOTSTRAP_SEED, meanInterval, seededUniform, type Interval } from '../metrics/bootstrap.js';
import { classify, pgd, workingImage, type PgdNorm, type PgdResult } from './pgd.js';

/** Defaults of the focused attack (the paper's supplement with its values is not available). */
export const FOCUSED_ATTACK_DEFAULTS = Object.freeze({
  /** L∞ radius on the 0..255 scale (16/255 of the range). */
  epsilon: 16,
  /** Step per iteration on the 0..255 scale. */
  stepSize: 1,
  /** Maximum iterations (each stops early once the target class is reached). */
  steps: 100,
  /** Penalty weight of Eq. 4 (the paper's value). */
  beta: 50,
});

/** Options of {@link focusedAttack}. */
export interface FocusedAttackOptions {
  /** The saliency method giving Ψ (CAMERAS in the paper). */
  method: SaliencyMethod;
  /** Options for the method (the target is the clean prediction). */
  methodOptions?: ExplainOptions & Record<string, unknown>;
  epsilon?: number;
  stepSize?: number;
  steps?: number;
  beta?: number;
  /** Step rule and threat model (default `linf`: sign steps, ε per entry). */
  norm?: PgdNorm;
  /** Probability the target must reach to count as fooled (default 0: first top-1 hit). */
  minConfidence?: number;
  /** Start point of both attacks (default `zero`; `random`: Madry et al.'s, the same point for both). */
  start?: 'zero' | 'random';
  /** Seed of a random start. */
  seed?: number;
  /** Shorter side of the attacked image (default the model's input size). */
  size?: number;
}

/** One attack's outcome: PGD's result without the perturbation, plus where its mass lies. */
export interface AttackOutcome extends Omit<PgdResult, 'perturbation'> {
  /** Share of Σ|p| on pixels whose Ψ < 0.5 (outside the salient region). */
  readonly massOutside: number;
}

/** {@link focusedAttack}'s result for one image. */
export interface FocusedAttackRecord {
  readonly width: number;
  readonly height: number;
  /** Clean prediction and the least-likely class attacked towards. */
  readonly clean: number;
  readonly target: number;
  readonly plain: AttackOutcome;
  readonly focused: AttackOutcome;
}

/** Share of the perturbation's L1 mass on pixels where `psi < 0.5`. */
export function massOutside(p: ArrayLike<number>, psi: ArrayLike<number>): number {
  let out = 0;
  let all = 0;
  for (let i = 0; i < psi.length; i++) {
    const v = Math.abs(p[3 * i]) + Math.abs(p[3 * i + 1]) + Math.abs(p[3 * i + 2]);
    all += v;
    if (psi[i] < 0.5) out += v;
  }
  return all > 0 ? out / all : 0;
}

function outcome(r: PgdResult, psi: ArrayLike<number>): AttackOutcome {
  return { fooled: r.fooled, steps: r.steps, predicted: r.predicted, probability: r.probability, l2: r.l2, linf: r.linf, massOutside: massOutside(r.perturbation, psi) };
}

/**
 * The saliency-focused attack of the paper (section 6, Eq. 4) next to plain PGD, on one image: the
 * image is resized to the model's input size (shorter side), Ψ is the method's map of the clean
 * prediction on that image, and both attacks drive the prediction to the least-likely class with
 * targeted L∞ PGD (same ε, step, iteration budget; stopping at the first fooling iterate), plain
 * with β = 0 and focused with β (default 50).
 */
export async function focusedAttack(model: ModelAdapter, image: RgbImage, options: FocusedAttackOptions): Promise<FocusedAttackRecord> {
  const o = { ...FOCUSED_ATTACK_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  const work = workingImage(image, options.size ?? model.inputSize);
  const clean = await classify(model, work);
  let least = 0;
  for (let i = 1; i < clean.logits.length; i++) if (clean.logits[i] < clean.logits[least]) least = i;
  const map = await options.method(model, work, { ...options.methodOptions, target: argmax(clean.logits) });
  const psi = map.map;
  const common = { epsilon: o.epsilon, stepSize: o.stepSize, steps: o.steps, target: least, norm: options.norm, minConfidence: options.minConfidence, start: options.start, seed: options.seed };
  const plain = await pgd(model, work, { ...common, beta: 0 });
  const focused = await pgd(model, work, { ...common, beta: o.beta, saliency: psi });
  return { width: work.width, height: work.height, clean: clean.predicted, target: least, plain: outcome(plain, psi), focused: outcome(focused, psi) };
}

/** Mean norms over the images both attacks fooled, and the focused attack's reduction. */
export interface FocusedAttackSummary {
  /** Images attacked: the denominator of the fooling rates. */
  readonly images: number;
  /** Images each attack fooled (the numerators of the fooling rates). */
  readonly fooled: { plain: number; focused: number };
  readonly foolingRate: { plain: number; focused: number };
  /** Images fooled by both: the norms below are means over these, at the same fooling rate. */
  readonly both: number;
  readonly plain: { l2: number; linf: number; massOutside: number; steps: number };
  readonly focused: { l2: number; linf: number; massOutside: number; steps: number };
  /** 100·(1 − focused/plain) of the mean norms. */
  readonly reductionPercent: { l2: number; linf: number };
  /**
   * 95 % percentile bootstrap intervals (1,000 resamples, seeded) over the `both` images: of each
   * mean norm, and of the reduction, resampling the images in pairs (plain and focused norms of an
   * image stay together, so the interval reflects the paired comparison).
   */
  readonly intervals: {
    plain: { l2: Interval; linf: Interval };
    focused: { l2: Interval; linf: Interval };
    reductionPercent: { l2: Interval; linf: Interval };
  };
}

/** Percentile interval of 100·(1 − Σb/Σa) under a paired bootstrap of the indices. */
function reductionInterval(a: readonly number[], b: readonly number[], resamples = 1000, level = 0.95): Interval {
  if (a.length === 0) return [Number.NaN, Number.NaN];
  const draw = seededUniform(BOOTSTRAP_SEED);
  const stats: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sa = 0;
    let sb = 0;
    for (let i = 0; i < a.length; i++) {
      const j = Math.floor(draw() * a.length);
      sa += a[j]!;
      sb += b[j]!;
    }
    stats.push(100 * (1 - sb / sa));
  }
  stats.sort((x, y) => x - y);
  const at = (q: number) => stats[Math.min(stats.length - 1, Math.max(0, Math.floor(q * stats.length)))]!;
  return [at((1 - level) / 2), at(1 - (1 - level) / 2)];
}

/** Summarises {@link FocusedAttackRecord}s (norms compared on the images both attacks fooled). */
export function summarizeFocusedAttack(records: readonly FocusedAttackRecord[]): FocusedAttackSummary {
  const both = records.filter((r) => r.plain.fooled && r.focused.fooled);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  const side = (k: 'plain' | 'focused') => ({
    l2: mean(both.map((r) => r[k].l2)),
    linf: mean(both.map((r) => r[k].linf)),
    massOutside: mean(both.map((r) => r[k].massOutside)),
    steps: mean(both.map((r) => r[k].steps)),
  });
  const plain = side('plain');
  const focused = side('focused');
  const n = records.length;
  const fooled = { plain: records.filter((r) => r.plain.fooled).length, focused: records.filter((r) => r.focused.fooled).length };
  const norms = (k: 'plain' | 'focused', m: 'l2' | 'linf') => both.map((r) => r[k][m]);
  return {
    images: n,
    fooled,
    foolingRate: { plain: n ? fooled.plain / n : Number.NaN, focused: n ? fooled.focused / n : Number.NaN },
    both: both.length,
    plain,
    focused,
    reductionPercent: { l2: 100 * (1 - focused.l2 / plain.l2), linf: 100 * (1 - focused.linf / plain.linf) },
    intervals: {
      plain: { l2: meanInterval(norms('plain', 'l2')), linf: meanInterval(norms('plain', 'linf')) },
      focused: { l2: meanInterval(norms('focused', 'l2')), linf: meanInterval(norms('focused', 'linf')) },
      reductionPercent: { l2: reductionInterval(norms('plain', 'l2'), norms('focused', 'l2')), linf: reductionInterval(norms('plain', 'linf'), norms('focused', 'linf')) },
    },
  };
}
