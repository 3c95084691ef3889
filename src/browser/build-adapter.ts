import type { ModelAdapter, PreprocessSpec } from '../core/types.js';
import { resolvePreprocess, type PreprocessPreset } from '../core/preprocess.js';
import { LayersModelAdapter, loadLayersModelFromArtifacts } from '../models/layers-adapter.js';
import { readLayersArtifacts, type FileReader } from '../models/tfjs-artifacts.js';
import { ModelError } from '../models/safe-path.js';
import type { ModelManifest } from '../models/manifest.js';

/** Model formats the browser loaders build. */
export type ModelFormat = ModelManifest['format'];

/** What is known about a model besides its bytes (from the zoo or a `cameras.json`). */
export interface ModelDescription {
  readonly name: string;
  readonly preprocess?: PreprocessPreset | PreprocessSpec;
  readonly labels?: readonly string[];
  readonly inputSize?: number;
  readonly layer?: string;
}

/**
 * Builds the adapter for a model's bytes with the library's own importers: TF.js layers through
 * {@link readLayersArtifacts} (a reader of the model's folder), ONNX and TFLite from their file's
 * bytes. ONNX runs entirely in TF.js here (no onnxruntime in the browser build).
 */
export async function buildAdapter(format: ModelFormat, source: Uint8Array | FileReader, d: ModelDescription): Promise<ModelAdapter> {
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
    return new LayersModelAdapter(model, {
      name: d.name,
      labels: d.labels,
      preprocess: preprocess ?? resolvePreprocess('tf'),
      inputSize: d.inputSize,
      layer: d.layer,
    });
  }
  if (!(source instanceof Uint8Array)) throw new TypeError(`a ${format} model is built from its file's bytes`);
  if (source.byteLength === 0) throw new ModelError(`${d.name}: empty file`);
  const common = { name: d.name, labels: d.labels, preprocess, inputSize: d.inputSize, layer: d.layer };
  if (format === 'onnx') {
    const onnx = await import('../models/onnx/index.js');
    try {
      return await onnx.loadOnnxModel(source, common);
    } catch (e) {
      throw new ModelError(`${d.name}: ${(e as Error).message}`);
    }
  }
  const tflite = await import('../models/tflite/index.js');
  try {
    return tflite.loadTfliteModel(source, common);
  } catch (e) {
    throw new ModelError(`${d.name}: ${(e as Error).message}`);
  }
}

/** The format a file name implies, if any. */
export function formatOfName(name: string): ModelFormat | undefined {
  const lower = name.toLowerCase().replace(/[?#].*$/, '');
  if (lower.endsWith('.onnx')) return 'onnx';
  if (lower.endsWith('.tflite')) return 'tflite';
  if (lower.endsWith('.json')) return 'tfjs-layers';
  return undefined;
}

/** Reads the parts of a `cameras.json` the browser uses; throws a readable error on bad JSON. */
export function parseCamerasJson(bytes: Uint8Array, what: string): Partial<ModelManifest> {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
    return v as Partial<ModelManifest>;
  } catch (e) {
    throw new ModelError(`${what}: cameras.json is not valid (${(e as Error).message})`);
  }
}
