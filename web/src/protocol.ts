/** Messages between the page and the worker that runs the library. */
import type { Rgb8Image } from '../../src/image/index.js';
import type { Prediction } from '../../src/browser/index.js';
import type { TargetInfo } from '../../src/methods/index.js';

/** Backends the page offers; `auto` tries WebGPU, then WebGL (float32 only), then WebAssembly. */
export type BackendChoice = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/**
 * Forward-pass engines: `tfjs` (the TF.js backend runs everything), `onnxruntime` (onnxruntime-web
 * runs the forward passes of TF.js layers and TFLite models, TF.js the differentiated tails), `auto`
 * (on the WebAssembly and CPU backends, onnxruntime-web for each model whose CAMERAS it runs faster,
 * timed at load: see web/README.md).
 */
export type EngineChoice = 'auto' | 'tfjs' | 'onnxruntime';

/**
 * A method's name in the library's registry (`METHODS` in `src/methods/index.ts`), as the CLI spells
 * it. A string, not a union: the worker's `methods` answer is the list, and `explain` refuses others.
 */
export type MethodName = string;

/** Where a model comes from. */
export type ModelSource =
  | { kind: 'zoo'; name: string; mirror?: string; allowPublic: boolean }
  | { kind: 'url'; url: string; name?: string }
  | { kind: 'files'; files: File[] };

/** Requests to the worker; each carries an id its answer repeats. */
export type Request =
  | { id: number; type: 'init'; backend: BackendChoice; threads?: number; engine?: EngineChoice }
  | { id: number; type: 'load'; source: ModelSource }
  | { id: number; type: 'methods' }
  | { id: number; type: 'predict'; image: Rgb8Image }
  | { id: number; type: 'explain'; image: Rgb8Image; method: MethodName; target: number; sizes: number[]; layer?: string };

/** What `init` answers. */
export interface BackendReport {
  backend: string;
  /** True when computation is float32 (always, except WebGL with 16-bit textures, which is refused). */
  float32: boolean;
  notes: string[];
  /** WebAssembly's thread pool size, as the backend reports it (absent on other backends). */
  threads?: number;
  /** The forward-pass engine: `tfjs`, `onnxruntime-web (wasm)` or `onnxruntime-web (webgpu)`. */
  engine: string;
  /** onnxruntime-web's WebAssembly threads (absent unless it runs on WebAssembly). */
  engineThreads?: number;
}

/** What `load` answers. */
export interface ModelReport {
  name: string;
  engine: string;
  /** With the `auto` engine: why this engine runs the model's forward passes (both engines' timings). */
  engineNote?: string;
  inputSize: number;
  classes?: number;
  hasLabels: boolean;
  defaultLayer: string;
  layers: string[];
  ms: number;
  notes: string[];
}

/** What `explain` answers (maps are `height × width`, row-major). */
export interface ExplainReport {
  method: MethodName;
  map: Float32Array;
  raw: Float32Array;
  width: number;
  height: number;
  layer?: string;
  target: TargetInfo;
  predicted: TargetInfo;
  sizesUsed: number[];
  sizesRejected: number[];
  /** CAMERAS: the acceptance policy that chose the sizes. */
  accept?: string;
  /** What the user should know about the map (CAMERAS: fewer than half of its sizes kept). */
  warnings: string[];
  ms: number;
  backend: string;
  /** Tensors alive after the call minus before it: 0 unless the library leaks. */
  leakedTensors: number;
}

/** Answers and progress events from the worker. */
export type Response =
  | { id: number; type: 'ok'; value: BackendReport | ModelReport | Prediction[] | ExplainReport | MethodName[] }
  | { id: number; type: 'error'; message: string }
  | { id: number; type: 'progress'; done: number; total: number; message: string };
