import type { ModelAdapter } from '../core/types.js';
import { ZOO, parseLabels, type ModelFile, type ModelManifest } from '../models/manifest.js';
import { ModelError, safeRelativePath } from '../models/safe-path.js';
import type { FileReader } from '../models/tfjs-artifacts.js';
import { NotFoundError, fetchBytes, joinUrl, type FetchBytesOptions } from './fetch-bytes.js';
import { verifyBytes } from './verify.js';
import { buildAdapter } from './build-adapter.js';
import type { AdapterHooks } from '../models/build-adapter.js';

/** Where the browser gets zoo files. */
export interface ZooSourceOptions extends Omit<FetchBytesOptions, 'onProgress'> {
  /**
   * Base URL of a mirror laid out like `$CAMERAS_MODEL_MIRROR` (`<name>/model.json`, `labels/…`,
   * `tflite/…`); absolute or relative to `origin`. Tried first. Omit to use the public URLs only.
   */
  mirror?: string;
  /** Fall back to the model's public URL when the mirror lacks a file (default true). */
  allowPublic?: boolean;
  /** Base for relative mirror URLs (default `globalThis.location.href` where there is one). */
  origin?: string;
  /** Progress of the file being downloaded. */
  onProgress?: (file: string, loaded: number, total: number | undefined) => void;
  /** Notes worth showing the user (labels missing, hashes unchecked, where files came from). */
  onWarning?: (message: string) => void;
  /**
   * What the platform adds to the importers, e.g. `{ adopt: ortAdopter(ort, …) }` to run the
   * forward passes of TF.js layers and TFLite models on onnxruntime-web (see `ortAdopter`).
   */
  hooks?: AdapterHooks;
}

function originOf(opts: ZooSourceOptions): string | undefined {
  return opts.origin ?? (globalThis as { location?: { href: string } }).location?.href;
}

/**
 * Fetches one zoo file: `rel` is its path under the mirror root. The mirror first, then `publicUrl`;
 * a mirror that answers 404 is skipped, any other failure is reported with every source tried.
 * The bytes are checked against the declared size and SHA-256.
 */
export async function fetchZooFile(rel: string, file: Pick<ModelFile, 'size' | 'sha256'>, publicUrl: string | undefined, opts: ZooSourceOptions = {}): Promise<Uint8Array> {
  const safe = safeRelativePath(rel, 'zoo file');
  const sources: string[] = [];
  if (opts.mirror) sources.push(joinUrl(opts.mirror, safe, originOf(opts)));
  if (publicUrl && opts.allowPublic !== false) sources.push(publicUrl);
  if (sources.length === 0) throw new ModelError(`cannot get ${safe}: no mirror is set and public downloads are off`);
  const failures: string[] = [];
  for (const url of sources) {
    try {
      const bytes = await fetchBytes(url, { ...opts, onProgress: (l, t) => opts.onProgress?.(safe, l, t) });
      if (!(await verifyBytes(bytes, file, url))) opts.onWarning?.(`${safe}: SHA-256 not checked (no Web Crypto in this context)`);
      return bytes;
    } catch (e) {
      failures.push(e instanceof NotFoundError ? `${url} (not found)` : (e as Error).message);
    }
  }
  throw new ModelError(`cannot get ${safe}: ${failures.join('; ')}`);
}

async function zooLabels(m: ModelManifest, opts: ZooSourceOptions): Promise<readonly string[] | undefined> {
  if (!m.labels) return undefined;
  if (Array.isArray(m.labels)) return m.labels as readonly string[];
  const file = m.labels as ModelFile;
  try {
    const bytes = await fetchZooFile(`${m.name}/${file.path}`, file, file.url, opts);
    return parseLabels(new TextDecoder().decode(bytes));
  } catch (e) {
    opts.onWarning?.(`labels for ${m.name} unavailable, classes are shown by index (${(e as Error).message})`);
    return undefined;
  }
}

/** Names of the zoo models the browser can fetch (the embedded `scenes` model is loaded by URL). */
export function browserZooNames(): string[] {
  return Object.keys(ZOO);
}

/**
 * Loads a zoo model (`mobilenet_v1_0.25_224`, `darknet_tiny`, `mobilenet_v2_1.0_224`) with fetch:
 * files from the mirror, else from their public URLs, checked against the zoo's hashes, built by the
 * same importers as under Node.
 */
export async function loadZooModel(name: string, opts: ZooSourceOptions = {}): Promise<ModelAdapter> {
  const zoo = ZOO[name];
  if (!zoo) throw new ModelError(`unknown zoo model "${name}" (known: ${browserZooNames().join(', ')})`);
  const labels = await zooLabels(zoo, opts);
  const description = { name: zoo.name, preprocess: zoo.preprocess, labels, inputSize: zoo.inputSize, layer: zoo.layer };
  const modelRel = `${zoo.name}/${zoo.model.path}`;
  if (zoo.format === 'tfjs-layers') {
    const publicDir = zoo.url?.replace(/[^/]*$/, '');
    const reader: FileReader = (rel) =>
      rel === 'model.json'
        ? fetchZooFile(modelRel, zoo.model, zoo.url, opts)
        : fetchZooFile(`${zoo.name}/${safeRelativePath(rel, zoo.name)}`, {}, publicDir ? joinUrl(publicDir, rel) : undefined, opts);
    return buildAdapter('tfjs-layers', reader, description, opts.hooks);
  }
  return buildAdapter(zoo.format, await fetchZooFile(modelRel, zoo.model, zoo.url, opts), description, opts.hooks);
}
