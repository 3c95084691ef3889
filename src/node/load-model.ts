import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelAdapter, PreprocessSpec } from '../core/types.js';
import type { PreprocessPreset } from '../core/preprocess.js';
import { buildAdapter as buildModelAdapter, formatOfName } from '../models/build-adapter.js';
import { ZOO, parseLabels, type ModelFile, type ModelManifest } from '../models/manifest.js';
import type { FileReader } from '../models/tfjs-artifacts.js';
import type { OnnxExporter } from '../models/onnx-export/exporter.js';
import { checkThreads } from './threads.js';
import { ModelError, fetchBytes, joinUrl, resolveInside, resolveZooFile, safeRelativePath } from './model-store.js';

/** Forward engine choice of {@link loadModel}. */
export type Engine = 'auto' | 'onnxruntime' | 'tfjs';

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** Override the manifest's input normalisation. */
  preprocess?: PreprocessPreset | PreprocessSpec;
  /** A labels file (JSON array/object or one per line) overriding the manifest's. */
  labelsFile?: string;
  /** Override the native input size. */
  inputSize?: number;
  /**
   * Forward engine, for every format: `onnxruntime` runs the passes before the layer (and whole
   * predictions) in onnxruntime-node with native kernels, the differentiated tail staying in
   * TF.js; `tfjs` runs everything in TF.js; `auto` (default) picks onnxruntime when the model can
   * be run there (TF.js layers and TFLite models are written as ONNX first: an unsupported layer
   * or operator means TF.js), and throws with `onnxruntime` when it cannot.
   */
  engine?: Engine;
  /**
   * onnxruntime intra-op threads (default 2). Shards or jobs run side by side on one machine want
   * one each, as the CLI's `--threads` gives them.
   */
  threads?: number;
  /** @deprecated The former name of {@link engine}, which now applies to every format. */
  onnxEngine?: Engine;
  /** Called with human-readable notes (e.g. labels that could not be found). */
  onWarning?: (message: string) => void;
}

/** Folder of the package's embedded models (`models/` at the package root). */
export function embeddedModelsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');
}

/** Names `loadModel` accepts besides paths and URLs. */
export function zooNames(): string[] {
  return ['scenes', ...Object.keys(ZOO)];
}

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

