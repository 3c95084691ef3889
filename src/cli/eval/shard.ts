/**
 * Running `cameras eval` as the workers of a cluster job: the shard from the scheduler
 * (`--shard auto`: Kubernetes Indexed Jobs, Slurm job arrays), a small manifest per shard beside
 * its results file (which shard it is, of what run, which items it owes), and the state of a
 * folder of shards for `cameras eval merge --out DIR` (complete, partial, missing).
 *
 * Everything a shard writes has the shard in its file name, so any number of workers can share one
 * output folder on a shared volume: no two write the same file.
 */
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../node/atomic-write.js';
import type { LockOptions } from '../../node/file-lock.js';
import { acquireLock } from '../../node/file-lock.js';
import type { RunRecord, Shard } from '../../node/run-store.js';
import { parseShard, readRunFile } from '../../node/run-store.js';
import { recordKey } from './records.js';
import type { EvalPlan } from './run.js';

/** Where a shard came from: `--shard k/n`, a Kubernetes Indexed Job, a Slurm job array. */
export type ShardSource = 'manual' | 'kubernetes' | 'slurm';

/** A shard with where it came from. */
export interface ResolvedShard extends Shard {
  readonly source: ShardSource;
  /** The environment variables it was read from (empty for `--shard k/n`). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The shard count for `--shard auto` when neither `auto/N` nor the scheduler gives it (Kubernetes
 * does not tell a pod the Job's `completions`: set this to the same number).
 */
export const SHARD_COUNT_ENV = 'CAMERAS_SHARD_COUNT';

const K8S_INDEX = 'JOB_COMPLETION_INDEX';
const SLURM = ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MAX', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_STEP'] as const;

type Env = Readonly<Record<string, string | undefined>>;

function envInt(env: Env, name: string, min: number): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < min) throw new RangeError(`--shard auto: ${name}=${JSON.stringify(v)} is not an integer ≥ ${min}`);
  return Number(v);
}

function picked(env: Env, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => env[n] !== undefined && env[n]!.trim() !== '').map((n) => [n, env[n]!.trim()]));
}

/**
 * Parses `--shard`: `k/n` as it is, or `auto` / `auto/N` from the scheduler's environment.
 *
 * - Kubernetes Indexed Job: shard `JOB_COMPLETION_INDEX` of N, N from `auto/N` or
 *   `$CAMERAS_SHARD_COUNT` (the Job's `completions`).
 * - Slurm job array, `--shard auto`: shard `(SLURM_ARRAY_TASK_ID − MIN) / STEP` of
 *   `SLURM_ARRAY_TASK_COUNT`, so `--array=1-8` works as well as `--array=0-7`. An array with gaps
 *   (`--array=0,2,5`) is refused: its tasks cannot cover every item.
 * - Slurm job array with a count (`auto/N` or `$CAMERAS_SHARD_COUNT`): shard
 *   `SLURM_ARRAY_TASK_ID` of N, so that `sbatch --array=3,7` runs shards 3 and 7 again.
 *
 * A count given twice (`auto/N` and the variable) must agree: a worker that disagreed with its
 * siblings about N would evaluate the wrong items.
 *
 * @throws RangeError with a one-line message on a malformed spec, a missing or contradictory
 *   environment, or an index outside 0..n−1.
 */
