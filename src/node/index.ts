/**
 * Node-only parts of cameras: backends, model loading and caching, image files, outputs.
 * @packageDocumentation
 */
export { initBackend, type BackendInfo, type BackendName, type BackendOptions } from './backend.js';
export { loadModel, zooNames, embeddedModelsDir, type Engine, type LoadModelOptions } from './load-model.js';
export { camerasHome, modelMirror, resolveZooFile, fetchBytes, verifyBytes } from './model-store.js';
export { readImage, readImageBytes, encodePng, writePng, ImageError, DEFAULT_MAX_PIXELS, type ReadImageOptions } from './image-io.js';
export { encodeNpy, decodeNpy } from '../image/npy.js';
export { writeFileAtomic, OutputTransaction } from './atomic-write.js';
export { loadOnnxModelWithOrt } from './onnx-runtime.js';
export { loadExportedWithOrt, OrtExportedModel, type OrtExportOptions } from './ort-exported-model.js';
