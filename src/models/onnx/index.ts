/** ONNX import: parse a `.onnx` model and run it as a differentiable TF.js graph. */
export { loadOnnxModel, OnnxModel, OnnxSplit, TORCH_PREPROCESS, type OnnxModelOptions } from './adapter.js';
export { OnnxGraph, OnnxNodeError, type SplitPlan } from './graph.js';
export { modulePaths } from './modules.js';
export { supportedOps } from './ops/index.js';