export function resolveShard(spec: string, env: Env = process.env): ResolvedShard {
  const m = /^\s*auto\s*(?:\/\s*(\S+)\s*)?$/.exec(spec);
  if (!m) return { ...parseShard(spec), source: 'manual', env: {} };
  let given: number | undefined;
  if (m[1] !== undefined) {
    if (!/^\d+$/.test(m[1]) || Number(m[1]) < 1) throw new RangeError(`--shard ${spec}: expected auto or auto/N with N ≥ 1`);
    given = Number(m[1]);
  }
  const fromVar = envInt(env, SHARD_COUNT_ENV, 1);
  if (given !== undefined && fromVar !== undefined && given !== fromVar) {
    throw new RangeError(`--shard ${spec} but ${SHARD_COUNT_ENV}=${fromVar}: give the count once, or the same`);
  }
  const k8s = envInt(env, K8S_INDEX, 0);
  const slurmId = envInt(env, SLURM[0], 0);
  if (k8s !== undefined && slurmId !== undefined) {
    throw new RangeError(`--shard auto: both ${K8S_INDEX} and SLURM_ARRAY_TASK_ID are set; give --shard k/n`);
  }
  const count = given ?? fromVar;
  if (k8s !== undefined) {
    if (count === undefined) {
      throw new RangeError(`--shard auto: ${K8S_INDEX}=${k8s} but no shard count: use --shard auto/N or set ${SHARD_COUNT_ENV} (the Job's completions)`);
    }
    if (k8s >= count) throw new RangeError(`--shard auto: ${K8S_INDEX}=${k8s} is not below the shard count ${count}`);
    return { index: k8s, count, source: 'kubernetes', env: picked(env, [K8S_INDEX, ...(fromVar !== undefined ? [SHARD_COUNT_ENV] : [])]) };
  }
  if (slurmId !== undefined) {
    const vars = picked(env, [...SLURM, ...(fromVar !== undefined ? [SHARD_COUNT_ENV] : [])]);
    const array = Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(' ');
    if (count !== undefined) {
      // A count given: task ids are shard indices, so `sbatch --array=3,7` runs shards 3 and 7 again.
      if (slurmId >= count) {
        throw new RangeError(`--shard auto: SLURM_ARRAY_TASK_ID=${slurmId} is not below the shard count ${count}; with a count given the task ids are the shard indices (--array=0-${count - 1} or some of them)`);
      }
      return { index: slurmId, count, source: 'slurm', env: vars };
    }
    const min = envInt(env, 'SLURM_ARRAY_TASK_MIN', 0) ?? 0;
    const max = envInt(env, 'SLURM_ARRAY_TASK_MAX', 0);
    const step = envInt(env, 'SLURM_ARRAY_TASK_STEP', 1) ?? 1;
    const slurmCount = envInt(env, 'SLURM_ARRAY_TASK_COUNT', 1);
    if (max !== undefined && (max < min || (max - min) % step !== 0)) throw new RangeError(`--shard auto: inconsistent Slurm array (${array})`);
    const span = max !== undefined ? (max - min) / step + 1 : undefined;
    if (span !== undefined && slurmCount !== undefined && span !== slurmCount) {
      throw new RangeError(`--shard auto: the Slurm array has gaps (${array}); submit a range, or give the count (--shard auto/N) to run some shards again`);
    }
    const n = slurmCount ?? span;
    if (n === undefined) {
      throw new RangeError(`--shard auto: SLURM_ARRAY_TASK_ID=${slurmId} but no SLURM_ARRAY_TASK_COUNT or MIN/MAX: use --shard auto/N`);
    }
    if (slurmId < min || (slurmId - min) % step !== 0) throw new RangeError(`--shard auto: SLURM_ARRAY_TASK_ID=${slurmId} is not a task of the array (${array})`);
    const index = (slurmId - min) / step;
    if (index >= n) throw new RangeError(`--shard auto: SLURM_ARRAY_TASK_ID=${slurmId} gives shard ${index}, not below the shard count ${n} (${array})`);
    return { index, count: n, source: 'slurm', env: vars };
  }
  throw new RangeError(
    `--shard ${spec}: no scheduler index in the environment (${K8S_INDEX} of a Kubernetes Indexed Job, SLURM_ARRAY_TASK_ID of a Slurm job array); give --shard k/n`,
  );
}

/** One line for stderr: `shard 2/3 (kubernetes: JOB_COMPLETION_INDEX=2)`. */
export function describeShard(s: ResolvedShard): string {
  const vars = Object.entries(s.env).map(([k, v]) => `${k}=${v}`).join(' ');
  return `shard ${s.index}/${s.count}${s.source === 'manual' ? '' : ` (${s.source}: ${vars})`}`;
}

/** The manifest format tag (and version). */
export const SHARD_MANIFEST_FORMAT = 'cameras-eval-shard/1';

/**
 * What a shard worker writes beside its results file when it starts and when it ends: the shard,
 * the run it belongs to (metric, model, methods, settings, selection) and the images it owes, so
 * that a merge can tell complete from partial shards and refuse shards of another run.
 */
export interface ShardManifest {
  readonly format: typeof SHARD_MANIFEST_FORMAT;
  readonly metric: string;
  readonly model: string;
  readonly shard: { readonly index: number; readonly count: number; readonly source: ShardSource; readonly env: Readonly<Record<string, string>> };
  readonly methods: readonly string[];
  /** The settings stored in every record (sizes, layer, …). */
  readonly settings: unknown;
  /** `--limit`, or null. */
  readonly limit: number | null;
  /** Images of the whole run (after `--limit`, before sharding). */
  readonly totalImages: number;
  /** This shard's image ids. */
  readonly images: readonly string[];
  /** `running` from the start until the worker finishes; a killed worker leaves `running`. */
  readonly state: 'running' | 'finished';
  /** Images that failed in the last run of this shard (they have no records). */
  readonly failed: readonly { readonly image: string; readonly error: string }[];
  readonly host: string;
  readonly pid: number;
  readonly started: string;
  readonly updated: string;
}

