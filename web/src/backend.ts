/**
 * Starts a TF.js backend inside the worker: WebGPU where the browser exposes an adapter, WebGL where
 * a GPU renders float32 textures (16-bit textures would make maps visibly imprecise; a software
 * renderer such as SwiftShader is slower than WebAssembly), WebAssembly (SIMD, files served by Vite)
 * otherwise, and the plain CPU backend as a last resort. An explicit choice is honoured when it works.
 */
import * as tf from '../../src/core/tf.js';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendChoice, BackendReport } from './protocol.js';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

/** Computes a value float16 cannot hold and reads it back: catches backends that lose precision. */
async function computesInFloat32(): Promise<boolean> {
  const t = tf.tidy(() => tf.mul(tf.add(tf.tensor1d([1, 2049]), tf.scalar(1e-4)), tf.scalar(1)));
  const v = await t.data();
  t.dispose();
  return Math.abs(v[0] - 1.0001) < 1e-6 && Math.abs(v[1] - 2049.0001) < 1e-3;
}

async function tryWebgpu(notes: string[]): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) {
    notes.push('WebGPU: not offered by this browser');
    return false;
  }
  try {
    if (!(await gpu.requestAdapter())) {
      notes.push('WebGPU: no adapter');
      return false;
    }
    await import('@tensorflow/tfjs-backend-webgpu');
    return await tf.setBackend('webgpu');
  } catch (e) {
    notes.push(`WebGPU: ${(e as Error).message}`);
    return false;
  }
}

/** Renderers that draw WebGL on the CPU: slower there than WebAssembly's SIMD kernels. */
const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|lavapipe|software/i;

async function tryWebgl(notes: string[], allowSoftware: boolean): Promise<boolean> {
  try {
    if (!(await tf.setBackend('webgl'))) {
      notes.push('WebGL: not available');
      return false;
    }
  } catch (e) {
    notes.push(`WebGL: ${(e as Error).message}`);
    return false;
  }
  if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') || !(await computesInFloat32())) {
    notes.push('WebGL: only 16-bit float textures here, too imprecise for saliency maps');
    return false;
  }
  const renderer = webglRenderer();
  if (!allowSoftware && SOFTWARE_GL.test(renderer)) {
    notes.push(`WebGL renders in software here (${renderer.match(SOFTWARE_GL)?.[0]}): WebAssembly is faster`);
    return false;
  }
  notes.push(`WebGL ${tf.env().getNumber('WEBGL_VERSION')} on ${renderer}, float32 textures`);
  return true;
}

async function tryWasm(notes: string[], wanted: number | undefined): Promise<boolean> {
  try {
    return await withCoreCapRaised(wanted, () => tf.setBackend('wasm'));
  } catch (e) {
    notes.push(`WebAssembly: ${(e as Error).message}`);
    return false;
  }
}

/** The GPU (or software renderer, e.g. SwiftShader) behind the WebGL backend, for the notes. */
function webglRenderer(): string {
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } }).gpgpu?.gl;
  if (!gl) return 'an unknown renderer';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

type Step = BackendChoice | 'webgl-software';

/**
 * Runs `start` (the WebAssembly backend's start) while the worker's navigator reports twice
 * `wanted` cores. tfjs-backend-wasm 4.x caps its XNNPACK pool at `hardwareConcurrency / 2`, read
 * once by a C++ global initialiser while the module instantiates, whatever `setThreadsCount` asks
 * (`min(count, 8, cores / 2)` in its backend.cc): on a 2-core machine that is one thread even on an
 * isolated page. Nothing else reads the value during that start; the true one is restored after it.
 */
async function withCoreCapRaised<T>(wanted: number | undefined, start: () => Promise<T>): Promise<T> {
  const nav = globalThis.navigator;
  if (wanted === undefined || wanted < 2 || !nav || !globalThis.crossOriginIsolated) return start();
  const own = Object.getOwnPropertyDescriptor(nav, 'hardwareConcurrency');
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { value: wanted * 2, configurable: true });
  } catch {
    return start();
  }
  try {
    return await start();
  } finally {
    if (own) Object.defineProperty(nav, 'hardwareConcurrency', own);
    else Reflect.deleteProperty(nav, 'hardwareConcurrency');
  }
}

/**
 * Every logical core when the page is cross-origin isolated (threads need SharedArrayBuffer):
 * TF.js alone takes half of them, meant to skip hyper-threads, which leaves a 2-core machine on one
 * thread (see withCoreCapRaised for how the app gets past that cap) (in Node the second thread makes WebAssembly forward passes 1.9× faster, bench/RESULTS.md).
 */
export function everyCore(): number | undefined {
  const n = globalThis.navigator?.hardwareConcurrency;
  return globalThis.crossOriginIsolated && Number.isInteger(n) && n > 1 ? n : undefined;
}

/**
 * Starts the requested backend. `auto` tries WebGPU, GPU WebGL, WebAssembly, software WebGL, then
 * CPU; an explicit choice falls back to WebAssembly, then CPU. `threads` overrides WebAssembly's
 * thread count (default: every logical core on a cross-origin isolated page, else one).
 */
export async function startBackend(choice: BackendChoice, threads?: number): Promise<Omit<BackendReport, 'engine' | 'engineThreads'>> {
  const notes: string[] = [];
  const wanted = threads !== undefined && Number.isInteger(threads) && threads > 0 ? threads : everyCore();
  if (wanted !== undefined) setThreadsCount(wanted);
  const order: Step[] =
    choice === 'auto'
      ? ['webgpu', 'webgl', 'wasm', 'webgl-software', 'cpu']
      : choice === 'cpu'
        ? ['cpu']
        : [choice, ...(['wasm', 'cpu'] as const).filter((b) => b !== choice)];
  for (const b of order) {
    const ok =
      b === 'webgpu'
        ? await tryWebgpu(notes)
        : b === 'webgl' || b === 'webgl-software'
          ? await tryWebgl(notes, b === 'webgl-software' || choice === 'webgl')
          : b === 'wasm'
            ? await tryWasm(notes, wanted)
            : await tf.setBackend('cpu');
    if (ok) {
      await tf.ready();
      let threads: number | undefined;
      if (tf.getBackend() === 'wasm') {
        threads = getThreadsCount();
        const why = !globalThis.crossOriginIsolated
          ? ' (the page is not cross-origin isolated)'
          : wanted !== undefined && threads < wanted
            ? ` (${wanted} asked; this TF.js build uses at most 8)`
            : '';
        notes.push(`WebAssembly with ${threads} thread${threads === 1 ? '' : 's'}${why}`);
      }
      return { backend: tf.getBackend(), float32: await computesInFloat32(), notes, ...(threads !== undefined ? { threads } : {}) };
    }
    if (b === choice && choice !== 'auto') notes.push(`${b} unavailable, falling back`);
  }
  throw new Error(`no TF.js backend could start (${notes.join('; ')})`);
}
