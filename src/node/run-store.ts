/**
 * Durable per-item results for data-set runs: one JSON object per line (JSONL), appended and
 * fsynced as each item finishes, so a killed run resumes where it stopped with nothing lost or
 * repeated; deterministic sharding for cluster array jobs; merging of shard outputs.
 * One writer per file: shards write to different files and are merged afterwards.
 */
import { open, readFile, truncate } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** A stored result: any JSON object with a unique string `key` (e.g. `000456/cameras`). */
export interface RunRecord {
  readonly key: string;
  readonly [field: string]: unknown;
}

/** What reading a JSONL file found. */
export interface ReadRunResult {
  readonly records: RunRecord[];
  /** Byte length of the complete lines (where appending must resume). */
  readonly goodBytes: number;
  /** True when the file ended in a partial line (a process killed mid-write) that was ignored. */
  readonly truncatedTail: boolean;
}

function parseRecord(line: string, where: string): RunRecord {
  const r: unknown = JSON.parse(line);
  if (!r || typeof r !== 'object' || Array.isArray(r) || typeof (r as { key?: unknown }).key !== 'string') {
    throw new SyntaxError(`${where}: a record must be a JSON object with a string "key"`);
  }
  return r as RunRecord;
}

/**
 * Read a results file. A final line without its newline is a write cut short: it is ignored
 * unless it parses as a complete record. Any other malformed line is an error (never silently
 * dropped). A missing file reads as empty.
 */
export async function readRunFile(file: string): Promise<ReadRunResult> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], goodBytes: 0, truncatedTail: false };
    throw e;
  }
  const records: RunRecord[] = [];
  let start = 0;
  let line = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(0x0a, start);
    line++;
    if (nl < 0) {
      // Partial last line.
      const text = buf.subarray(start).toString('utf8');
      try {
        records.push(parseRecord(text, `${file}:${line}`));
        return { records, goodBytes: buf.length, truncatedTail: false };
      } catch {
        return { records, goodBytes: start, truncatedTail: true };
      }
    }
    const text = buf.subarray(start, nl).toString('utf8').trim();
    if (text.length > 0) {
      try {
        records.push(parseRecord(text, `${file}:${line}`));
      } catch (e) {
        throw new SyntaxError(`${file}:${line}: malformed result line (${(e as Error).message})`);
      }
    }
    start = nl + 1;
  }
  return { records, goodBytes: buf.length, truncatedTail: false };
}

/**
 * An append-only results file. Opening it reads what a previous run stored (cutting off a partial
 * last line so new lines start clean); {@link RunStore.has} tells which items to skip;
 * {@link RunStore.append} writes one finished item and fsyncs before returning.
 */
export class RunStore {
  private readonly keys: Set<string>;
  private constructor(
    /** The JSONL file. */
    readonly file: string,
    /** Records found when the store was opened, then those appended. */
    readonly records: RunRecord[],
    /** Whether opening cut off a partial line left by a killed run. */
    readonly recoveredTruncation: boolean,
    private handle: FileHandle | undefined,
    private needsNewline: boolean,
  ) {
    this.keys = new Set(records.map((r) => r.key));
  }

  /** Open (creating if needed) a results file for appending. */
  static async open(file: string): Promise<RunStore> {
    const found = await readRunFile(file);
    const seen = new Set<string>();
    for (const r of found.records) {
      if (seen.has(r.key)) throw new SyntaxError(`${file}: key ${JSON.stringify(r.key)} appears twice`);
      seen.add(r.key);
    }
    if (found.truncatedTail) await truncate(file, found.goodBytes);
    const handle = await open(file, 'a');
    // A complete record without its newline (killed between the two): terminate it first.
    const size = (await handle.stat()).size;
    let needsNewline = false;
    if (size > 0) {
      const last = Buffer.alloc(1);
      const fh = await open(file, 'r');
      try {
        await fh.read(last, 0, 1, size - 1);
      } finally {
        await fh.close();
      }
      needsNewline = last[0] !== 0x0a;
    }
    return new RunStore(file, [...found.records], found.truncatedTail, handle, needsNewline);
  }

  /** Whether an item with this key is already stored (skip it). */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Number of stored items. */
  get size(): number {
    return this.keys.size;
  }

