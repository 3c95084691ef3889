import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/**
 * Files are first written under a hidden temporary name in the destination folder, then renamed:
 * a rename within one file system is atomic, so readers see either the old file or the whole new
 * one, never a partial write, even if the process is killed. The marker in the name lets
 * {@link removeStaleTempFiles} find leftovers of killed processes.
 */
const TEMP_MARKER = '.cameras-tmp-';

/** The temporary sibling of `target`: `.<name>.cameras-tmp-<pid>-<random>` in the same folder. */
function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}${TEMP_MARKER}${process.pid}-${randomBytes(6).toString('hex')}`);
}

async function writeDurably(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fsp.open(file, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    // Without fsync a crash after the rename could leave a renamed but empty file.
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function removeQuietly(file: string): Promise<void> {
  await fsp.rm(file, { force: true }).catch(() => undefined);
}

/**
 * Write `data` to `target` atomically: temp file in the same folder, flushed, then renamed over
 * the target. On any error the temp file is removed and the target is untouched. The folder must
 * exist.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(target);
  try {
    await writeDurably(temp, data);
    await fsp.rename(temp, target);
  } catch (e) {
    await removeQuietly(temp);
    throw e;
  }
}

interface Staged {
  readonly target: string;
  readonly temp: string;
}

/**
 * All the output files of one unit of work (one image: overlay PNG, `.npy`, side-by-side PNG),
 * committed all together or not at all, so that a failure midway leaves nothing partial in the
 * output folder.
 *
 * `stage` writes each file to a temp name at once (so that disk errors surface before anything is
 * published); `commit` renames them into place; `abort` deletes them. If a rename fails during
 * `commit`, the files already published are removed again and any file they replaced is restored.
 *
 * @example
 * await OutputTransaction.run(async (tx) => {
 *   await tx.stage('out/cat.overlay.png', png);
 *   await tx.stage('out/cat.npy', npy);
 * }); // both files exist, or neither does
 */
export class OutputTransaction {
  private readonly staged: Staged[] = [];
  private state: 'open' | 'committed' | 'aborted' = 'open';

  /**
   * @param options.overwrite `false`: `commit` refuses (and publishes nothing) when a target
   * exists, also one that appeared after the caller checked, e.g. written by a parallel run.
   */
  constructor(private readonly options: { overwrite?: boolean } = {}) {}

  /**
   * Run `fn` with a new transaction: commit when it resolves, abort (and rethrow) when it throws.
   * Returns what `fn` returned.
   */
  static async run<T>(fn: (tx: OutputTransaction) => Promise<T>, options: { overwrite?: boolean } = {}): Promise<T> {
    const tx = new OutputTransaction(options);
    let result: T;
    try {
      result = await fn(tx);
    } catch (e) {
      await tx.abort();
      throw e;
    }
    await tx.commit();
    return result;
  }

  /** Paths staged so far, in staging order. */
  get targets(): readonly string[] {
    return this.staged.map((s) => s.target);
  }

  /** Write `data` to a temp file beside `target`, to be published by {@link commit}. */
  async stage(target: string, data: string | Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new Error(`OutputTransaction: cannot stage after ${this.state === 'committed' ? 'commit' : 'abort'}`);
    const resolved = path.resolve(target);
    if (this.staged.some((s) => s.target === resolved)) throw new Error(`OutputTransaction: ${target} is staged twice`);
    const temp = tempPathFor(resolved);
    try {
      await writeDurably(temp, data);
    } catch (e) {
      await removeQuietly(temp);
      throw e;
    }
    this.staged.push({ target: resolved, temp });
  }

  /** Publish every staged file. On failure nothing staged remains published and the error is rethrown. */
  async commit(): Promise<void> {
    if (this.state !== 'open') throw new Error(`OutputTransaction: already ${this.state}`);
    this.state = 'committed';
    const done: { target: string; backup?: string }[] = [];
    try {
      for (const s of this.staged) {
        let backup: string | undefined;
        // Keep a replaced file aside so that a later failure can put it back.
        const existing = await fsp.lstat(s.target).catch(() => undefined);
        if (existing?.isDirectory()) throw new Error(`OutputTransaction: ${s.target} is a directory`);
        if (this.options.overwrite === false) {
          // link() fails with EEXIST instead of replacing: no window between a check and the publish.
          try {
            await fsp.link(s.temp, s.target);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${s.target} already exists: not replaced`);
            throw e;
          }
          await removeQuietly(s.temp);
          done.push({ target: s.target });
          continue;
        }
        if (existing) {
          backup = tempPathFor(s.target);
          await fsp.rename(s.target, backup);
        }
        try {
          await fsp.rename(s.temp, s.target);
        } catch (e) {
          if (backup) await fsp.rename(backup, s.target).catch(() => undefined);
          throw e;
        }
        done.push({ target: s.target, backup });
      }
    } catch (e) {
      for (const d of done.reverse()) {
        await removeQuietly(d.target);
        if (d.backup) await fsp.rename(d.backup, d.target).catch(() => undefined);
      }
      for (const s of this.staged) await removeQuietly(s.temp);
      this.state = 'aborted';
      throw e;
    }
    for (const d of done) if (d.backup) await removeQuietly(d.backup);
  }

  /** Delete every staged temp file; nothing is published. Safe to call more than once. */
  async abort(): Promise<void> {
    if (this.state === 'committed') return;
    this.state = 'aborted';
    for (const s of this.staged) await removeQuietly(s.temp);
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Delete temp files left in `dir` by processes that were killed before they could clean up
 * (files named by {@link writeFileAtomic} / {@link OutputTransaction} whose process is gone).
 * Temp files of live processes are left alone. Returns the names removed.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const at = name.lastIndexOf(TEMP_MARKER);
    if (!name.startsWith('.') || at < 0) continue;
    const pid = Number.parseInt(name.slice(at + TEMP_MARKER.length), 10);
    if (!Number.isInteger(pid) || pid <= 0 || processAlive(pid)) continue;
    await removeQuietly(path.join(dir, name));
    removed.push(name);
  }
  return removed;
}
