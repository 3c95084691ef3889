/**
 * Where the commands put their files, and the rules that keep one run from destroying another's
 * results: names that say what produced them, equal image stems told apart, no existing file
 * replaced unless the user passed `--overwrite`, and the refusal made before any work is done.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError } from './common.js';

/** File-system-safe form of a model name (zoo name, path or URL) for output file names. */
export function modelSlug(name: string): string {
  const base = path.basename(name).replace(/\.(onnx|tflite|json)$/i, '');
  return base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'model';
}

/**
 * The name stem of each input image's outputs: its file name without the extension, or with the
 * extension folded in (`owl-jpg`, `owl-png`) where two inputs of the run share a stem. Stems are
 * compared without case because macOS and Windows folders are case-insensitive. The same file
 * name in two folders (`a/owl.png`, `b/owl.png`) cannot be told apart this way and is refused, as
 * is one file listed twice (its second run would find the first one's files).
 */
export function imageStems(files: readonly string[]): Map<string, string> {
  const plain = (f: string) => path.basename(f).replace(/\.[^.]+$/, '') || 'image';
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const k = plain(f).toLowerCase();
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  const stems = new Map<string, string>();
  const taken = new Map<string, string>();
  for (const f of files) {
    const base = plain(f);
    const ext = path.extname(f).slice(1);
    const shared = new Set(groups.get(base.toLowerCase())!.map((g) => path.resolve(g))).size > 1;
    const stem = shared && ext ? `${base}-${ext}` : base;
    const other = taken.get(stem.toLowerCase());
    if (other !== undefined && path.resolve(other) === path.resolve(f)) throw new CliError(`${f} is listed twice`, 2);
    if (other !== undefined) {
      throw new CliError(`${other} and ${f} would write the same output files: give them different names or run them into different --out folders`, 2);
    }
    taken.set(stem.toLowerCase(), f);
    stems.set(f, stem);
  }
  return stems;
}

/**
 * Refuses the run when any of `files` exists and `overwrite` is not set: called with every file a
 * run will write, before the work starts, so a refusal costs nothing.
 */
export function refuseExisting(files: Iterable<string>, overwrite: boolean | undefined): void {
  if (overwrite) return;
  const existing = [...new Set(files)].filter((f) => fs.existsSync(f));
  if (existing.length === 0) return;
  const more = existing.length > 1 ? ` (and ${existing.length - 1} more)` : '';
  throw new CliError(`${existing[0]} already exists${more}: pass --overwrite to replace it, or choose another --out`);
}

/** Refuses an output folder path that names an existing file, for commands that create the folder late. */
export function checkOutDir(dir: string, option = '--out'): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory()) throw new CliError(`${option} ${dir}: is a file, not a folder`, 2);
}

/** An output folder made ready by {@link prepareOutDir}. */
export interface OutDir {
  /** Removes the folders this run created if nothing was written into them. */
  removeIfEmpty(): void;
}

/**
 * Creates `dir` (and missing parents) for a command's outputs, or explains in one line why it
 * cannot be used; {@link OutDir.removeIfEmpty} then leaves no empty folder behind a run in which
 * everything failed.
 */
export function prepareOutDir(dir: string, option = '--out'): OutDir {
  checkOutDir(dir, option);
  let first: string | undefined;
  try {
    first = fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'a part of the path is a file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message;
    throw new CliError(`${option} ${dir}: cannot create the folder (${why})`, 2);
  }
  return {
    removeIfEmpty() {
      if (first === undefined) return;
      // mkdir -p created `first` and everything below it on the way to `dir`: remove them bottom-up.
      const stop = path.resolve(first);
      for (let d = path.resolve(dir); ; d = path.dirname(d)) {
        try {
          fs.rmdirSync(d);
        } catch {
          return;
        }
        if (d === stop || path.dirname(d) === d) return;
      }
    },
  };
}
