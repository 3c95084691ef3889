/**
 * Browser (and any fetch-capable runtime) helpers: models from URLs, a zoo mirror or user-chosen
 * files, image decoding with a size limit, top-k predictions. No Node built-ins.
 */
export { fetchBytes, joinUrl, NotFoundError, type FetchBytesOptions, type FetchLike } from './fetch-bytes.js';
export { sha256Hex, verifyBytes } from './verify.js';
export { buildAdapter, formatOfName, parseCamerasJson, type ModelDescription, type ModelFormat } from './build-adapter.js';
export { browserZooNames, fetchZooFile, loadZooModel, type ZooSourceOptions } from './zoo.js';
export { loadModelFromUrl, type UrlModelOptions } from './url-model.js';
export { describeFiles, loadModelFromFiles, type FileSelection, type NamedFile } from './files-model.js';
export { DEFAULT_MAX_SIDE, UnsupportedImageError, bitmapToRgb, decodeImageFile, limitSize, rgbaToRgb, type DecodedImage } from './image.js';
export { topPredictions, type Prediction, type TopOptions } from './predict.js';
export { ortAdopter, OrtExportedModel, type OrtApi, type OrtSession, type OrtTensor } from '../models/ort-exported-model.js';
export type { AdapterHooks, BuiltModel } from '../models/build-adapter.js';