/** `density-m-shard-0-of-3.jsonl` → `density-m-shard-0-of-3.shard.json`. */
export function manifestFile(resultsFile: string): string {
  return resultsFile.replace(/\.jsonl$/, '') + '.shard.json';
}

/** Fields of {@link ShardManifest} that make two shards parts of the same run. */
const RUN_FIELDS = ['metric', 'model', 'methods', 'settings', 'limit', 'totalImages'] as const;

/** JSON with sorted object keys (settings compare equal whatever order they were built in). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The first run field where two manifests differ, or undefined. */
function runDifference(a: ShardManifest, b: ShardManifest): (typeof RUN_FIELDS)[number] | undefined {
  return RUN_FIELDS.find((f) => canonicalJson(a[f]) !== canonicalJson(b[f]));
}

/** Reads a manifest; undefined when there is none. @throws on a file that is not one. */
export async function readManifest(file: string): Promise<ShardManifest | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let m: Partial<ShardManifest>;
  try {
    m = JSON.parse(text) as Partial<ShardManifest>;
  } catch (e) {
    throw new Error(`${file}: not a shard manifest (${(e as Error).message})`);
  }
  if (m.format !== SHARD_MANIFEST_FORMAT || !m.shard || !Array.isArray(m.images) || !Array.isArray(m.methods)) {
    throw new Error(`${file}: not a ${SHARD_MANIFEST_FORMAT} manifest`);
  }
  return m as ShardManifest;
}

/** What a worker knows when it starts: fills a manifest. */
export interface ShardPlan {
  readonly metric: string;
  readonly model: string;
  readonly shard: ResolvedShard;
  readonly methods: readonly string[];
  readonly settings: unknown;
  readonly limit?: number;
  readonly totalImages: number;
  readonly images: readonly string[];
}

/**
 * Writes (atomically) the manifest of a shard that starts. A manifest already there from an earlier
 * attempt at this shard must describe the same run and images: a worker must not resume another
 * run's shard file (e.g. after `--limit` or the image folder changed).
 *
 * @throws Error naming the differing field.
 */
export async function startManifest(file: string, plan: ShardPlan): Promise<ShardManifest> {
  const now = new Date().toISOString();
  const m: ShardManifest = {
    format: SHARD_MANIFEST_FORMAT,
    metric: plan.metric,
    model: plan.model,
    shard: { index: plan.shard.index, count: plan.shard.count, source: plan.shard.source, env: plan.shard.env },
    methods: [...plan.methods],
    settings: plan.settings,
    limit: plan.limit ?? null,
    totalImages: plan.totalImages,
    images: [...plan.images],
    state: 'running',
    failed: [],
    host: os.hostname(),
    pid: process.pid,
    started: now,
    updated: now,
  };
  const old = await readManifest(file);
  if (old) {
    const diff = runDifference(old, m) ?? (canonicalJson(old.images) !== canonicalJson(m.images) ? 'images' : undefined);
    if (diff) {
      throw new Error(`${file}: this shard was started with another ${diff} (${JSON.stringify(old[diff as keyof ShardManifest])}); use another --out`);
    }
  }
  await writeFileAtomic(file, `${JSON.stringify(m, null, 1)}\n`);
  return m;
}

/** Writes the manifest of a shard whose worker finished (with or without failed images). */
export async function finishManifest(file: string, started: ShardManifest, failed: readonly { image: string; error: string }[]): Promise<void> {
  const m: ShardManifest = { ...started, state: 'finished', failed: [...failed], updated: new Date().toISOString() };
  await writeFileAtomic(file, `${JSON.stringify(m, null, 1)}\n`);
}

/** The state of one shard of a folder. */
export interface ShardStatus {
  readonly index: number;
  /**
   * `complete`: every item it owes is stored; `partial`: some are missing (a worker killed or still
   * running, or failed images); `missing`: no file of this shard; `unknown`: results without a
   * manifest (written by an older version), so what it owes is not known.
   */
  readonly state: 'complete' | 'partial' | 'missing' | 'unknown';
  /** Items stored (of those it owes when known). */
  readonly stored: number;
  /** Items it owes (images × methods); undefined without a manifest. */
  readonly expected?: number;
  /** The manifest, when there is one. */
  readonly manifest?: ShardManifest;
  /** The results file, when there is one. */
  readonly file?: string;
}

