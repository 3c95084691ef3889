/**
 * Fast forward passes for TF.js layers and TFLite models in Node: the isomorphic adapter
 * (`../models/ort-exported-model.ts`) on onnxruntime-node's native kernels.
 */
import * as ort from 'onnxruntime-node';
import type { ModelAdapter } from '../core/types.js';
import type { OnnxExporter } from '../models/onnx-export/exporter.js';
import { loadExportedWith, OrtExportedModel } from '../models/ort-exported-model.js';

export { OrtExportedModel };

/** Options of {@link loadExportedWithOrt}. */
export interface OrtExportOptions {
  /** onnxruntime intra-op threads (default 2). */
  readonly intraOpNumThreads?: number;
}

/**
 * Wraps a TF.js layers or TFLite import for onnxruntime-node forward passes. The head at the
 * default layer is exported and its session created here, so an unsupported layer or operator, or
 * a graph onnxruntime rejects, throws now (the caller falls back to the TF.js import). On failure
 * `tfjs` is left to the caller.
 */
export function loadExportedWithOrt(tfjs: ModelAdapter, exporter: OnnxExporter, options: OrtExportOptions = {}): Promise<OrtExportedModel> {
  // No spinning: between two head runs the TF.js tail and fusion need the same cores, and
  // onnxruntime's idle threads would spin on them (MobileNet v2, 8 sizes, A/B in one process on a
  // loaded machine: 2.4 and 1.6 s without spinning against 5.3 and 3.4 s with it, in 2 of 3 rounds).
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.intraOpNumThreads ?? 2,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  return loadExportedWith(ort, tfjs, exporter, sessionOptions, 'onnxruntime-node');
}