  /**
   * Store one finished item durably: one line, written and fsynced before the promise resolves.
   * @throws Error when the key is already stored (an item must never be repeated) or the store is closed.
   */
  async append(record: RunRecord): Promise<void> {
    if (!this.handle) throw new Error(`${this.file}: store is closed`);
    if (typeof record.key !== 'string') throw new TypeError('append: record needs a string key');
    if (this.keys.has(record.key)) throw new Error(`${this.file}: key ${JSON.stringify(record.key)} is already stored`);
    const line = JSON.stringify(record);
    if (line.includes('\n')) throw new Error('append: serialised record contains a newline');
    await this.handle.write((this.needsNewline ? '\n' : '') + line + '\n');
    await this.handle.sync();
    this.needsNewline = false;
    this.keys.add(record.key);
    this.records.push(record);
  }

  /** Close the file. */
  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }
}

/** A shard of a data set: `index` in 0..count−1. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * Parse `--shard k/n` (0-based k: Kubernetes' JOB_COMPLETION_INDEX as is, Slurm's
 * SLURM_ARRAY_TASK_ID with `--array=0-(n-1)`).
 */
export function parseShard(spec: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!m) throw new RangeError(`--shard: expected k/n, got ${JSON.stringify(spec)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new RangeError(`--shard ${spec}: need 0 ≤ k < n`);
  return { index, count };
}

/**
 * The items of one shard: items sorted by `key` (code-unit order, independent of file listing
 * order and locale), the i-th of them belongs to shard i mod n. Keys must be unique.
 */
export function shardItems<T>(items: readonly T[], shard: Shard, key: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, k: key(item) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  for (let i = 1; i < keyed.length; i++) {
    if (keyed[i]!.k === keyed[i - 1]!.k) throw new RangeError(`shardItems: duplicate key ${JSON.stringify(keyed[i]!.k)}`);
  }
  return keyed.filter((_, i) => i % shard.count === shard.index).map((e) => e.item);
}

/** JSON with object keys sorted, for comparing records. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Options of {@link mergeRuns}. */
export interface MergeOptions {
  /** Top-level fields that may differ between duplicates (timings). Default `['ms', 'timestamp']`. */
  volatileFields?: readonly string[];
}

/**
 * Merge result files (e.g. the shards of one run). Duplicates of a key are kept once when they
 * agree (ignoring `volatileFields`); disagreeing duplicates are an error naming both files.
 * Records come back sorted by key.
 */
export async function mergeRuns(files: readonly string[], options: MergeOptions = {}): Promise<RunRecord[]> {
  const volatile = new Set(options.volatileFields ?? ['ms', 'timestamp']);
  const stable = (r: RunRecord) => canonical(Object.fromEntries(Object.entries(r).filter(([k]) => !volatile.has(k))));
  const byKey = new Map<string, { record: RunRecord; file: string; sig: string }>();
  for (const file of files) {
    const { records } = await readRunFile(file);
    for (const record of records) {
      const sig = stable(record);
      const prev = byKey.get(record.key);
      if (!prev) byKey.set(record.key, { record, file, sig });
      else if (prev.sig !== sig) {
        throw new Error(`mergeRuns: key ${JSON.stringify(record.key)} differs between ${prev.file} and ${file}`);
      }
    }
  }
  return [...byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((k) => byKey.get(k)!.record);
}

/** Options of {@link processItems}. */
export interface ProcessOptions {
  /** Told about each finished or skipped item. */
  onItem?: (key: string, skipped: boolean) => void;
}

/**
 * The resume loop of a data-set run: for each item in order, skip it when its key is stored,
 * otherwise compute its record and append it (fsynced) before moving on. An exception stops the
 * run with everything finished so far stored; running again continues from there.
 *
 * @returns How many items were computed now and how many were already stored.
 */
export async function processItems<T>(
  store: RunStore,
  items: readonly T[],
  key: (item: T) => string,
  compute: (item: T) => Promise<Readonly<Record<string, unknown>>>,
  options: ProcessOptions = {},
): Promise<{ computed: number; skipped: number }> {
  let computed = 0;
  let skipped = 0;
  for (const item of items) {
    const k = key(item);
    if (store.has(k)) {
      skipped++;
      options.onItem?.(k, true);
      continue;
    }
    const fields = await compute(item);
    await store.append({ ...fields, key: k });
    computed++;
    options.onItem?.(k, false);
  }
  return { computed, skipped };
}
