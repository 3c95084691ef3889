import type { ModelAdapter, RgbImage } from '../core/types.js';
import type { ExplainOptions, SaliencyMethod, SaliencyResult } from '../methods/types.js';
import { randomizable, type RandomizableModel } from './randomize.js';
import { mapSimilarity, shrinkMap, type SimilarityScores, type SmallMap } from './similarity-scores.js';

/** Saliency methods by display name. */
export type MethodSet = Readonly<Record<string, SaliencyMethod>>;

/** Which randomisation schedule a step belongs to. */
export type RandomizationVariant = 'cascading' | 'independent';

/** One method's outcome at one step. */
export interface StepMethodResult extends SimilarityScores {
  /** Class the randomised model predicts (the map always explains the original target). */
  readonly predicted: number;
  /** Input sizes that entered the map (CAMERAS drops sizes whose prediction changes). */
  readonly sizesUsed: readonly number[];
  /** The map at comparison size, for plots (not serialised by the CLI). */
  readonly map: SmallMap;
}

/** One step of a randomisation schedule. */
export interface RandomizationStep {
  readonly variant: RandomizationVariant;
  /** 1-based step number. */
  readonly step: number;
  /** The unit (block of layers) this step adds (cascading) or randomises alone (independent). */
  readonly block: readonly string[];
  /** Every layer whose weights are random at this step. */
  readonly randomized: readonly string[];
  readonly methods: Readonly<Record<string, StepMethodResult>>;
}

/** What {@link modelRandomizationCheck} returns. */
export interface RandomizationReport {
  readonly model: string;
  /** Class every map explains (the trained model's target). */
  readonly target: { index: number; label?: string; probability: number };
  /** Size the maps are compared at. */
  readonly compareSize: { width: number; height: number };
  readonly seed: number;
  /** The trained model's maps, at comparison size. */
  readonly original: Readonly<Record<string, SmallMap>>;
  readonly steps: readonly RandomizationStep[];
}

/** Options of {@link modelRandomizationCheck}. */
export interface RandomizationOptions {
  /** Methods to check, by name. */
  methods: MethodSet;
  /** Options passed to every method (the target is fixed to the original map's). */
  methodOptions?: ExplainOptions & Record<string, unknown>;
  /** Schedules to run (default both). */
  variants?: readonly RandomizationVariant[];
  /** Randomise at most this many units, from the top (default: all). */
  maxSteps?: number;
  /** Seed of the random weights (default 0). */
  seed?: number;
  /** Longer side of the maps when compared (default 224; see {@link shrinkMap}). */
  compareSize?: number;
  /** Called after each step. */
  onStep?: (step: RandomizationStep, done: number, total: number) => void;
}

/**
 * The model-parameter randomisation test of Adebayo et al. ("Sanity checks for saliency maps",
 * NeurIPS 2018). Cascading: re-initialise the weighted units from the logits down, one more per step;
 * independent: one unit at a time, the rest trained. At every step each method's map (for the
 * trained model's target class) is compared with the trained model's map by Spearman rank correlation
 * (with and without absolute values), SSIM and HOG similarity. A method that passes the check loses
 * similarity as soon as the top layers are random.
 *
 * Units come from the model's {@link RandomizableModel.blocks} (a kernel layer with the batch-norm
 * that follows it) when it has them, else single weighted layers.
 */
export async function modelRandomizationCheck(model: ModelAdapter, image: RgbImage, options: RandomizationOptions): Promise<RandomizationReport> {
  const rnd: RandomizableModel | undefined = randomizable(model);
  if (!rnd) throw new Error(`${model.name} (${model.engine}) cannot be re-initialised: the randomisation check needs a TF.js layers model`);
  const names = Object.keys(options.methods);
  if (names.length === 0) throw new Error('modelRandomizationCheck: no methods given');
  const seed = options.seed ?? 0;
  const maxSide = options.compareSize ?? 224;
  const variants = options.variants ?? ['cascading', 'independent'];
  if (variants.length === 0 || variants.some((v) => v !== 'cascading' && v !== 'independent')) throw new Error(`variants must be cascading and/or independent`);
  let units = rnd.blocks ? rnd.blocks() : rnd.weightedLayers().map((l) => [l]);
  if (options.maxSteps !== undefined) {
    if (!Number.isInteger(options.maxSteps) || options.maxSteps < 1) throw new RangeError(`maxSteps must be a positive integer, got ${options.maxSteps}`);
    units = units.slice(0, options.maxSteps);
  }
  if (units.length === 0) throw new Error(`${model.name} has no weighted layers`);

  const explain = async (m: ModelAdapter, name: string, target?: number): Promise<SaliencyResult> =>
    options.methods[name](m, image, { ...options.methodOptions, ...(target === undefined ? {} : { target }) });

  const original: Record<string, SmallMap> = {};
  let target: RandomizationReport['target'] | undefined;
  for (const name of names) {
    const r = await explain(model, name, target?.index ?? (options.methodOptions?.target as number | undefined));
    target ??= { index: r.target.index, label: r.target.label, probability: r.target.probability };
    original[name] = shrinkMap(r.map, r.width, r.height, maxSide);
  }
  const { width, height } = original[names[0]];

  const plan: { variant: RandomizationVariant; step: number; block: string[]; randomized: string[] }[] = [];
  for (const variant of variants) {
    units.forEach((block, i) => {
      plan.push({ variant, step: i + 1, block, randomized: variant === 'cascading' ? units.slice(0, i + 1).flat() : block });
    });
  }
  const steps: RandomizationStep[] = [];
  for (const p of plan) {
    const copy = await rnd.randomized(p.randomized, seed);
    try {
      const methods: Record<string, StepMethodResult> = {};
      for (const name of names) {
        const r = await explain(copy, name, target!.index);
        const small = shrinkMap(r.map, r.width, r.height, maxSide);
        methods[name] = { ...mapSimilarity(original[name].map, small.map, width, height), predicted: r.predicted.index, sizesUsed: r.sizesUsed, map: small };
      }
      const step: RandomizationStep = { ...p, methods };
      steps.push(step);
      options.onStep?.(step, steps.length, plan.length);
    } finally {
      copy.dispose();
    }
  }
  return { model: model.name, target: target!, compareSize: { width, height }, seed, original, steps };
}
