import type { ModelAdapter, RgbImage } from '../core/types.js';
import type { ExplainOptions } from '../methods/types.js';
import { meanInterval, type Interval } from '../metrics/bootstrap.js';
import { saliencyOrder } from '../metrics/insertion-deletion.js';
import { spearman } from '../metrics/similarity.js';
import { createRng } from '../scenes/rng.js';
import { classify, pgd, workingImage, type PgdNorm, type PgdResult } from './pgd.js';
import type { MethodSet } from './model-randomization.js';

/** L2 budgets tried by default: 0.125 … 4 in [0, 1]-pixel units, as 0..255-scale values. */
export const DEFAULT_L2_EPSILONS: readonly number[] = Object.freeze([0.125, 0.25, 0.5, 1, 2, 4].map((e) => e * 255));

/** L∞ budgets tried by default (of 255). */
export const DEFAULT_LINF_EPSILONS: readonly number[] = Object.freeze([0.5, 1, 2, 4, 8, 16]);

/** Defaults of the adversarial sanity check (paper §6.1; its supplement is not available). */
export const ADVERSARIAL_CHECK_DEFAULTS = Object.freeze({
  /**
   * Threat model of the perturbation. L2 (default): its per-pixel magnitude follows the gradient's
   * magnitude; an L∞ sign attack moves nearly every pixel by the same amount, so its magnitude map
   * says little about where the perturbation matters.
   */
  norm: 'l2' as PgdNorm,
  /** PGD iterations per budget (each run stops at the first fooling iterate). */
  steps: 10,
  /** Step α as a fraction of ε (α = ε/4 reaches the bound in 4 of the 10 steps). */
  stepFraction: 1 / 4,
  /** Fractions of pixels kept by the restricted perturbations. */
  topK: Object.freeze([0.1, 0.2]) as readonly number[],
  /** Random masks drawn per image and fraction. */
  randomMasks: 2,
  /**
   * Budget of the re-attack confined to k % of the pixels: `matched` = the same total budget as
   * the unrestricted attack (ε for L2, which already bounds the total; ε/k per entry for L∞, the
   * same L1 mass, capped at 255); `same` = ε as is.
   */
  restrictedBudget: 'matched' as 'matched' | 'same',
  seed: 0,
});

/** Options of {@link adversarialCheck}. */
export interface AdversarialCheckOptions {
  methods: MethodSet;
  methodOptions?: ExplainOptions & Record<string, unknown>;
  norm?: PgdNorm;
  /** Budgets tried in increasing order (0..255 scale); default by norm (see the constants). */
  epsilons?: readonly number[];
  steps?: number;
  stepFraction?: number;
  topK?: readonly number[];
  randomMasks?: number;
  restrictedBudget?: 'matched' | 'same';
  seed?: number;
  /** Shorter side of the attacked image (default the model's input size). */
  size?: number;
}

/** Whether a restricted perturbation still fools, by the two restriction protocols. */
export interface RestrictedOutcome {
  /** The minimal perturbation multiplied by the mask (no new optimisation). */
  readonly transfer: number;
  /** PGD re-run with the perturbation confined to the mask (budget: see `restrictedBudget`). */
  readonly reattack: number;
}

/** One method's numbers on one image. */
export interface AdversarialMethodResult {
  /** Spearman correlation between the map and Σ_c |δ_c| per pixel. */
  readonly spearman: number;
  /** Per k (key = percent): 1 when the restriction to the map's top-k % pixels fools, else 0. */
  readonly top: Readonly<Record<string, RestrictedOutcome>>;
}

/** {@link adversarialCheck}'s result for one image. */
export interface AdversarialCheckRecord {
  readonly width: number;
  readonly height: number;
  readonly clean: number;
  /** False when no budget of the grid flipped the prediction (the image is then left out). */
  readonly flipped: boolean;
  /** Threat model and the smallest ε of the grid that flipped (0..255 scale). */
  readonly norm: PgdNorm;
  readonly epsilon?: number;
  readonly adversarial?: number;
  readonly l2?: number;
  readonly linf?: number;
  readonly methods: Readonly<Record<string, AdversarialMethodResult>>;
  /** Per k: fooling rates of random k % masks (mean over the masks drawn). */
  readonly random: Readonly<Record<string, RestrictedOutcome>>;
}

