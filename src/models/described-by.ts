/**
 * The descriptive half of a {@link ModelAdapter} (name, labels, preprocessing, input size,
 * layers), taken from another adapter: engines that run a TF.js import's passes elsewhere
 * (onnxruntime) describe the model exactly as the import does, and implement only the passes.
 */
import type { LayerInfo, ModelAdapter, PreprocessSpec } from '../core/types.js';

/** What an engine's adapter reads from the TF.js import it runs. */
export type ModelDescription = Pick<ModelAdapter, 'name' | 'labels' | 'preprocess' | 'inputSize' | 'listLayers' | 'defaultLayer'>;

/** Base of adapters that describe the model as `described` does. */
export abstract class DescribedBy {
  constructor(private readonly described: ModelDescription) {}

  /** Display name. */
  get name(): string {
    return this.described.name;
  }
  /** Class names, when known. */
  get labels(): readonly string[] | undefined {
    return this.described.labels;
  }
  /** Input normalisation. */
  get preprocess(): PreprocessSpec {
    return this.described.preprocess;
  }
  /** Native input size. */
  get inputSize(): number {
    return this.described.inputSize;
  }
  /** Layers of the TF.js import (for ONNX models module paths, tensor names as aliases). */
  listLayers(): LayerInfo[] {
    return this.described.listLayers();
  }
  /** The TF.js import's default layer (the output of the last spatial block). */
  defaultLayer(): string {
    return this.described.defaultLayer();
  }
}
