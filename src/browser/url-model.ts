import type { ModelAdapter } from '../core/types.js';
import { parseLabels, type ModelFile } from '../models/manifest.js';
import { ModelError, safeRelativePath } from '../models/safe-path.js';
import type { FileReader } from '../models/tfjs-artifacts.js';
import { NotFoundError, fetchBytes, joinUrl, type FetchBytesOptions } from './fetch-bytes.js';
import { buildAdapter, formatOfName, parseCamerasJson } from './build-adapter.js';
import type { AdapterHooks } from '../models/build-adapter.js';

/** Options of {@link loadModelFromUrl}. */
export interface UrlModelOptions extends FetchBytesOptions {
  /** Base for a relative URL (default `globalThis.location.href`). */
  origin?: string;
  /** Display name (default: the last parts of the URL's path). */
  name?: string;
  /**
   * What the platform adds to the importers, e.g. `{ adopt: ortAdopter(ort, …) }` to run the
   * forward passes of TF.js layers and TFLite models on onnxruntime-web (see `ortAdopter`).
   */
  hooks?: AdapterHooks;
}

/**
 * Loads a model from a URL: a TF.js `model.json` (its weights and an optional `cameras.json`
 * beside it, giving name, preprocessing, labels, input size and layer), or an `.onnx` / `.tflite`
 * file. This is how the page loads the embedded `scenes` model the server exposes.
 */
export async function loadModelFromUrl(url: string, opts: UrlModelOptions = {}): Promise<ModelAdapter> {
  const origin = opts.origin ?? (globalThis as { location?: { href: string } }).location?.href;
  const abs = new URL(url, origin).toString();
  const format = formatOfName(new URL(abs).pathname);
  if (!format) throw new ModelError(`${url}: cannot tell the model format (expected model.json, .onnx or .tflite)`);
  const parts = decodeURIComponent(new URL(abs).pathname).split('/').filter(Boolean);
  const fallbackName = format === 'tfjs-layers' ? (parts.at(-2) ?? 'model') : (parts.at(-1) ?? 'model').replace(/\.(onnx|tflite)$/i, '');
  if (format !== 'tfjs-layers') {
    return buildAdapter(format, await fetchBytes(abs, opts), { name: opts.name ?? fallbackName }, opts.hooks);
  }
  const dir = abs.replace(/[^/]*$/, '');
  const read: FileReader = (rel) => fetchBytes(rel === 'model.json' ? abs : joinUrl(dir, safeRelativePath(rel, url)), opts);
  let manifest: ReturnType<typeof parseCamerasJson> = {};
  try {
    manifest = parseCamerasJson(await read('cameras.json'), url);
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
  let labels: readonly string[] | undefined;
  if (Array.isArray(manifest.labels)) labels = manifest.labels as readonly string[];
  else if (manifest.labels) labels = parseLabels(new TextDecoder().decode(await read(safeRelativePath((manifest.labels as ModelFile).path, `${url} labels`))));
  return buildAdapter('tfjs-layers', read, {
    name: opts.name ?? manifest.name ?? fallbackName,
    preprocess: manifest.preprocess,
    labels,
    inputSize: manifest.inputSize,
    layer: manifest.layer,
  }, opts.hooks);
}
