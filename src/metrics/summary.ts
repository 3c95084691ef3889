/**
 * Summaries of a data-set run, shaped like the paper's tables: methods as rows, metric values as
 * columns, as Markdown and as the JSON object that `cameras eval ... --json` prints last:
 * `{"metric": ..., "model": ..., "images": N, "results": {METHOD: {...}}}`.
 * Pointing-game results hold `all` and `difficult` accuracies in 0..1; density results `rhoPlus`
 * and `rhoMinus`; insertion/deletion `insertion` and `deletion` AUCs.
 */
import type { ClassMeanMode } from './pointing-tally.js';
import { PointingGameTally } from './pointing-tally.js';
import { meanInterval, type BootstrapOptions, type Interval } from './bootstrap.js';

/** The summary object. Non-finite numbers become `null` when serialised with JSON.stringify. */
export interface MetricSummary {
  readonly metric: string;
  readonly model: string;
  /** Images that contributed (after resume and sharding merges). */
  readonly images: number;
  /** Per method, metric name → value. */
  readonly results: Record<string, Record<string, number>>;
  /**
   * Per method, metric name → 95 % bootstrap interval `[low, high]` of that value (see
   * `metrics/bootstrap.ts`: items resampled for means; classes, then outcomes within each class, for the pointing game).
   */
  readonly ci?: Record<string, Record<string, Interval>>;
  /** Per method, metric name → the number of items behind the value ((image, class) pairs). */
  readonly n?: Record<string, Record<string, number>>;
}

/** Build the summary object (methods keep the insertion order of `results`). */
export function makeSummary(
  metric: string,
  model: string,
  images: number,
  results: Record<string, Record<string, number>>,
  extra: { ci?: Record<string, Record<string, Interval>>; n?: Record<string, Record<string, number>> } = {},
): MetricSummary {
  if (!Number.isInteger(images) || images < 0) throw new RangeError(`makeSummary: bad image count ${images}`);
  return { metric, model, images, results, ...(extra.ci ? { ci: extra.ci } : {}), ...(extra.n ? { n: extra.n } : {}) };
}

/** Pointing-game results of several methods: `{all, difficult}` mean accuracies (0..1) per method. */
export function pointingResults(tallies: Record<string, PointingGameTally>, mode: ClassMeanMode = 'evaluated'): Record<string, Record<string, number>> {
  return Object.fromEntries(Object.entries(tallies).map(([m, t]) => [m, { all: t.meanAccuracy('all', mode), difficult: t.meanAccuracy('difficult', mode) }]));
}

/**
 * Running means of named values per method (density ρ±, insertion/deletion AUCs). NaN values
 * (an undefined ρ⁺ for an all-zero map) are left out of the mean and counted in `skipped`.
 */
export class MeanTally {
  private readonly sums = new Map<string, Map<string, { sum: number; n: number; skipped: number; values: number[] }>>();

  /** Add one image's values for a method. */
  add(method: string, values: Readonly<Record<string, number>>): void {
    let m = this.sums.get(method);
    if (!m) this.sums.set(method, (m = new Map()));
    for (const [k, v] of Object.entries(values)) {
      if (typeof v !== 'number') throw new TypeError(`MeanTally: ${method}.${k} is not a number`);
      const a = m.get(k) ?? { sum: 0, n: 0, skipped: 0, values: [] };
      if (Number.isFinite(v)) {
        a.sum += v;
        a.n++;
        a.values.push(v);
      } else a.skipped++;
      m.set(k, a);
    }
  }

  /** Means per method (NaN for a value never finite). */
  means(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [method, m] of this.sums) {
      out[method] = Object.fromEntries([...m].map(([k, a]) => [k, a.n > 0 ? a.sum / a.n : Number.NaN]));
    }
    return out;
  }

  /** 95 % bootstrap intervals of the means (resampling the finite values). */
  intervals(options: BootstrapOptions = {}): Record<string, Record<string, Interval>> {
    const out: Record<string, Record<string, Interval>> = {};
    for (const [method, m] of this.sums) out[method] = Object.fromEntries([...m].map(([k, a]) => [k, meanInterval(a.values, options)]));
    return out;
  }

  /** How many values entered each mean and how many were skipped as non-finite. */
  counts(): Record<string, Record<string, { used: number; skipped: number }>> {
    const out: Record<string, Record<string, { used: number; skipped: number }>> = {};
    for (const [method, m] of this.sums) out[method] = Object.fromEntries([...m].map(([k, a]) => [k, { used: a.n, skipped: a.skipped }]));
    return out;
  }
}