/** The shards of one run found in a folder. */
export interface ShardFolder {
  /** `<metric>-<model>` of the results files. */
  readonly stem: string;
  readonly count: number;
  /** One per index 0..count−1. */
  readonly shards: readonly ShardStatus[];
  /** The results files present, in shard order. */
  readonly files: readonly string[];
}

const SHARD_FILE = /^(.+)-shard-(\d+)-of-(\d+)(\.jsonl|\.shard\.json)$/;

/**
 * Finds the shards of one run in `dir` and checks them: one run (a folder holding two runs' shards
 * is refused: name the files instead), one shard count, manifests that agree on the run
 * (metric, model, methods, settings, `--limit`, image count).
 *
 * @throws Error with a one-line message on any disagreement, or when `dir` holds no shard.
 */
export async function scanShardFolder(dir: string): Promise<ShardFolder> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new Error(`${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (e as Error).message}`);
  }
  const found = names.map((n) => ({ n, m: SHARD_FILE.exec(n) })).filter((x) => x.m) as { n: string; m: RegExpExecArray }[];
  if (found.length === 0) throw new Error(`${dir}: no shard results (*-shard-K-of-N.jsonl)`);
  const stems = [...new Set(found.map((x) => x.m[1]!))];
  if (stems.length > 1) throw new Error(`${dir} holds the shards of ${stems.length} runs (${stems.join(', ')}): give the files of one`);
  const counts = [...new Set(found.map((x) => Number(x.m[3])))];
  if (counts.length > 1) throw new Error(`${dir} holds shards of different splits (of ${counts.sort((a, b) => a - b).join(', of ')}): merge one split, move the others away`);
  const stem = stems[0]!;
  const count = counts[0]!;
  const shards: ShardStatus[] = [];
  let first: ShardManifest | undefined;
  for (let index = 0; index < count; index++) {
    const base = path.join(dir, `${stem}-shard-${index}-of-${count}`);
    const file = `${base}.jsonl`;
    const has = found.some((x) => x.n === path.basename(file));
    const manifest = await readManifest(`${base}.shard.json`);
    if (manifest) {
      if (manifest.shard.index !== index || manifest.shard.count !== count) {
        throw new Error(`${base}.shard.json: says shard ${manifest.shard.index}/${manifest.shard.count}, its name ${index}/${count}`);
      }
      if (first) {
        const diff = runDifference(first, manifest);
        if (diff) {
          throw new Error(`shards ${first.shard.index} and ${index} in ${dir} ran with different ${diff} (${canonicalJson(first[diff])} and ${canonicalJson(manifest[diff])}): not merged`);
        }
      } else first = manifest;
    }
    const records = has ? (await readRunFile(file)).records : [];
    if (!manifest) {
      shards.push({ index, state: has ? 'unknown' : 'missing', stored: records.length, ...(has ? { file } : {}) });
      continue;
    }
    const keys = new Set(records.map((r) => r.key));
    const owed = manifest.images.flatMap((im) => manifest.methods.map((m) => recordKey(im, m)));
    const stored = owed.filter((k) => keys.has(k)).length;
    shards.push({ index, state: stored === owed.length ? 'complete' : 'partial', stored, expected: owed.length, manifest, ...(has ? { file } : {}) });
  }
  return { stem, count, shards, files: shards.flatMap((s) => (s.file ? [s.file] : [])) };
}

/** One stderr line per shard and a last line with the shards to run again. */
export function shardReport(folder: ShardFolder): string[] {
  const lines = folder.shards.map((s) => {
    const head = `shard ${s.index}/${folder.count}: ${s.state}`;
    if (s.state === 'missing') return `${head} (no results)`;
    const items = s.expected !== undefined ? `${s.stored}/${s.expected} items` : `${s.stored} items, no manifest`;
    const m = s.manifest;
    const more = m
      ? [
          m.shard.source === 'manual' ? '' : `${m.shard.source} ${Object.entries(m.shard.env).map(([k, v]) => `${k}=${v}`).join(' ')}`,
          s.state === 'partial' ? (m.state === 'running' ? `worker on ${m.host} stopped or still running` : `${m.failed.length} image${m.failed.length === 1 ? '' : 's'} failed${m.failed[0] ? ` (${m.failed[0].image}: ${m.failed[0].error})` : ''}`) : '',
        ].filter(Boolean)
      : [];
    return `${head}, ${items}${more.length ? `; ${more.join('; ')}` : ''}`;
  });
  const rerun = folder.shards.filter((s) => s.state !== 'complete').map((s) => s.index);
  const done = folder.count - rerun.length;
  lines.push(rerun.length === 0 ? `all ${folder.count} shards complete` : `${done} of ${folder.count} shards complete; run again: ${rerun.join(',')}`);
  return lines;
}

