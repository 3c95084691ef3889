import type { ModelAdapter } from '../core/types.js';
import type { AdapterHooks } from '../models/build-adapter.js';
import { parseLabels, type ModelFile } from '../models/manifest.js';
import { ModelError, safeRelativePath } from '../models/safe-path.js';
import { buildAdapter, formatOfName, parseCamerasJson } from './build-adapter.js';

/** A user-chosen file: a DOM `File` fits, so does anything with a name and its bytes. */
export interface NamedFile {
  readonly name: string;
  /** Path inside a chosen folder (`webkitRelativePath`), when the user picked a folder. */
  readonly webkitRelativePath?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

const LABEL_NAMES = /^(labels?|classes|synset|imagenet[^/]*)\.(txt|json)$/i;

function baseName(p: string): string {
  return p.replace(/\\/g, '/').split('/').pop() ?? p;
}

/** What {@link describeFiles} found among the chosen files. */
export interface FileSelection {
  readonly format: 'tfjs-layers' | 'onnx' | 'tflite';
  /** The model file: `model.json`, the `.onnx` or the `.tflite`. */
  readonly main: NamedFile;
  readonly manifest?: NamedFile;
  readonly labels?: NamedFile;
}

/**
 * Sorts out a multi-file selection: exactly one model (a TF.js `model.json`, an `.onnx` or a
 * `.tflite`), plus optionally `cameras.json`, a labels file and the weight shards. Throws a
 * {@link ModelError} explaining what to pick otherwise.
 */
export function describeFiles(files: readonly NamedFile[]): FileSelection {
  if (files.length === 0) throw new ModelError('no file chosen: pick a model.json with its weight files, an .onnx or a .tflite file');
  const manifest = files.find((f) => baseName(f.name).toLowerCase() === 'cameras.json');
  const candidates = files.filter((f) => f !== manifest && formatOfName(f.name) !== undefined && !LABEL_NAMES.test(baseName(f.name)));
  if (candidates.length === 0) {
    throw new ModelError(
      `unsupported model files (${files.map((f) => f.name).join(', ')}): expected a TF.js model.json with its weight files, an .onnx or a .tflite file`,
    );
  }
  if (candidates.length > 1) throw new ModelError(`several models chosen (${candidates.map((f) => f.name).join(', ')}): pick one`);
  const main = candidates[0];
  const labels = files.find((f) => LABEL_NAMES.test(baseName(f.name)));
  return { format: formatOfName(main.name)!, main, manifest, labels };
}

async function bytesOf(f: NamedFile): Promise<Uint8Array> {
  return new Uint8Array(await f.arrayBuffer());
}

/**
 * Loads a model from files the user chose or dropped: `model.json` + its weight shards (matched by
 * file name, so the folder structure need not survive), an `.onnx` or a `.tflite`, with an optional
 * `cameras.json` (name, preprocess, labels, inputSize, layer) and labels file. `opts.hooks`: what
 * the platform adds to the importers (see `ZooSourceOptions.hooks`).
 */
export async function loadModelFromFiles(files: readonly NamedFile[], opts: { hooks?: AdapterHooks } = {}): Promise<ModelAdapter> {
  const sel = describeFiles(files);
  const manifest = sel.manifest ? parseCamerasJson(await bytesOf(sel.manifest), sel.manifest.name) : {};
  const byName = new Map(files.map((f) => [baseName(f.name), f] as const));
  const find = (rel: string, what: string): NamedFile => {
    const want = baseName(safeRelativePath(rel, what));
    const f = byName.get(want);
    if (!f) throw new ModelError(`${what} "${rel}" is missing: choose it together with ${sel.main.name}`);
    return f;
  };
  let labels: readonly string[] | undefined;
  try {
    if (Array.isArray(manifest.labels)) labels = manifest.labels as readonly string[];
    else if (manifest.labels) labels = parseLabels(new TextDecoder().decode(await bytesOf(find((manifest.labels as ModelFile).path, 'labels file'))));
    else if (sel.labels) labels = parseLabels(new TextDecoder().decode(await bytesOf(sel.labels)));
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`labels: ${(e as Error).message}`);
  }
  const fallback = sel.format === 'tfjs-layers' ? (sel.main.webkitRelativePath?.split('/').at(-2) ?? 'model') : baseName(sel.main.name).replace(/\.(onnx|tflite)$/i, '');
  const description = { name: manifest.name ?? fallback, preprocess: manifest.preprocess, labels, inputSize: manifest.inputSize, layer: manifest.layer };
  if (sel.format === 'tfjs-layers') {
    return buildAdapter('tfjs-layers', async (rel) => bytesOf(rel === 'model.json' ? sel.main : find(rel, 'weight file')), description, opts.hooks);
  }
  return buildAdapter(sel.format, await bytesOf(sel.main), description, opts.hooks);
}
