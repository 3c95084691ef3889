import type { PreprocessSpec } from '../core/types.js';
import type { PreprocessPreset } from '../core/preprocess.js';

/** A file of a model, with what a download must match. */
export interface ModelFile {
  /** Path relative to the model's folder (and to its base URL). */
  readonly path: string;
  /** Expected SHA-256 (hex) of the bytes. */
  readonly sha256?: string;
  /** Expected size in bytes. */
  readonly size?: number;
  /** Where to download it when the mirror does not have it; default `<url base>/<path>`. */
  readonly url?: string;
}

/**
 * What the library needs to know about a model besides its weights. Written as `cameras.json`
 * beside a `model.json`, or built into the zoo.
 */
export interface ModelManifest {
  /** Name in the zoo and in outputs. */
  readonly name: string;
  /** Weight format. */
  readonly format: 'tfjs-layers' | 'onnx' | 'tflite';
  /** Native input size (the base size ζ₀ of CAMERAS' schedule). */
  readonly inputSize: number;
  /** Input normalisation preset or explicit spec. */
  readonly preprocess: PreprocessPreset | PreprocessSpec;
  /** Class names, or a file with them (JSON array, JSON object by index, or one per line). */
  readonly labels?: readonly string[] | ModelFile;
  /** Whether the graph ends in a softmax (stripped for logits); informative. */
  readonly output?: 'logits' | 'probabilities';
  /** Default layer κ; otherwise found automatically. */
  readonly layer?: string;
  /** The model file: `model.json` for TF.js, the `.onnx`/`.tflite` file otherwise. */
  readonly model: ModelFile;
  /** Public home of the model file; other files resolve relative to it. */
  readonly url?: string;
  /** Free text: source and licence. */
  readonly source?: string;
}

const IMAGENET_STANDARD: ModelFile = {
  path: '../labels/imagenet_1000_standard.json',
  sha256: '717e76c00876c2ccf31dc4bd187ca29e2e018cdc48a3c90c1cfab84235a1f9ea',
  size: 24678,
};

/**
 * The model zoo. Files resolve from the cache (`$CAMERAS_HOME`), then a mirror
 * (`$CAMERAS_MODEL_MIRROR`, laid out as `<name>/model.json`, labels under `labels/`), then the
 * public URL. The embedded `scenes` model ships inside the package.
 */
export const ZOO: Readonly<Record<string, ModelManifest>> = {
  'mobilenet_v1_0.25_224': {
    name: 'mobilenet_v1_0.25_224',
    format: 'tfjs-layers',
    inputSize: 224,
    preprocess: 'tf',
    labels: IMAGENET_STANDARD,
    output: 'probabilities',
    layer: 'conv_pw_13_relu',
    model: { path: 'model.json', sha256: '47417a9a7318ac0de893ed738ae84c6c26c294a415f06c421ff1c6af45df84f1', size: 49367 },
    url: 'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json',
    source: 'tfjs-models MobileNet v1 0.25 (Google, Apache-2.0)',
  },
  darknet_tiny: {
    name: 'darknet_tiny',
    format: 'tfjs-layers',
    inputSize: 224,
    preprocess: 'unit',
    labels: {
      path: '../labels/imagenet_1000_darknet_order.json',
      sha256: '92187938608398f8fb5e25ae3060378f5a7c7c4dc1246a5a7c83694e69ea93b2',
      size: 13475,
    },
    output: 'logits',
    model: { path: 'model.json', sha256: '5a5ee1ddb33ac7948b303197f4c63f72a80fc00a7d2870d30843004ddd5b4b51', size: 33236 },
    url: 'https://cdn.jsdelivr.net/gh/ml5js/ml5-data-and-models@master/models/darknetclassifier/darknettiny/model.json',
    source: 'ml5.js data-and-models Darknet tiny (MIT)',
  },
  'mobilenet_v2_1.0_224': {
    name: 'mobilenet_v2_1.0_224',
    format: 'tflite',
    inputSize: 224,
    preprocess: { name: 'tflite-uint8', scale: 128, mean: [1, 1, 1], std: [1, 1, 1], bgr: false },
    labels: {
      path: '../labels/imagenet_1001_with_background.txt',
      sha256: 'b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1',
      size: 21686,
    },
    output: 'probabilities',
    model: {
      path: '../tflite/mobilenet_v2_1.0_224_quant.tflite',
      sha256: '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776',
      size: 3610798,
    },
    url: 'https://github.com/google-coral/test_data/raw/master/mobilenet_v2_1.0_224_quant.tflite',
    source: 'Coral test data, uint8-quantised MobileNet v2 1.0 (Apache-2.0)',
  },
};

/** Parses a labels file: a JSON array, a JSON object keyed by index, or one label per line. */
export function parseLabels(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    const v: unknown = JSON.parse(trimmed);
    if (Array.isArray(v)) return v.map((x) => (Array.isArray(x) ? String(x[x.length - 1]) : String(x)));
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return Object.keys(o)
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => {
          const x = o[k];
          return Array.isArray(x) ? String(x[x.length - 1]) : String(x);
        });
    }
    throw new Error('labels JSON must be an array or an object keyed by class index');
  }
  return trimmed.split(/\r?\n/).map((l) => l.trim());
}
