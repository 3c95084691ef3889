/**
 * The forward-pass engine of the worker: TF.js itself, or onnxruntime-web (WebAssembly with SIMD and
 * threads, WebGPU where the browser offers an adapter) running the head of TF.js layers and TFLite
 * models as in-memory ONNX graphs, while the TF.js backend differentiates the tail. onnxruntime-web
 * is loaded only when asked for: `tfjs` never fetches its 28 MB of WebAssembly.
 */
import { cameras } from '../../src/methods/index.js';
import type { Rgb8Image } from '../../src/image/index.js';
import type { ModelAdapter } from '../../src/core/types.js';
import { OrtExportedModel, type AdapterHooks } from '../../src/browser/index.js';
import type { EngineChoice } from './protocol.js';
import { everyCore } from './backend.js';

/** What {@link startEngine} reports. */
export interface EngineReport {
  /** `tfjs`, `onnxruntime-web (wasm)` or `onnxruntime-web (webgpu)`. */
  engine: string;
  /** onnxruntime-web's WebAssembly threads (absent on TF.js). */
  threads?: number;
  notes: string[];
  /** The loaders' hook for one load, its fallback notes going to `onWarning`; absent on TF.js. */
  hooks?: (onWarning: (message: string) => void) => AdapterHooks;
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
 * `threads` threads (every core of a cross-origin isolated page by default, as TF.js; one otherwise,
 * since threads need SharedArrayBuffer). Falls back to TF.js, with a note, when onnxruntime-web
 * cannot start.
 */
export async function startEngine(choice: EngineChoice, threads: number | undefined): Promise<EngineReport> {
  if (choice === 'tfjs') return { engine: 'tfjs', notes: ['forward passes on TF.js'] };
  const notes: string[] = [];
  try {
    const [ort, { ortAdopter }, wasmUrl] = await Promise.all([
      import('onnxruntime-web'),
      import('../../src/models/ort-exported-model.js'),
      import('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url').then((m: { default: string }) => m.default),
    ]);
    ort.env.wasm.wasmPaths = { wasm: wasmUrl };
    const n = globalThis.crossOriginIsolated ? Math.max(1, Math.min(threads ?? everyCore() ?? 1, 16)) : 1;
    ort.env.wasm.numThreads = n;
    const webgpu = await hasWebgpuAdapter();
    const provider = webgpu ? 'webgpu' : 'wasm';
    const engine = `onnxruntime-web (${provider})`;
    notes.push(webgpu ? 'onnxruntime-web on WebGPU' : `onnxruntime-web on WebAssembly with ${n} thread${n === 1 ? '' : 's'}${globalThis.crossOriginIsolated ? '' : ' (the page is not cross-origin isolated)'}`);
    const sessionOptions = { executionProviders: [provider], graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' } } } };
    const hooks = (onWarning: (message: string) => void): AdapterHooks => ({ adopt: ortAdopter(ort, sessionOptions, engine, onWarning) });
    return { engine, threads: webgpu ? undefined : n, notes, hooks };
  } catch (e) {
    notes.push(`onnxruntime-web could not start, forward passes on TF.js (${(e as Error).message})`);
    return { engine: 'tfjs', notes };
  }
}

/** Sides of the timing pass: a small and a large one of the authors' 224…924 schedule, alternating as CAMERAS alternates sizes. */
const TIMING_SIDES = [324, 624];

/** One CAMERAS map at {@link TIMING_SIDES}, timed. */
async function camerasMs(model: ModelAdapter, image: Rgb8Image): Promise<number> {
  const t = performance.now();
  await cameras(model, image, { sizes: TIMING_SIDES, accept: 'all' });
  return performance.now() - t;
}

/**
 * `auto`: keeps onnxruntime-web for a model only where CAMERAS runs faster with it than on TF.js on
 * this machine. The e2e run found it faster for MobileNet v1 0.25 and Darknet tiny and slower for
 * MobileNet v2 (web/README.md), so it is measured per model: CAMERAS maps at {@link TIMING_SIDES} px
 * of a 224-px test image, a warm-up on each engine, then two rounds alternating the engines, the
 * best time of each engine counting (the whole per-size work, not the heads alone: onnxruntime-web's
 * thread workers are still starting while the model loads, and heads alone timed equal for
 * MobileNet v1 0.25 where its CAMERAS is 1.3–2.3× faster on onnxruntime-web). Returns the model to
 * use and a note with both times.
 */
export async function keepFaster(model: ModelAdapter): Promise<{ model: ModelAdapter; note?: string }> {
  if (!(model instanceof OrtExportedModel)) return { model };
  const side = 224;
  const image: Rgb8Image = { width: side, height: side, channels: 3, data: new Uint8Array(side * side * 3).map((_, i) => (i * 37 + (i >> 7)) & 255) };
  await camerasMs(model, image);
  await camerasMs(model.tfjs, image);
  let ort = Infinity;
  let tfjs = Infinity;
  for (let round = 0; round < 2; round++) {
    ort = Math.min(ort, await camerasMs(model, image));
    tfjs = Math.min(tfjs, await camerasMs(model.tfjs, image));
  }
  const times = `CAMERAS at ${TIMING_SIDES.join(' + ')} px: ${model.engine} ${Math.round(ort)} ms, TF.js ${Math.round(tfjs)} ms`;
  if (ort <= tfjs) return { model, note: `forward passes on ${model.engine} (${times})` };
  model.releaseSessions();
  return { model: model.tfjs, note: `forward passes on TF.js, faster here for this model (${times})` };
}