/** Per-pixel magnitude Σ_c |δ_c| of an `H × W × 3` perturbation. */
export function pixelMagnitude(p: ArrayLike<number>): Float32Array {
  const out = new Float32Array(p.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.abs(p[3 * i]) + Math.abs(p[3 * i + 1]) + Math.abs(p[3 * i + 2]);
  return out;
}

/** A 0/1 mask of the `round(k·n)` highest values (ties broken by pixel order). */
export function topKMask(map: ArrayLike<number>, k: number): Float32Array {
  const order = saliencyOrder(map);
  const m = new Float32Array(map.length);
  const count = Math.round(k * map.length);
  for (let i = 0; i < count; i++) m[order[i]] = 1;
  return m;
}

/** A 0/1 mask of `round(k·n)` pixels drawn uniformly without replacement. */
export function randomMask(n: number, k: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const idx = Array.from({ length: n }, (_, i) => i);
  const count = Math.round(k * n);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const m = new Float32Array(n);
  for (let i = 0; i < count; i++) m[idx[i]] = 1;
  return m;
}

function applyMask(p: ArrayLike<number>, mask: ArrayLike<number>): Float32Array {
  const out = new Float32Array(p.length);
  for (let i = 0; i < mask.length; i++) if (mask[i] > 0) for (let c = 0; c < 3; c++) out[3 * i + c] = p[3 * i + c];
  return out;
}

function kKey(k: number): string {
  return String(Math.round(k * 1000) / 10);
}

/**
 * The adversarial sanity check (paper §6.1, protocol ours): on the image at the model's input size,
 * find the smallest budget ε of a grid (L2 by default) for which untargeted PGD flips the clean prediction, keep
 * that perturbation δ, then for every method (maps of the clean prediction):
 * - Spearman correlation between the map and the per-pixel magnitude Σ_c |δ_c|;
 * - for each k, whether δ still fools when restricted to the map's top-k % pixels, (a) δ masked
 *   as is ("transfer") and (b) PGD re-run confined to the mask ("reattack", by default with the
 *   same L1 budget: ε/k per pixel), against the same
 *   for random k % masks. A map that marks where the model is vulnerable keeps fooling where a
 *   random mask does not.
 */
export async function adversarialCheck(model: ModelAdapter, image: RgbImage, options: AdversarialCheckOptions): Promise<AdversarialCheckRecord> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as AdversarialCheckOptions;
  const norm = given.norm ?? ADVERSARIAL_CHECK_DEFAULTS.norm;
  const o = { ...ADVERSARIAL_CHECK_DEFAULTS, epsilons: norm === 'l2' ? DEFAULT_L2_EPSILONS : DEFAULT_LINF_EPSILONS, ...given, norm } as Required<AdversarialCheckOptions>;
  if (norm !== 'l2' && norm !== 'linf') throw new RangeError(`norm must be l2 or linf, got ${String(norm)}`);
  const names = Object.keys(o.methods);
  if (names.length === 0) throw new Error('adversarialCheck: no methods given');
  if (o.epsilons.length === 0 || o.epsilons.some((e) => !(e > 0))) throw new RangeError('epsilons must be positive numbers');
  if (o.topK.some((k) => !(k > 0 && k <= 1))) throw new RangeError('topK fractions must be in (0, 1]');
  if (o.restrictedBudget !== 'matched' && o.restrictedBudget !== 'same') throw new RangeError(`restrictedBudget must be matched or same, got ${String(o.restrictedBudget)}`);
  const work = workingImage(image, o.size ?? model.inputSize);
  const n = work.width * work.height;
  const clean = (await classify(model, work)).predicted;
  const base = { width: work.width, height: work.height, clean, norm };

  let found: { epsilon: number; r: PgdResult } | undefined;
  for (const epsilon of [...o.epsilons].sort((a, b) => a - b)) {
    const r = await pgd(model, work, { norm, epsilon, stepSize: epsilon * o.stepFraction, steps: o.steps, source: clean });
    if (r.fooled) {
      found = { epsilon, r };
      break;
    }
  }
  if (!found) return { ...base, flipped: false, methods: {}, random: {} };
  const { epsilon, r } = found;
  const delta = r.perturbation;
  const magnitude = pixelMagnitude(delta);
  const attack = { norm, epsilon, stepSize: epsilon * o.stepFraction, steps: o.steps, source: clean };
  const restricted = async (mask: Float32Array, k: number): Promise<RestrictedOutcome> => {
    const t = await classify(model, work, applyMask(delta, mask));
    const eps = o.restrictedBudget === 'same' || norm === 'l2' ? epsilon : Math.min(255, epsilon / k);
    const re = await pgd(model, work, { ...attack, epsilon: eps, stepSize: eps * o.stepFraction, mask });
    return { transfer: t.predicted !== clean ? 1 : 0, reattack: re.fooled ? 1 : 0 };
  };

  const methods: Record<string, AdversarialMethodResult> = {};
  for (const name of names) {
    const m = await o.methods[name](model, work, { ...o.methodOptions, target: clean });
    if (m.map.length !== n) throw new Error(`${name}: map has ${m.map.length} values for a ${work.width}×${work.height} image`);
    let rho: number;
    try {
      rho = spearman(m.map, magnitude);
    } catch {
      rho = Number.NaN;
    }
    const top: Record<string, RestrictedOutcome> = {};
    for (const k of o.topK) top[kKey(k)] = await restricted(topKMask(m.map, k), k);
    methods[name] = { spearman: rho, top };
  }
  const random: Record<string, RestrictedOutcome> = {};
  for (const [ki, k] of o.topK.entries()) {
    let transfer = 0;
    let reattack = 0;
    for (let j = 0; j < o.randomMasks; j++) {
      const res = await restricted(randomMask(n, k, o.seed * 7919 + ki * 101 + j), k);
      transfer += res.transfer;
      reattack += res.reattack;
    }
    random[kKey(k)] = { transfer: transfer / o.randomMasks, reattack: reattack / o.randomMasks };
  }
  return { ...base, flipped: true, epsilon, adversarial: r.predicted, l2: r.l2, linf: r.linf, methods, random };
}

