import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-write.js';
import type { ModelFile } from '../models/manifest.js';
import { ModelError, safeRelativePath } from '../models/safe-path.js';

export { ModelError, safeRelativePath };

/** Root of the cache: `$CAMERAS_HOME`, default `~/.cache/cameras`. */
export function camerasHome(): string {
  return process.env.CAMERAS_HOME || path.join(os.homedir(), '.cache', 'cameras');
}

/** The mirror (`$CAMERAS_MODEL_MIRROR`): a folder or a base URL laid out as `<name>/model.json`. */
export function modelMirror(): string | undefined {
  return process.env.CAMERAS_MODEL_MIRROR || undefined;
}

/** Resolves `rel` under `root`, refusing anything that would land outside it. */
export function resolveInside(root: string, rel: string, what: string): string {
  const safe = safeRelativePath(rel, what);
  const full = path.resolve(root, safe);
  const rootAbs = path.resolve(root);
  if (full !== rootAbs && !full.startsWith(rootAbs + path.sep)) throw new ModelError(`${what}: "${rel}" points outside ${root}`);
  return full;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Throws unless `bytes` match the file's declared size and hash. */
export function verifyBytes(bytes: Uint8Array, file: Pick<ModelFile, 'size' | 'sha256'>, what: string): void {
  if (file.size !== undefined && bytes.byteLength !== file.size) {
    throw new ModelError(`${what}: ${bytes.byteLength} bytes, expected ${file.size}`);
  }
  if (file.sha256 && sha256(bytes) !== file.sha256.toLowerCase()) throw new ModelError(`${what}: SHA-256 mismatch (corrupt or altered file)`);
}

/** Writes a cache file atomically (see {@link writeFileAtomic}), creating its folder. */
async function writeAtomic(dest: string, bytes: Uint8Array): Promise<void> {
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  // Temp files of downloads whose process was killed: never read, but not left to pile up.
  await removeStaleTempFiles(path.dirname(dest));
  await writeFileAtomic(dest, bytes);
}

/** Options of {@link fetchBytes}. */
export interface FetchOptions {
  /** Largest response accepted, bytes (default 2 GiB). */
  maxBytes?: number;
  /** Milliseconds before giving up (default 120 s). */
  timeoutMs?: number;
}

/** Downloads a URL fully into memory, with a size cap and a timeout; HTTP errors throw. */
export async function fetchBytes(url: string, opts: FetchOptions = {}): Promise<Uint8Array> {
  const maxBytes = opts.maxBytes ?? 2 ** 31;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000), redirect: 'follow' });
  } catch (e) {
    throw new ModelError(`download failed: ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new ModelError(`download failed: ${url}: HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw new ModelError(`download refused: ${url} is ${declared} bytes (limit ${maxBytes})`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > maxBytes) throw new ModelError(`download refused: ${url} exceeds ${maxBytes} bytes`);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`download interrupted: ${url}: ${(e as Error).message}`);
  }
  if (Number.isFinite(declared) && total !== declared) throw new ModelError(`download interrupted: ${url}: got ${total} of ${declared} bytes`);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** Joins a base URL and a relative path. */
export function joinUrl(base: string, rel: string): string {
  return new URL(rel, base.endsWith('/') ? base : `${base}/`).toString();
}

/** Options of {@link resolveZooFile}. */
export interface ResolveZooFileOptions {
  /**
   * Hands a download's cache write to the caller instead of doing it: files that can only be checked
   * together (the weight shards of a TF.js model, whose sizes the model's manifest gives per group)
   * are published once the whole set checks out, so a bad download never lands in the cache.
   */
  deferCacheWrite?: (publish: () => Promise<void>) => void;
  /** Ignore the cached copy (it failed a check the caller made) and fetch again. */
  skipCache?: boolean;
  /** Told where the bytes came from. */
  onSource?: (source: 'cache' | 'mirror' | 'download') => void;
}

/** Whether `$CAMERAS_OFFLINE` forbids the public URLs (the mirror is still used). */
export function offline(): boolean {
  const v = process.env.CAMERAS_OFFLINE;
  return !!v && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * Finds one file of a zoo model: `rel` is its path relative to the mirror root (`<name>/model.json`,
 * `labels/x.json`). Order: the cache, the mirror (a folder is read in place; a URL is downloaded into
 * the cache), then `publicUrl` (unless `$CAMERAS_OFFLINE` is set). Every file is checked against its
 * size/hash; downloads are written atomically (temp file + rename, so concurrent processes and
 * interrupted runs never leave a partial file). Returns the file's bytes.
 */
export async function resolveZooFile(
  rel: string,
  file: Pick<ModelFile, 'size' | 'sha256'>,
  publicUrl?: string,
  opts: ResolveZooFileOptions = {},
): Promise<Uint8Array> {
  const cached = resolveInside(path.join(camerasHome(), 'models'), rel, 'cache');
  const tried: string[] = [];
  if (!opts.skipCache && fs.existsSync(cached)) {
    const bytes = await fsp.readFile(cached);
    try {
      verifyBytes(bytes, file, cached);
      opts.onSource?.('cache');
      return bytes;
    } catch {
      // A stale or damaged cache entry is replaced below.
      tried.push(`${cached} (failed its check)`);
    }
  }
  const mirror = modelMirror();
  const sources: string[] = [];
  if (mirror && !isUrl(mirror)) {
    const local = resolveInside(mirror, rel, 'mirror');
    if (fs.existsSync(local)) {
      const bytes = await fsp.readFile(local);
      verifyBytes(bytes, file, local);
      opts.onSource?.('mirror');
      return bytes;
    }
    tried.push(`${local} (not found)`);
  } else if (mirror) {
    sources.push(joinUrl(mirror, rel));
  }
  if (publicUrl && !offline()) sources.push(publicUrl);
  for (const url of sources) {
    try {
      const bytes = await fetchBytes(url);
      verifyBytes(bytes, file, url);
      const publish = (): Promise<void> => writeAtomic(cached, bytes);
      if (opts.deferCacheWrite) opts.deferCacheWrite(publish);
      else await publish();
      opts.onSource?.('download');
      return bytes;
    } catch (e) {
      // fetchBytes and verifyBytes name the URL in their messages.
      tried.push((e as Error).message);
    }
  }
  if (publicUrl && offline()) tried.push(`not ${publicUrl} (CAMERAS_OFFLINE is set)`);
  throw new ModelError(
    `cannot get ${rel}: ${tried.join('; ') || 'no mirror or URL to try'}. ` +
      'Set CAMERAS_MODEL_MIRROR to a folder or URL holding the model, or connect to the internet.',
  );
}
