/**
 * cameras — high-resolution, sanity-preserving saliency maps for image classifiers.
 *
 * The isomorphic library: runs in Node and in browsers on TF.js. Node-only helpers (files, image
 * decoding with sharp, the model cache, onnxruntime-node) are in `cameras/node`.
 *
 * @example
 * ```ts
 * import { cameras, gradcam } from 'cameras';
 * import { loadModel, readImage, initBackend } from 'cameras/node';
 * await initBackend();
 * const model = await loadModel('mobilenet_v1_0.25_224');
 * const image = await readImage('cat.jpg');
 * const { map, target, sizesUsed } = await cameras(model, image);
 * ```
 * @packageDocumentation
 */
export * as tf from './core/tf.js';
export type { HeadOutput, LayerInfo, ModelAdapter, PreprocessSpec, RgbImage, SplitModel } from './core/types.js';
export { PREPROCESS_PRESETS, resolvePreprocess, imageToTensor, normalizeInput, type PreprocessPreset } from './core/preprocess.js';
export { resizeBilinear, resizeBicubic, resizeImage, bicubicMatrix } from './core/resize.js';
export { normalizeMap } from './core/normalize.js';
export { AUTHORS_SIZES, PAPER_SCHEDULE, scheduleSizes, scaledShape, type Schedule } from './core/schedule.js';
export { argmax, softmax, resolveTarget } from './core/target.js';
export { probeLayer, type LayerProbe } from './core/probe.js';
export { fuseScales, DEFAULT_BLOCK_BUDGET } from './core/fuse.js';
export { ExplainSession, withSession, type ExplainInput, type ScalePass, type SessionOptions } from './core/session.js';
export { BaseSession } from './core/base-session.js';
export { conv2dInputGrad, depthwiseConv2dInputGrad, denseInputGrad, type ConvOptions, type ConvPad } from './core/ops.js';
export * from './methods/index.js';
export { LayersModelAdapter, loadLayersModelFromArtifacts, makeInputDynamic, type LayersAdapterOptions, type LayersArtifacts } from './models/layers-adapter.js';
export { readLayersArtifacts, type FileReader } from './models/tfjs-artifacts.js';
export { ZOO, parseLabels, type ModelFile, type ModelManifest } from './models/manifest.js';
export { ModelError, safeRelativePath } from './models/safe-path.js';
export { loadOnnxModel, type OnnxModelOptions } from './models/onnx/index.js';
export { loadTfliteModel, TfliteFormatError, type TfliteModelOptions } from './models/tflite/index.js';
export * as image from './image/index.js';
export * as metrics from './metrics/index.js';
export * as scenes from './scenes/index.js';
export * as analysis from './analysis/index.js';