/** Per-method summary of {@link adversarialCheck} over images. */
export interface AdversarialMethodSummary {
  /** Mean Spearman correlation over flipped images (NaN values skipped). */
  readonly spearman: number;
  /**
   * Per k (percent): fooling rates of the top-k % and random k % restrictions and their drops from
   * the unrestricted perturbation's rate (1 on flipped images), for both protocols.
   */
  readonly k: Readonly<Record<string, { top: RestrictedOutcome; random: RestrictedOutcome; dropTop: RestrictedOutcome; dropRandom: RestrictedOutcome }>>;
  /**
   * 95 % percentile bootstrap intervals over the flipped images (seeded, 1,000 resamples): of the
   * mean Spearman correlation, of both drops, and of the paired per-image difference
   * `dropTop − dropRandom`: a map that marks where the model is vulnerable loses less fooling rate
   * than random masks when the perturbation is confined to its top pixels, so its interval lies
   * below 0; an interval around 0 means the map does no better than random pixels.
   */
  readonly intervals: {
    readonly spearman: Interval;
    readonly k: Readonly<Record<string, { dropTop: RestrictedInterval; dropRandom: RestrictedInterval; topMinusRandom: RestrictedInterval }>>;
  };
  /** Flipped images behind the numbers (images whose Spearman value is finite for `spearman`). */
  readonly n: { readonly spearman: number; readonly k: number };
}

