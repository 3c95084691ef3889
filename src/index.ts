/**
 * cameras — high-resolution, sanity-preserving saliency maps for image classifiers.
 *
 * The isomorphic library: runs in Node and in browsers on TF.js. Node-only helpers (files, image
 * decoding with sharp, the model cache, onnxruntime-node) are in `cameras/node`. The building
 * blocks under the methods (sessions, layer probes, resizing kernels, gradient ops) are in
 * `cameras/internals`: usable, but not covered by semver.
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

// The contracts: what models implement and what methods take and return.
export type { HeadOutput, LayerInfo, ModelAdapter, PreprocessSpec, RgbImage, SplitModel } from './core/types.js';
export type { ExplainInput, ExplainOptions, InputResize, SaliencyMethod, SaliencyResult, TargetInfo, TargetSpec } from './core/method.js';
export type { SessionOptions } from './core/base-session.js';
export type { AcceptPolicy } from './core/accept.js';

// Image helpers: an RgbImage to a model's preprocessed tensor, a raw map to [0, 1].
export { PREPROCESS_PRESETS, resolvePreprocess, imageToTensor, normalizeInput, type PreprocessPreset } from './core/preprocess.js';
export { normalizeMap } from './core/normalize.js';
export { AUTHORS_SIZES, PAPER_SCHEDULE, type Schedule } from './core/schedule.js';

// The methods, their registry and their options.
export { METHODS, getMethod } from './methods/index.js';
export { cameras, camerasSizes, type CamerasOptions } from './methods/cameras.js';
export { gradcam, type GradcamOptions } from './methods/gradcam.js';
export type { CamOptions } from './methods/cam-base.js';
export { gradcampp } from './methods/gradcampp.js';
export { hirescam } from './methods/hirescam.js';
export { layercam } from './methods/layercam.js';
export { xgradcam } from './methods/xgradcam.js';
export { normgrad } from './methods/normgrad.js';
export { scorecam, type ScorecamOptions } from './methods/scorecam.js';
export { gradient } from './methods/gradient.js';
export { smoothgrad, type SmoothgradOptions } from './methods/smoothgrad.js';
export { integratedGradients, type IntegratedGradientsOptions } from './methods/integrated-gradients.js';
export { rise, type RiseOptions } from './methods/rise.js';
export { occlusion, type OcclusionOptions } from './methods/occlusion.js';
export { center, type CenterOptions } from './methods/center.js';
export type { FillMode } from './methods/perturbation.js';

// Model loading.
export { LayersModelAdapter, loadLayersModelFromArtifacts, type LayersAdapterOptions, type LayersArtifacts } from './models/layers-adapter.js';
export { readLayersArtifacts, type FileReader } from './models/tfjs-artifacts.js';
export { ZOO, parseLabels, type ModelFile, type ModelManifest } from './models/manifest.js';
export { ModelError } from './models/safe-path.js';
export { loadOnnxModel, type OnnxModelOptions } from './models/onnx/index.js';
export { loadTfliteModel, TfliteFormatError, type TfliteModelOptions } from './models/tflite/index.js';

export * as image from './image/index.js';
export * as metrics from './metrics/index.js';
export * as scenes from './scenes/index.js';
export * as analysis from './analysis/index.js';
