/**
 * The records `cameras eval` stores (one JSONL line per image and method) and the summary built
 * from them, the same for a run, a resumed run and a merge of shards.
 */
import type { PointingOutcome, PointingResult } from '../../metrics/pointing-game.js';
import { PointingGameTally } from '../../metrics/pointing-tally.js';
import type { MetricSummary } from '../../metrics/summary.js';
import { makeSummary, MeanTally, pointingResults } from '../../metrics/summary.js';
import type { RunRecord } from '../../node/run-store.js';

/** The data-set metrics `cameras eval` runs. */
export const EVAL_METRICS = ['pointing-game', 'density', 'insertion-deletion'] as const;

/** One of {@link EVAL_METRICS}. */
export type EvalMetric = (typeof EVAL_METRICS)[number];

/** Values each metric's entries carry and the summary averages (pointing game aside). */
export const METRIC_VALUES: Readonly<Record<Exclude<EvalMetric, 'pointing-game'>, readonly string[]>> = {
  density: ['rhoPlus', 'rhoMinus'],
  'insertion-deletion': ['insertion', 'deletion'],
};

/** One evaluated (image, method, class) triple. Numbers may be `null` in JSON (NaN). */
export interface EvalEntry {
  /** Data-set class (annotated runs). */
  readonly className?: string;
  readonly classIndex?: number;
  /** Model class explained and scored. */
  readonly target: number;
  readonly targetLabel?: string;
  /** Pointing game only. */
  readonly point?: { x: number; y: number };
  readonly all?: PointingOutcome;
  readonly difficult?: PointingOutcome;
  /** Density / insertion-deletion values. */
  readonly [value: string]: unknown;
}

/** What one line of the results file holds. */
export interface EvalRecord extends RunRecord {
  readonly key: string;
  readonly metric: EvalMetric;
  readonly model: string;
  /** Image id (file name without extension). */
  readonly image: string;
  readonly method: string;
  readonly entries: readonly EvalEntry[];
  /** Wall time of this item in milliseconds (ignored when shards are merged). */
  readonly ms: number;
}

/** The record key: `IMAGE/METHOD`. */
export function recordKey(image: string, method: string): string {
  return `${image}/${method}`;
}

function isEvalRecord(r: RunRecord): r is EvalRecord {
  const x = r as Partial<EvalRecord>;
  return typeof x.metric === 'string' && typeof x.model === 'string' && typeof x.image === 'string' && typeof x.method === 'string' && Array.isArray(x.entries);
}

/** Checks that stored records are eval records of one metric and model; returns them typed. */
export function checkRecords(records: readonly RunRecord[], where: string): EvalRecord[] {
  const out: EvalRecord[] = [];
  for (const r of records) {
    if (!isEvalRecord(r)) throw new Error(`${where}: record ${JSON.stringify(r.key)} is not a cameras eval record`);
    if (!(EVAL_METRICS as readonly string[]).includes(r.metric)) throw new Error(`${where}: unknown metric ${JSON.stringify(r.metric)}`);
    if (out.length > 0 && (r.metric !== out[0]!.metric || r.model !== out[0]!.model)) {
      throw new Error(`${where}: records of different runs (${out[0]!.metric}/${out[0]!.model} and ${r.metric}/${r.model})`);
    }
    out.push(r);
  }
  return out;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);

/** A run's summary plus the counts the Markdown caption states. */
export interface EvalSummary {
  /** The object `--json` prints last. */
  readonly summary: MetricSummary;
  /** Per method: entries averaged (density, insertion/deletion) or (image, class) pairs scored per split. */
  readonly counts: Record<string, Record<string, number>>;
}

/**
 * Summarise records: pointing game → per-class mean accuracies `{all, difficult}` (0..1);
 * density → mean `{rhoPlus, rhoMinus}`; insertion/deletion → mean `{insertion, deletion}` over
 * all (image, class) entries. `methods` fixes the row order (default: first appearance).
 */
export function summarizeRecords(metric: EvalMetric, model: string, records: readonly EvalRecord[], methods?: readonly string[]): EvalSummary {
  const order = methods ? [...methods] : [...new Set(records.map((r) => r.method))];
  const images = new Set(records.map((r) => r.image)).size;
  const counts: Record<string, Record<string, number>> = {};
  if (metric === 'pointing-game') {
    const maxClass = Math.max(0, ...records.flatMap((r) => r.entries.map((e) => e.classIndex ?? 0)));
    const names = Array.from({ length: maxClass + 1 }, (_, i) => `class ${i}`);
    for (const r of records) for (const e of r.entries) if (e.classIndex !== undefined && e.className) names[e.classIndex] = e.className;
    const tallies: Record<string, PointingGameTally> = {};
    for (const m of order) tallies[m] = new PointingGameTally(names);
    for (const r of records) {
      const t = tallies[r.method];
      if (!t) continue;
      for (const e of r.entries) {
        t.add({ imageId: r.image, classIndex: e.classIndex!, className: e.className!, point: e.point!, all: e.all!, difficult: e.difficult! } as PointingResult);
      }
    }
    for (const m of order) counts[m] = { all: tallies[m]!.pairs('all'), difficult: tallies[m]!.pairs('difficult') };
    const ci = Object.fromEntries(order.map((m) => [m, { all: tallies[m]!.interval('all'), difficult: tallies[m]!.interval('difficult') }]));
    return { summary: makeSummary(metric, model, images, withScaleCounts(pointingResults(tallies), records), { ci, n: counts }), counts };
  }
  const keys = METRIC_VALUES[metric];
  const tally = new MeanTally();
  for (const r of records) {
    if (!order.includes(r.method)) continue;
    for (const e of r.entries) tally.add(r.method, Object.fromEntries(keys.map((k) => [k, num(e[k])])));
  }
  const means = tally.means();
  const used = tally.counts();
  const results: Record<string, Record<string, number>> = {};
  for (const m of order) {
    results[m] = means[m] ?? Object.fromEntries(keys.map((k) => [k, Number.NaN]));
    counts[m] = Object.fromEntries(keys.map((k) => [k, used[m]?.[k]?.used ?? 0]));
  }
  const intervals = tally.intervals();
  const nan: [number, number] = [Number.NaN, Number.NaN];
  const ci = Object.fromEntries(order.map((m) => [m, intervals[m] ?? Object.fromEntries(keys.map((k) => [k, nan]))]));
  return { summary: makeSummary(metric, model, images, withScaleCounts(results, records), { ci, n: counts }), counts };
}

/**
 * Adds, for each method whose entries recorded the sizes they kept (CAMERAS), `sizesUsedMean` (the
 * mean number of sizes kept per map) and `singleScale` (the maps that kept one size or none, and so
 * are no sharper than the base size's Grad-CAM-like map).
 */
export function withScaleCounts(results: Record<string, Record<string, number>>, records: readonly EvalRecord[]): Record<string, Record<string, number>> {
  const out = { ...results };
  for (const m of Object.keys(results)) {
    const kept = records.filter((r) => r.method === m).flatMap((r) => r.entries.map((e) => e.sizesUsed)).filter((v): v is number => typeof v === 'number');
    if (kept.length === 0) continue;
    out[m] = { ...results[m], sizesUsedMean: kept.reduce((a, b) => a + b, 0) / kept.length, singleScale: kept.filter((k) => k <= 1).length };
  }
  return out;
}