function folderReader(dir: string): FileReader {
  return async (rel) => {
    const file = resolveInside(dir, rel, `model folder ${dir}`);
    try {
      return await fsp.readFile(file);
    } catch (e) {
      throw new ModelError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
}

function urlReader(modelUrl: string): FileReader {
  return async (rel) => fetchBytes(rel === 'model.json' ? modelUrl : joinUrl(modelUrl.replace(/[^/]*$/, ''), safeRelativePath(rel, modelUrl)));
}

async function readManifestFile(dir: string): Promise<Partial<ModelManifest> | undefined> {
  const file = path.join(dir, 'cameras.json');
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as Partial<ModelManifest>;
  } catch (e) {
    throw new ModelError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

async function labelsFromFile(file: string): Promise<string[]> {
  try {
    return parseLabels(await fsp.readFile(file, 'utf8'));
  } catch (e) {
    throw new ModelError(`labels file ${file}: ${(e as Error).message}`);
  }
}

interface Resolved {
  manifest: Partial<ModelManifest> & { name: string };
  labels?: readonly string[];
}

async function zooLabels(m: ModelManifest, warn: (s: string) => void): Promise<readonly string[] | undefined> {
  if (!m.labels) return undefined;
  if (Array.isArray(m.labels)) return m.labels as readonly string[];
  const file = m.labels as ModelFile;
  const rel = safeRelativePath(path.posix.join(m.name, file.path), 'zoo labels');
  try {
    return parseLabels(new TextDecoder().decode(await resolveZooFile(rel, file, file.url)));
  } catch (e) {
    warn(`labels for ${m.name} unavailable, classes will be shown by index (${(e as Error).message})`);
    return undefined;
  }
}

/**
 * The library's factory (`models/build-adapter.ts`) with what only Node has: onnxruntime-node for
 * ONNX models and for the forward passes of layers and TFLite models (see
 * {@link LoadModelOptions.engine}), and a labels file from the file system. `subject` names the
 * file in importer errors.
 */
async function buildAdapter(
  format: ModelManifest['format'],
  bytesOrReader: Uint8Array | FileReader,
  r: Resolved,
  opts: LoadModelOptions,
  subject?: string,
): Promise<ModelAdapter> {
  const labels = opts.labelsFile ? await labelsFromFile(opts.labelsFile) : r.labels;
  const description = {
    name: r.manifest.name,
    labels,
    preprocess: opts.preprocess ?? r.manifest.preprocess,
    inputSize: opts.inputSize ?? r.manifest.inputSize,
    layer: r.manifest.layer,
    subject,
  };
  return buildModelAdapter(format, bytesOrReader, description, {
    onnx: async (bytes, common) => {
      const engine = engineOf(opts);
      if (engine === 'tfjs') return undefined;
      try {
        const ort = await import('./onnx-runtime.js');
        return await ort.loadOnnxModelWithOrt(bytes, { ...common, ...ortThreads(opts) });
      } catch (e) {
        if (engine === 'onnxruntime') throw e;
        warnOrtMissing(e, opts.onWarning);
        return undefined;
      }
    },
    adopt: (built) =>
      onOrt(
        built.adapter,
        async () => (await import('../models/onnx-export/exporter.js')).exporterFor(built),
        opts,
      ),
  });
}

function ortThreads(opts: LoadModelOptions): { intraOpNumThreads?: number } {
  checkThreads(opts.threads);
  return opts.threads === undefined ? {} : { intraOpNumThreads: opts.threads };
}

function engineOf(opts: LoadModelOptions): Engine {
  return opts.engine ?? opts.onnxEngine ?? 'auto';
}

/**
 * `tfjs` on onnxruntime-node (see {@link LoadModelOptions.engine}): the wrapped model, `tfjs`
 * itself with `engine: 'tfjs'`, or, with `auto`, when the model cannot be written as ONNX or run
 * by onnxruntime (with a note saying why).
 */
async function onOrt(tfjs: ModelAdapter, exporter: () => Promise<OnnxExporter>, opts: LoadModelOptions): Promise<ModelAdapter> {
  const engine = engineOf(opts);
  if (engine === 'tfjs') return tfjs;
  try {
    const ort = await import('./ort-exported-model.js');
    return await ort.loadExportedWithOrt(tfjs, await exporter(), ortThreads(opts));
  } catch (e) {
    if (engine === 'onnxruntime') {
      tfjs.dispose();
      throw new Error(`${tfjs.name}: cannot run on onnxruntime (${(e as Error).message})`, { cause: e });
    }
    if (isNotInstalled(e)) warnOrtMissing(e, opts.onWarning, 'forward passes');
    else opts.onWarning?.(`${tfjs.name}: forward passes on TF.js, not onnxruntime (${(e as Error).message})`);
    return tfjs;
  }
}

let ortMissingNoted = false;

/** True when `e` (or an error it wraps) says a package is not installed. */
function isNotInstalled(e: unknown): boolean {
  // Loaders and test runners may wrap the resolution error: look down the cause chain.
  for (let x: unknown = e; x instanceof Error; x = x.cause) {
    const code = (x as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  }
  return false;
}

/**
 * Says once per process which engine runs forward passes (`what`) when onnxruntime-node cannot,
 * and, when it is simply not installed (it is an optional dependency), how to get it.
 */
function warnOrtMissing(e: unknown, warn: ((m: string) => void) | undefined, what = 'ONNX forward passes'): void {
  if (ortMissingNoted || !warn) return;
  ortMissingNoted = true;
  warn(
    isNotInstalled(e)
      ? `onnxruntime-node is not installed (an optional dependency): ${what} run in TF.js, slower. For the native engine: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`
      : `onnxruntime-node unavailable, using TF.js for the forward passes (${(e as Error).message})`,
  );
}

/**
 * Loads a model by zoo name (`mobilenet_v1_0.25_224`, `darknet_tiny`, `mobilenet_v2_1.0_224`,
 * `scenes`), by path (a folder with `model.json`, a `model.json`, an `.onnx` or `.tflite` file) or
 * by URL. A `cameras.json` beside `model.json` supplies preprocessing, labels and the default layer.
 */
export async function loadModel(spec: string, opts: LoadModelOptions = {}): Promise<ModelAdapter> {
  ortThreads(opts); // a bad thread count is the caller's error, not a reason to fall back to TF.js
  const warn = opts.onWarning ?? (() => {});
  const zoo = ZOO[spec];
  if (zoo) {
    const modelRel = safeRelativePath(path.posix.join(zoo.name, zoo.model.path), 'zoo model');
    const labels = await zooLabels(zoo, warn);
    const r: Resolved = { manifest: zoo, labels };
    if (zoo.format === 'tfjs-layers') {
      // Weight shards have no pinned size or hash of their own: only the whole set can be checked
      // against the (pinned) model.json. Downloads reach the cache once the set checks out; a cached
      // set that fails the check is fetched again rather than trusted.
      const attempt = async (skipCache: boolean): Promise<ModelAdapter> => {
        const publish: (() => Promise<void>)[] = [];
        let fromCache = false;
        const shardOpts = { skipCache, deferCacheWrite: (p: () => Promise<void>) => publish.push(p), onSource: (s: string) => (fromCache ||= s === 'cache') };
        const reader: FileReader = async (rel) =>
          rel === 'model.json'
            ? resolveZooFile(modelRel, zoo.model, zoo.url)
            : resolveZooFile(safeRelativePath(path.posix.join(zoo.name, rel), zoo.name), {}, zoo.url ? joinUrl(zoo.url.replace(/[^/]*$/, ''), rel) : undefined, shardOpts);
        let model: ModelAdapter;
        try {
          model = await buildAdapter('tfjs-layers', reader, r, opts);
        } catch (e) {
          if (fromCache && !skipCache && e instanceof ModelError && !/cannot get /.test(e.message)) {
            warn(`cached weights of ${zoo.name} failed their check (${e.message}); fetching them again`);
            return attempt(true);
          }
          throw e;
        }
        for (const p of publish) await p().catch((e: Error) => warn(`could not cache ${zoo.name}: ${e.message}`));
        return model;
      };
      return attempt(false);
    }
    return buildAdapter(zoo.format, await resolveZooFile(modelRel, zoo.model, zoo.url), r, opts);
  }
  if (spec === 'scenes') return loadModel(path.join(embeddedModelsDir(), 'scenes'), opts);
  if (isUrl(spec)) {
    const format = formatOfName(spec);
    if (!format) throw new ModelError(`${spec}: cannot tell the model format (expected model.json, .onnx or .tflite)`);
    const name = decodeURIComponent(new URL(spec).pathname.split('/').filter(Boolean).slice(-2).join('/'));
    const r: Resolved = { manifest: { name } };
    return buildAdapter(format, format === 'tfjs-layers' ? urlReader(spec) : await fetchBytes(spec), r, opts);
  }
  if (!fs.existsSync(spec)) {
    throw new ModelError(`unknown model "${spec}": not a file or folder, and not in the zoo (${zooNames().join(', ')})`);
  }
  const stat = fs.statSync(spec);
  const dir = stat.isDirectory() ? spec : path.dirname(spec);
  const format = stat.isDirectory() ? 'tfjs-layers' : formatOfName(spec);
  if (!format) throw new ModelError(`${spec}: unknown model format (expected a folder with model.json, model.json, .onnx or .tflite)`);
  const manifest = (await readManifestFile(dir)) ?? {};
  const name = manifest.name ?? (stat.isDirectory() ? path.basename(path.resolve(spec)) : path.basename(spec).replace(/\.(onnx|tflite)$/i, ''));
  let labels: readonly string[] | undefined;
  if (Array.isArray(manifest.labels)) labels = manifest.labels;
  else if (manifest.labels) labels = await labelsFromFile(resolveInside(dir, (manifest.labels as ModelFile).path, `${dir}/cameras.json labels`));
  const r: Resolved = { manifest: { ...manifest, name }, labels };
  if (format === 'tfjs-layers') {
    const base = stat.isDirectory() ? spec : path.dirname(spec);
    const jsonName = stat.isDirectory() ? 'model.json' : path.basename(spec);
    const reader = folderReader(base);
    return buildAdapter('tfjs-layers', (rel) => reader(rel === 'model.json' ? jsonName : rel), r, opts);
  }
  if (stat.size === 0) throw new ModelError(`${spec}: empty file`);
  // Both formats cap a file at 2 GiB (protobuf, flatbuffers): refuse larger ones before reading.
  if (stat.size > MAX_MODEL_FILE_BYTES) {
    throw new ModelError(`${spec}: ${stat.size} bytes, above the 2 GiB limit of ${format === 'onnx' ? 'ONNX' : 'TFLite'} files`);
  }
  const bytes = await fsp.readFile(spec);
  try {
    return await buildAdapter(format, bytes, r, opts, spec);
  } catch (e) {
    // Importer messages say what is wrong, not with which file.
    const msg = (e as Error).message ?? String(e);
    throw msg.includes(spec) ? e : new ModelError(`${spec}: ${msg}`, { cause: e });
  }
}

/** Largest `.onnx` / `.tflite` file {@link loadModel} reads: 2 GiB − 1, the limit of both formats. */
export const MAX_MODEL_FILE_BYTES = 2 ** 31 - 1;
