/**
 * The ONNX export of a TF.js import, as the onnxruntime adapter consumes it: heads cut at a layer
 * and the whole forward pass to the logits, written for the layers and TFLite importers.
 */
import type { LayersModelAdapter } from '../layers-adapter.js';
import type { TfliteModel } from '../tflite/adapter.js';
import { layersToOnnx } from './layers.js';
import { tfliteToOnnx } from './tflite.js';
import type { BuiltModel } from '../build-adapter.js';

/** An exported head: input `input` NHWC; outputs `out0` (κ, NHWC) and `out1…` (the context). */
export interface ExportedHead {
  /** Canonical name of the layer at the cut, as the TF.js split names it. */
  readonly layer: string;
  /** ONNX model bytes. */
  readonly bytes: Uint8Array;
  /** Number of outputs: 1 + the tensors crossing the cut, in the TF.js split's context order. */
  readonly outputs: number;
}

/** Writes parts of one model as ONNX; throws an `OnnxExportError` for what it cannot write. */
export interface OnnxExporter {
  /** The head of a cut at `layer`, computing what the TF.js split's head computes. */
  head(layer: string): ExportedHead;
  /** The whole forward pass to the model's class scores (pre-softmax), output `out0`. */
  logits(): Uint8Array;
}

/** The exporter of a TF.js layers model. */
export function layersExporter(model: LayersModelAdapter): OnnxExporter {
  return {
    head(layer) {
      const plan = model.cutPlan(layer);
      return { layer: plan.layer, bytes: layersToOnnx(model.layersModel, [plan.layer, ...plan.context]), outputs: 1 + plan.context.length };
    },
    logits() {
      const plan = model.logitsPlan();
      return layersToOnnx(model.layersModel, [plan.layer], plan.skipActivation ? plan.layer : undefined);
    },
  };
}

/** The exporter of an imported TFLite model. */
export function tfliteExporter(model: TfliteModel): OnnxExporter {
  return {
    head(layer) {
      const plan = model.cutPlan(layer);
      return { layer: plan.layer, bytes: tfliteToOnnx(model.modelDef, [plan.tensor, ...plan.crossing]), outputs: 1 + plan.crossing.length };
    },
    logits() {
      const plan = model.logitsPlan();
      return tfliteToOnnx(model.modelDef, [plan.tensor], { logits: { scale: plan.scale } });
    },
  };
}

/** The exporter of a model the factory built on TF.js, whichever importer built it. */
export function exporterFor(built: BuiltModel): OnnxExporter {
  return built.format === 'tfjs-layers' ? layersExporter(built.adapter) : tfliteExporter(built.adapter);
}
