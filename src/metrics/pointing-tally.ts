import type { PointingResult } from './pointing-game.js';
import { classMeanInterval, type BootstrapOptions, type Interval } from './bootstrap.js';

/** The two splits of the benchmark. */
export type PointingSplit = 'all' | 'difficult';

/**
 * How the mean over classes treats classes without any result: `evaluated` averages over classes
 * with at least one hit or miss (the sensible number on a partial data set); `all-classes` counts
 * such classes as accuracy 0, literally what TorchRay's `hits / max(hits + misses, 1)` followed by a
 * mean over every class gives. On the full VOC07 test set both agree.
 */
export type ClassMeanMode = 'evaluated' | 'all-classes';

/** Accuracy of one class in one split. */
export interface ClassAccuracy {
  readonly className: string;
  readonly hits: number;
  readonly misses: number;
  /** hits / (hits + misses); NaN when the class has no result. */
  readonly accuracy: number;
}

/** Serialisable summary of a tally. */
export interface PointingSummary {
  /** Mean per-class accuracy of the full split, 0..1 (NaN when nothing was scored). */
  readonly all: number;
  /** Mean per-class accuracy of the difficult split, 0..1 (NaN when nothing was scored). */
  readonly difficult: number;
  /** (image, class) pairs scored in each split. */
  readonly pairs: { readonly all: number; readonly difficult: number };
  /** Per-class details, by split. */
  readonly perClass: { readonly all: ClassAccuracy[]; readonly difficult: ClassAccuracy[] };
}

/**
 * Accumulates pointing-game results into per-class hit and miss counts for both splits.
 * Add each result once; the run store guarantees that across resumed runs.
 */
export class PointingGameTally {
  /** Class names, indexed like `PointingResult.classIndex`. */
  readonly classNames: readonly string[];
  private readonly counts: Record<PointingSplit, { hits: Float64Array; misses: Float64Array }>;

  /** @param classNames - Names of the data set's classes in index order (e.g. `VOC_CLASSES`). */
  constructor(classNames: readonly string[]) {
    if (classNames.length === 0) throw new RangeError('PointingGameTally: no classes');
    this.classNames = [...classNames];
    const n = classNames.length;
    this.counts = {
      all: { hits: new Float64Array(n), misses: new Float64Array(n) },
      difficult: { hits: new Float64Array(n), misses: new Float64Array(n) },
    };
  }

  /** Add one result (skipped outcomes are ignored). */
  add(result: PointingResult): void {
    const c = result.classIndex;
    if (!Number.isInteger(c) || c < 0 || c >= this.classNames.length) {
      throw new RangeError(`PointingGameTally: class index ${c} outside 0..${this.classNames.length - 1}`);
    }
    for (const split of ['all', 'difficult'] as const) {
      const o = result[split];
      if (o === 'hit') this.counts[split].hits[c]! += 1;
      else if (o === 'miss') this.counts[split].misses[c]! += 1;
      else if (o !== 'skipped') throw new TypeError(`PointingGameTally: bad outcome ${String(o)}`);
    }
  }

  /** Add many results. */
  addAll(results: Iterable<PointingResult>): this {
    for (const r of results) this.add(r);
    return this;
  }

  /** Per-class accuracies of one split, in class order. */
  classAccuracies(split: PointingSplit): ClassAccuracy[] {
    const { hits, misses } = this.counts[split];
    return this.classNames.map((className, i) => {
      const h = hits[i]!;
      const m = misses[i]!;
      return { className, hits: h, misses: m, accuracy: h + m > 0 ? h / (h + m) : Number.NaN };
    });
  }

  /** Mean of the per-class accuracies of one split (NaN when no class has a result). */
  meanAccuracy(split: PointingSplit, mode: ClassMeanMode = 'evaluated'): number {
    const acc = this.classAccuracies(split);
    const used = mode === 'all-classes' ? acc.map((a) => (Number.isNaN(a.accuracy) ? 0 : a.accuracy)) : acc.filter((a) => !Number.isNaN(a.accuracy)).map((a) => a.accuracy);
    if (used.length === 0 || (mode === 'all-classes' && acc.every((a) => Number.isNaN(a.accuracy)))) return Number.NaN;
    return used.reduce((s, v) => s + v, 0) / used.length;
  }

  /** 95 % bootstrap interval of {@link meanAccuracy} (`evaluated` mode), resampling classes, then outcomes within each class. */
  interval(split: PointingSplit, options: BootstrapOptions = {}): Interval {
    const { hits, misses } = this.counts[split];
    return classMeanInterval(Array.from(hits, (h, i) => ({ hits: h, total: h + misses[i]! })), options);
  }

  /** Number of scored (image, class) pairs in a split. */
  pairs(split: PointingSplit): number {
    const { hits, misses } = this.counts[split];
    let n = 0;
    for (let i = 0; i < hits.length; i++) n += hits[i]! + misses[i]!;
    return n;
  }

  /** Summary with `all` and `difficult` mean accuracies (0..1), as the summary JSON reports them. */
  summary(mode: ClassMeanMode = 'evaluated'): PointingSummary {
    return {
      all: this.meanAccuracy('all', mode),
      difficult: this.meanAccuracy('difficult', mode),
      pairs: { all: this.pairs('all'), difficult: this.pairs('difficult') },
      perClass: { all: this.classAccuracies('all'), difficult: this.classAccuracies('difficult') },
    };
  }
}
