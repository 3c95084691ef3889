/**
 * 95 % percentile bootstrap intervals for the numbers `cameras eval` reports, seeded so that a
 * summary is reproducible to the digit: a mean over items (ρ±, AUCs) resamples the items; the
 * pointing game's mean of per-class accuracies resamples the classes, then the outcomes within each
 * drawn class (a two-stage bootstrap: see {@link classMeanInterval}).
 */

/** A closed interval `[low, high]`. */
export type Interval = readonly [number, number];

/** Options of the bootstrap. */
export interface BootstrapOptions {
  /** Resamples (default 1000). */
  readonly resamples?: number;
  /** Coverage (default 0.95). */
  readonly level?: number;
  /** Seed of the generator (default fixed). */
  readonly seed?: number;
}

/** The default seed: the same summary gives the same interval on every run. */
export const BOOTSTRAP_SEED = 20211;

/** mulberry32: a small, fast, seedable generator of uniforms in [0, 1). */
export function seededUniform(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentiles(stats: number[], level: number): Interval {
  if (stats.length === 0) return [Number.NaN, Number.NaN];
  stats.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  const at = (q: number) => stats[Math.min(stats.length - 1, Math.max(0, Math.floor(q * stats.length)))]!;
  return [at(tail), at(1 - tail)];
}

function check(o: BootstrapOptions): { resamples: number; level: number; seed: number } {
  const resamples = o.resamples ?? 1000;
  const level = o.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap: level must be in (0, 1), got ${level}`);
  return { resamples, level, seed: o.seed ?? BOOTSTRAP_SEED };
}

/** Interval of the mean of `values` (non-finite values are left out); NaNs when none is finite. */
export function meanInterval(values: readonly number[], options: BootstrapOptions = {}): Interval {
  const { resamples, level, seed } = check(options);
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return [Number.NaN, Number.NaN];
  const draw = seededUniform(seed);
  const stats: number[] = [];
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < v.length; i++) sum += v[Math.floor(draw() * v.length)]!;
    stats.push(sum / v.length);
  }
  return percentiles(stats, level);
}

/** Hits out of trials of one class. */
export interface ClassCount {
  readonly hits: number;
  readonly total: number;
}

/**
 * Interval of the mean of per-class accuracies (TorchRay's pointing accuracy) by a two-stage
 * bootstrap: the classes are resampled with replacement, then the outcomes within each drawn class.
 * Resampling within classes alone understates the spread when classes hold one or two items (an
 * ImageNet subset: 1,671 images of 731 classes), because a class of one item never varies; the class
 * stage carries the variation between classes. Classes with no trial are left out, as in the point
 * estimate.
 */
export function classMeanInterval(classes: readonly ClassCount[], options: BootstrapOptions = {}): Interval {
  const { resamples, level, seed } = check(options);
  const used = classes.filter((c) => c.total > 0);
  if (used.length === 0) return [Number.NaN, Number.NaN];
  const draw = seededUniform(seed);
  const stats: number[] = [];
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let k = 0; k < used.length; k++) {
      const c = used[Math.floor(draw() * used.length)]!;
      const p = c.hits / c.total;
      let h = 0;
      for (let i = 0; i < c.total; i++) if (draw() < p) h++;
      sum += h / c.total;
    }
    stats.push(sum / used.length);
  }
  return percentiles(stats, level);
}
