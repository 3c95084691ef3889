import type { ModelAdapter } from '../core/types.js';
import type { SaliencyMethod } from '../methods/types.js';
import { argmaxPoint, pointingHit } from '../metrics/pointing-game.js';
import { maskEnergy } from '../metrics/mask-energy.js';
import { meanInterval, type Interval } from '../metrics/bootstrap.js';
import { generateScene } from './generator.js';

/** Options of {@link benchmarkScenes}. */
export interface SceneBenchmarkOptions {
  /** Number of scenes (default 200). */
  n?: number;
  /** Seed of the first scene; scene i uses `firstSeed + i` (default: a range no training run uses). */
  firstSeed?: number;
  width?: number;
  height?: number;
  /** Class objects per scene (default 1). */
  objects?: number;
  /** Options passed to every method, and per method by name. */
  options?: Record<string, unknown>;
  perMethod?: Record<string, Record<string, unknown>>;
  /** Called after each scene. */
  onScene?: (done: number, total: number) => void;
}

/** Per-method scores over the scenes, each in [0, 1]. */
export interface SceneBenchmarkScores {
  /** Share of (scene, class) pairs whose map maximum lies within 15 px of the class's mask. */
  pointingGame: number;
  /** Mean share of the map's mass inside the class's mask. */
  maskEnergy: number;
  /** Number of (scene, class) pairs scored. */
  pairs: number;
  /** 95 % bootstrap intervals of the two scores over the (scene, class) pairs. */
  ci: { pointingGame: Interval; maskEnergy: Interval };
  /** CAMERAS (methods with an acceptance policy): mean number of sizes kept per map. */
  sizesUsedMean?: number;
  /** CAMERAS: maps that kept one size or none. */
  singleScale?: number;
}

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

/** Held-out seeds: far from the training seeds (1…24 000) and the accuracy test (10⁹ +). */
export const SCENE_BENCHMARK_SEED = 1_500_000_000;

/**
 * Scores saliency methods against exact ground truth: for every generated scene and every class
 * present, the map of that class is scored by the pointing game (its first maximum within 15 px of
 * the class's pixels, TorchRay's rule) and by mask energy (share of its mass on those pixels).
 */
export async function benchmarkScenes(
  model: ModelAdapter,
  methods: Record<string, SaliencyMethod>,
  opts: SceneBenchmarkOptions = {},
): Promise<Record<string, SceneBenchmarkScores>> {
  const n = opts.n ?? 200;
  const width = opts.width ?? 224;
  const height = opts.height ?? width;
  const firstSeed = opts.firstSeed ?? SCENE_BENCHMARK_SEED;
  // Per (scene, class) pair: hit (0/1), mask energy and, for CAMERAS, the number of sizes kept.
  const sums: Record<string, { hits: number[]; energy: number[]; sizes: number[] }> = {};
  for (const name of Object.keys(methods)) sums[name] = { hits: [], energy: [], sizes: [] };
  for (let i = 0; i < n; i++) {
    const scene = generateScene(firstSeed + i, { width, height, numObjects: opts.objects ?? 1 });
    const classes = [...new Set(scene.objects.map((o) => o.classIndex))];
    for (const cls of classes) {
      const mask = new Uint8Array(width * height);
      for (const o of scene.objects) if (o.classIndex === cls) o.mask.forEach((v, k) => (mask[k] |= v));
      for (const [name, method] of Object.entries(methods)) {
        const r = await method(model, scene.image, { ...opts.options, ...opts.perMethod?.[name], target: cls });
        const s = sums[name];
        s.hits.push(pointingHit(mask, width, height, argmaxPoint(r.map, width, height)) ? 1 : 0);
        s.energy.push(maskEnergy(r.map, mask));
        if (r.accept !== undefined) s.sizes.push(r.sizesUsed.length);
      }
    }
    opts.onScene?.(i + 1, n);
  }
  return Object.fromEntries(
    Object.entries(sums).map(([name, s]) => [
      name,
      {
        pointingGame: mean(s.hits),
        maskEnergy: mean(s.energy),
        pairs: s.hits.length,
        ci: { pointingGame: meanInterval(s.hits), maskEnergy: meanInterval(s.energy) },
        ...(s.sizes.length ? { sizesUsedMean: mean(s.sizes), singleScale: s.sizes.filter((k) => k <= 1).length } : {}),
      },
    ]),
  );
}
