/**
 * The one "model bytes → {@link ModelAdapter}" factory, for Node and the browser alike. It runs the
 * library's own importers (TF.js layers, ONNX and TFLite on TF.js) and applies the checks every
 * platform needs; what only one platform has (onnxruntime-node, in Node) comes in through
 * {@link AdapterHooks}, so that the two loaders cannot drift apart again (issue 17: they had, and
 * only Node refused map-shaped outputs at load).
 */
import type { ModelAdapter, PreprocessSpec } from '../core/types.js';
import { resolvePreprocess, type PreprocessPreset } from '../core/preprocess.js';
import { LayersModelAdapter, loadLayersModelFromArtifacts } from './layers-adapter.js';
import { readLayersArtifacts, type FileReader } from './tfjs-artifacts.js';
import { ModelError } from './safe-path.js';
import type { ModelManifest } from './manifest.js';
import type { TfliteModel } from './tflite/index.js';

/** Model formats the factory builds. */
export type ModelFormat = ModelManifest['format'];

/** What is known about a model besides its bytes (from the zoo, a `cameras.json` or the caller). */
export interface ModelDescription {
  readonly name: string;
  readonly preprocess?: PreprocessPreset | PreprocessSpec;
  readonly labels?: readonly string[];
  readonly inputSize?: number;
  readonly layer?: string;
  /**
   * What importer errors name (default {@link name}): Node names the file it read, so that a bad
   * file's message says which file.
   */
  readonly subject?: string;
}

/** Options the ONNX and TFLite importers share (a {@link ModelDescription}, preprocessing resolved). */
export interface ImporterOptions {
  readonly name: string;
  readonly labels?: readonly string[];
  readonly preprocess?: PreprocessSpec;
  readonly inputSize?: number;
  readonly layer?: string;
}

/** A model the factory built on TF.js, with its format, for {@link AdapterHooks.adopt}. */
export type BuiltModel = { readonly format: 'tfjs-layers'; readonly adapter: LayersModelAdapter } | { readonly format: 'tflite'; readonly adapter: TfliteModel };

/**
 * What a platform adds to the TF.js importers. Both are optional: the browser passes none. Errors
 * they throw reach the caller unchanged (they carry their own explanation).
 */
export interface AdapterHooks {
  /** An ONNX model on another engine; `undefined` means "build it on TF.js". */
  onnx?(bytes: Uint8Array, options: ImporterOptions): Promise<ModelAdapter | undefined>;
  /** Takes a TF.js-built layers or TFLite model over (e.g. its forward passes on another engine); returns it or its replacement. */
  adopt?(built: BuiltModel): Promise<ModelAdapter>;
}

/**
 * A classifier's output: a batch axis, then at most one axis longer than 1 (`[N, C]`, or
 * `[N, 1, 1, C]` from a 1×1 conv head). A map-shaped output (segmentation, detection) would
 * otherwise be flattened and its pixels taken for classes.
 */
function isClassVector(shape: readonly (number | null)[]): boolean {
  return shape.length >= 2 && shape.slice(1).filter((d) => d !== 1).length <= 1;
}

/** Runs an importer; its errors say what is wrong, this adds with which model. */
async function importing<T>(d: ModelDescription, build: () => T | Promise<T>): Promise<T> {
  try {
    return await build();
  } catch (e) {
    const subject = d.subject ?? d.name;
    const msg = (e as Error).message ?? String(e);
    throw msg.includes(subject) ? e : new ModelError(`${subject}: ${msg}`, { cause: e });
  }
}

/**
 * Builds the adapter for a model's bytes: TF.js layers through {@link readLayersArtifacts} (a
 * reader of the model's folder), ONNX and TFLite from their file's bytes. Refuses a layers model
 * whose output is not a class vector. `hooks` add what only one platform has.
 */
export async function buildAdapter(format: ModelFormat, source: Uint8Array | FileReader, d: ModelDescription, hooks: AdapterHooks = {}): Promise<ModelAdapter> {
  const preprocess = d.preprocess ? resolvePreprocess(d.preprocess) : undefined;
  if (format === 'tfjs-layers') {
    if (source instanceof Uint8Array) throw new TypeError('a TF.js layers model needs a reader of its folder');
    const artifacts = await readLayersArtifacts(source, d.name);
    let model;
    try {
      model = await loadLayersModelFromArtifacts(artifacts);
    } catch (e) {
      throw new ModelError(`${d.name}: cannot build the TF.js model (${(e as Error).message})`);
    }
    const out = model.outputs.length === 1 ? model.outputs[0].shape : undefined;
    if (out && !isClassVector(out)) {
      model.dispose();
      throw new ModelError(`${d.name}: the model's output has shape [${out.map((s) => s ?? '?').join(', ')}], not a class vector [batch, classes]: only classifiers can be explained`);
    }
    const adapter = new LayersModelAdapter(model, {
      name: d.name,
      labels: d.labels,
      preprocess: preprocess ?? resolvePreprocess('tf'),
      inputSize: d.inputSize,
      layer: d.layer,
    });
    return hooks.adopt ? hooks.adopt({ format, adapter }) : adapter;
  }
  if (!(source instanceof Uint8Array)) throw new TypeError(`a ${format} model is built from its file's bytes`);
  if (source.byteLength === 0) throw new ModelError(`${d.subject ?? d.name}: empty file`);
  const common: ImporterOptions = { name: d.name, labels: d.labels, preprocess, inputSize: d.inputSize, layer: d.layer };
  if (format === 'onnx') {
    const native = hooks.onnx ? await hooks.onnx(source, common) : undefined;
    if (native) return native;
    const onnx = await import('./onnx/index.js');
    return importing(d, () => onnx.loadOnnxModel(source, common));
  }
  const tflite = await import('./tflite/index.js');
  const adapter = await importing(d, () => tflite.loadTfliteModel(source, common));
  return hooks.adopt ? hooks.adopt({ format, adapter }) : adapter;
}

/** The format a file name (or URL) implies, if any. */
export function formatOfName(name: string): ModelFormat | undefined {
  const lower = name.toLowerCase().replace(/[?#].*$/, '');
  if (lower.endsWith('.onnx')) return 'onnx';
  if (lower.endsWith('.tflite')) return 'tflite';
  if (lower.endsWith('.json')) return 'tfjs-layers';
  return undefined;
}