/** How one column is shown in Markdown. */
export interface ColumnSpec {
  /** Key in each method's results. */
  readonly key: string;
  /** Column header (default: the key). */
  readonly title?: string;
  /** Multiply before printing (100 for percentages). Default 1. */
  readonly scale?: number;
  /** Decimals. Default 3. */
  readonly digits?: number;
}

/** Column layouts of the known metrics (the paper shows pointing accuracy in %). */
export const SUMMARY_COLUMNS: Readonly<Record<string, readonly ColumnSpec[]>> = Object.freeze({
  'pointing-game': [{ key: 'all', title: 'All (%)', scale: 100, digits: 1 }, { key: 'difficult', title: 'Difficult (%)', scale: 100, digits: 1 }],
  density: [{ key: 'rhoPlus', title: 'ρ⁺ ↑', digits: 3 }, { key: 'rhoMinus', title: 'ρ⁻ ↓', digits: 3 }],
  'insertion-deletion': [{ key: 'insertion', title: 'Insertion AUC ↑', digits: 4 }, { key: 'deletion', title: 'Deletion AUC ↓', digits: 4 }],
});

/** Columns added to any table whose methods report the sizes CAMERAS kept. */
export const SCALE_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { key: 'sizesUsedMean', title: 'Sizes kept (mean)', digits: 2 },
  { key: 'singleScale', title: 'Single-scale maps', digits: 0 },
]);

/**
 * Markdown table of a summary: a caption line, then one row per method. Columns default to the
 * metric's layout in {@link SUMMARY_COLUMNS}, else every key found. Undefined values print as `—`.
 */
export function summaryMarkdown(summary: MetricSummary, columns?: readonly ColumnSpec[]): string {
  const methods = Object.keys(summary.results);
  const known = SUMMARY_COLUMNS[summary.metric];
  const cols: readonly ColumnSpec[] = columns
    ?? (known ? [...known, ...SCALE_COLUMNS.filter((c) => methods.some((m) => c.key in summary.results[m]!))] : undefined)
    ?? [...new Set(methods.flatMap((m) => Object.keys(summary.results[m]!)))].map((key) => ({ key }));
  const num = (v: number, c: ColumnSpec) => (v * (c.scale ?? 1)).toFixed(c.digits ?? 3);
  const cell = (m: string, c: ColumnSpec) => {
    const v = summary.results[m]![c.key];
    if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
    const ci = summary.ci?.[m]?.[c.key];
    return ci && Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? `${num(v, c)} [${num(ci[0], c)}, ${num(ci[1], c)}]` : num(v, c);
  };
  // One count column: the items behind the first column (the others are the same items or a subset).
  const nKey = cols[0]?.key;
  const hasN = nKey !== undefined && methods.some((m) => summary.n?.[m]?.[nKey] !== undefined);
  const nCell = (m: string) => {
    const counts = summary.n?.[m] ?? {};
    const shown = [...new Set(cols.map((c) => counts[c.key]).filter((v): v is number => v !== undefined))];
    return shown.length ? shown.join(' / ') : '—';
  };
  const lines = [
    `**${summary.metric}**, model \`${summary.model}\`, ${summary.images} image${summary.images === 1 ? '' : 's'}${summary.ci ? '; [95 % bootstrap interval]' : ''}`,
    '',
    `| Method | ${cols.map((c) => c.title ?? c.key).join(' | ')}${hasN ? ' | n |' : ' |'}`,
    `|---|${cols.map(() => '---:').join('|')}|${hasN ? '---:|' : ''}`,
    ...methods.map((m) => `| ${m} | ${cols.map((c) => cell(m, c)).join(' | ')}${hasN ? ` | ${nCell(m)} |` : ' |'}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The summary as one line of JSON (NaN and infinities as `null`), the last line `--json` prints. */
export function summaryJson(summary: MetricSummary): string {
  return JSON.stringify(summary, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}