/**
 * Checks that records (of one metric and model) were all made with the same settings: shards of
 * one run never differ, so a difference means files of two runs were named together.
 *
 * @throws Error naming the two settings.
 */
export function checkSameSettings(records: readonly RunRecord[], where: string): void {
  let first: { key: string; s: string } | undefined;
  for (const r of records) {
    const s = canonicalJson(r.settings ?? null);
    if (!first) first = { key: r.key, s };
    else if (s !== first.s) throw new Error(`${where}: ${JSON.stringify(first.key)} and ${JSON.stringify(r.key)} were made with different settings (${first.s} and ${s}): not merged`);
  }
}

/** A shard worker's bookkeeping around a run: its lock and its manifest. */
export interface ShardWorker {
  /** Pass as `onPlan` to `runEvaluation`: writes the manifest before any item is computed. */
  readonly onPlan: (plan: EvalPlan) => Promise<void>;
  /** Marks the manifest finished (after the run, failed images listed). */
  finish(failed: readonly { image: string; error: string }[]): Promise<void>;
  /** Releases the lock. */
  release(): Promise<void>;
}

/** Options of {@link startShardWorker}. */
export interface ShardWorkerOptions {
  /** The shard's results file (`resultsFile(out, metric, model, shard)`). */
  readonly file: string;
  readonly metric: string;
  readonly model: string;
  readonly shard: ResolvedShard;
  readonly methods: readonly string[];
  readonly limit?: number;
  readonly note: (message: string) => void;
  /** Lock timing (tests). */
  readonly lock?: LockOptions;
}

/**
 * Starts a shard worker: takes the lock of its results file (`FILE.lock`), waiting while another
 * live worker runs the same shard, so a duplicate pod or a requeued task never writes the file
 * twice at once; then resumes like any run.
 */
export async function startShardWorker(o: ShardWorkerOptions): Promise<ShardWorker> {
  const lock = await acquireLock(`${o.file}.lock`, {
    ...o.lock,
    onWait: (holder) => o.note(`${describeShard(o.shard)}: ${holder} is running this shard (${o.file}.lock); waiting for it to finish or stop`),
    onTakeOver: (holder) => o.note(`${describeShard(o.shard)}: taking over from ${holder}, which stopped`),
  });
  let started: ShardManifest | undefined;
  return {
    onPlan: async (plan) => {
      started = await startManifest(manifestFile(plan.file), {
        metric: o.metric,
        model: o.model,
        shard: o.shard,
        methods: o.methods,
        settings: plan.settings,
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        totalImages: plan.totalImages,
        images: plan.images,
      });
    },
    finish: async (failed) => {
      if (started) await finishManifest(manifestFile(o.file), started, failed);
    },
    release: () => lock.release(),
  };
}

/** What {@link mergeShardFolder} found. */
export interface FolderMerge {
  /** The results files to merge. */
  readonly files: string[];
  /** Shards not complete (missing, partial, unknown), empty when all are. */
  readonly incomplete: readonly number[];
  /** The report's last line (`2 of 3 shards complete; run again: 1`). */
  readonly verdict: string;
}

/**
 * `cameras eval merge --out DIR`: reports each shard of the run in `DIR` (one note per shard) and
 * returns the files there are, so that what is there gets merged.
 *
 * @throws Error when the folder holds no shard results, or shards that must not be merged.
 */
export async function mergeShardFolder(dir: string, note: (message: string) => void): Promise<FolderMerge> {
  const folder = await scanShardFolder(dir);
  const lines = shardReport(folder);
  for (const l of lines) note(l);
  if (folder.files.length === 0) throw new Error(`${dir}: no shard has stored results yet`);
  return { files: [...folder.files], incomplete: folder.shards.filter((s) => s.state !== 'complete').map((s) => s.index), verdict: lines[lines.length - 1]! };
}

/**
 * Refuses to replace a results file holding results the merge does not have (an unsharded run in
 * the same folder, say): the merged file may replace an earlier merge, never lose work.
 *
 * @throws Error naming the file and how many results it would lose.
 */
export async function checkMergeTarget(file: string, merged: readonly RunRecord[]): Promise<void> {
  const { records } = await readRunFile(file);
  const keys = new Set(merged.map((r) => r.key));
  const lost = records.filter((r) => !keys.has(r.key)).length;
  if (lost > 0) throw new Error(`${file} holds ${lost} result${lost === 1 ? '' : 's'} that the shards do not: not replaced (merge into another --out)`);
}