/** A {@link RestrictedOutcome}'s two numbers as intervals. */
export interface RestrictedInterval {
  readonly transfer: Interval;
  readonly reattack: Interval;
}

/** Summary of a run of {@link adversarialCheck}. */
export interface AdversarialCheckSummary {
  readonly images: number;
  /** Images whose prediction some budget of the grid flipped (the ones measured). */
  readonly flipped: number;
  /** Mean smallest flipping ε (0..255 scale; L2 or L∞ as run) over flipped images. */
  readonly meanEpsilon: number;
  readonly methods: Readonly<Record<string, AdversarialMethodSummary>>;
}

/** Averages {@link AdversarialCheckRecord}s over the flipped images. */
export function summarizeAdversarialCheck(records: readonly AdversarialCheckRecord[]): AdversarialCheckSummary {
  const ok = records.filter((r) => r.flipped);
  const mean = (xs: number[]) => {
    const f = xs.filter(Number.isFinite);
    return f.length ? f.reduce((a, b) => a + b, 0) / f.length : Number.NaN;
  };
  const names = [...new Set(ok.flatMap((r) => Object.keys(r.methods)))];
  const ks = [...new Set(ok.flatMap((r) => Object.keys(r.random)))];
  const methods: Record<string, AdversarialMethodSummary> = {};
  for (const name of names) {
    const k: Record<string, AdversarialMethodSummary['k'][string]> = {};
    for (const key of ks) {
      const top = { transfer: mean(ok.map((r) => r.methods[name]?.top[key]?.transfer ?? Number.NaN)), reattack: mean(ok.map((r) => r.methods[name]?.top[key]?.reattack ?? Number.NaN)) };
      const random = { transfer: mean(ok.map((r) => r.random[key].transfer)), reattack: mean(ok.map((r) => r.random[key].reattack)) };
      k[key] = {
        top,
        random,
        dropTop: { transfer: 1 - top.transfer, reattack: 1 - top.reattack },
        dropRandom: { transfer: 1 - random.transfer, reattack: 1 - random.reattack },
      };
    }
    const rho = ok.map((r) => r.methods[name]?.spearman ?? Number.NaN);
    const kIntervals: Record<string, { dropTop: RestrictedInterval; dropRandom: RestrictedInterval; topMinusRandom: RestrictedInterval }> = {};
    for (const key of ks) {
      type Outcome = (r: AdversarialCheckRecord, w: keyof RestrictedOutcome) => number | undefined;
      const meanOf = (of: Outcome, w: keyof RestrictedOutcome) => meanInterval(ok.map((r) => of(r, w) ?? Number.NaN));
      // A drop is 1 − a fooling rate: its interval is the rate's, mirrored.
      const dropOf = (of: Outcome, w: keyof RestrictedOutcome): Interval => {
        const [lo, hi] = meanOf(of, w);
        return [1 - hi, 1 - lo];
      };
      const each = (f: (w: keyof RestrictedOutcome) => Interval): RestrictedInterval => ({ transfer: f('transfer'), reattack: f('reattack') });
      const top: Outcome = (r, w) => r.methods[name]?.top[key]?.[w];
      const random: Outcome = (r, w) => r.random[key]?.[w];
      // dropTop − dropRandom = random's fooling rate − top's, per image.
      const randomMinusTop: Outcome = (r, w) => {
        const t = top(r, w);
        const rnd = random(r, w);
        return t === undefined || rnd === undefined ? undefined : rnd - t;
      };
      kIntervals[key] = {
        dropTop: each((w) => dropOf(top, w)),
        dropRandom: each((w) => dropOf(random, w)),
        topMinusRandom: each((w) => meanOf(randomMinusTop, w)),
      };
    }
    methods[name] = {
      spearman: mean(rho),
      k,
      intervals: { spearman: meanInterval(rho), k: kIntervals },
      n: { spearman: rho.filter(Number.isFinite).length, k: ok.length },
    };
  }
  return { images: records.length, flipped: ok.length, meanEpsilon: mean(ok.map((r) => r.epsilon!)), methods };
}
