/**
 * The forward-pass engine of the worker: TF.js itself, or onnxruntime-web (WebAssembly with SIMD and
 * threads, WebGPU where the browser offers an adapter) running the head of TF.js layers and TFLite
 * models as in-memory ONNX graphs, while the TF.js backend differentiates the tail. onnxruntime-web
 * is loaded only when asked for: `tfjs` never fetches its 28 MB of WebAssembly.
 */
import * as tf from '../../src/core/tf.js';
import type { ModelAdapter } from '../../src/core/types.js';
import { OrtExportedModel, type AdapterHooks, type OrtApi } from '../../src/browser/index.js';
import type { EngineChoice } from './protocol.js';

/** What {@link startEngine} reports. */
export interface EngineReport {
  /** `tfjs`, `onnxruntime-web (wasm)` or `onnxruntime-web (webgpu)`. */
  engine: string;
  /** onnxruntime-web's WebAssembly threads (absent on TF.js). */
  threads?: number;
  notes: string[];
  /** The loaders' hook, absent on TF.js. */
  hooks?: AdapterHooks;
}

async function hasWebgpuAdapter(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  try {
    return !!gpu && !!(await gpu.requestAdapter());
  } catch {
    return false;
  }
}

/**
 * Starts the engine. `onnxruntime` uses WebGPU where there is an adapter, else WebAssembly with
 * `threads` threads (every core of a cross-origin isolated page by default; one otherwise, since
 * threads need SharedArrayBuffer). Falls back to TF.js, with a note, when onnxruntime-web cannot start.
 */
export async function startEngine(choice: EngineChoice, threads: number | undefined, onWarning: (m: string) => void): Promise<EngineReport> {
  if (choice === 'tfjs') return { engine: 'tfjs', notes: ['forward passes on TF.js'] };
  const notes: string[] = [];
  try {
    const [ort, { ortAdopter }, wasmUrl] = await Promise.all([
      import('onnxruntime-web'),
      import('../../src/models/ort-exported-model.js'),
      import('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url').then((m: { default: string }) => m.default),
    ]);
    ort.env.wasm.wasmPaths = { wasm: wasmUrl };
    const cores = navigator.hardwareConcurrency || 1;
    const n = globalThis.crossOriginIsolated ? Math.max(1, Math.min(threads ?? cores, 16)) : 1;
    ort.env.wasm.numThreads = n;
    const webgpu = await hasWebgpuAdapter();
    const provider = webgpu ? 'webgpu' : 'wasm';
    const engine = `onnxruntime-web (${provider})`;
    notes.push(webgpu ? 'onnxruntime-web on WebGPU' : `onnxruntime-web on WebAssembly with ${n} thread${n === 1 ? '' : 's'}${globalThis.crossOriginIsolated ? '' : ' (the page is not cross-origin isolated)'}`);
    const hooks = { adopt: ortAdopter(ort as unknown as OrtApi, { executionProviders: [provider], graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' } } } }, engine, onWarning) };
    return { engine, threads: webgpu ? undefined : n, notes, hooks };
  } catch (e) {
    notes.push(`onnxruntime-web could not start, forward passes on TF.js (${(e as Error).message})`);
    return { engine: 'tfjs', notes };
  }
}

/** Side of the timing pass: near the pixel-weighted middle of the authors' 224…924 schedule, where CAMERAS spends its time. */
const TIMING_SIDE = 624;

async function headMs(model: ModelAdapter, layer: string, input: tf.Tensor4D): Promise<number> {
  const split = model.split(layer);
  try {
    const run = async (): Promise<void> => {
      const h = await split.head(input);
      await h.activation.data();
      h.activation.dispose();
      for (const c of h.context) c.dispose();
    };
    await run(); // warm-up: kernels, session buffers
    const t = performance.now();
    await run();
    return performance.now() - t;
  } finally {
    split.dispose();
  }
}

/**
 * `auto`: keeps onnxruntime-web for a model only where its forward pass is faster than TF.js's on
 * this machine. The e2e run found it faster for MobileNet v1 0.25 and Darknet tiny and slower for
 * MobileNet v2 (web/README.md), so it is measured per model: one warm-up and one timed head pass
 * at {@link TIMING_SIDE} px on each engine. Returns the model to use and a note with both times.
 */
export async function keepFaster(model: ModelAdapter): Promise<{ model: ModelAdapter; note?: string }> {
  if (!(model instanceof OrtExportedModel)) return { model };
  const layer = model.defaultLayer();
  const input = tf.randomUniform([1, TIMING_SIDE, TIMING_SIDE, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  try {
    const ort = await headMs(model, layer, input);
    const tfjs = await headMs(model.tfjs, layer, input);
    const times = `head at ${TIMING_SIDE} px: ${model.engine} ${Math.round(ort)} ms, TF.js ${Math.round(tfjs)} ms`;
    if (ort <= tfjs) return { model, note: `forward passes on ${model.engine} (${times})` };
    model.releaseSessions();
    return { model: model.tfjs, note: `forward passes on TF.js, faster here for this model (${times})` };
  } finally {
    input.dispose();
  }
}
