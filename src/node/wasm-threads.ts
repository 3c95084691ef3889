/**
 * Multi-threaded TF.js WebAssembly under Node.
 *
 * `@tensorflow/tfjs-backend-wasm` 4.22 ships the threaded SIMD binary and its Emscripten glue, but
 * three things keep Node on one thread:
 * 1. the `WASM_HAS_MULTITHREAD_SUPPORT` flag returns `false` whenever `IS_NODE`;
 * 2. the pthread worker script and the main script handed to each worker are `blob:` URLs / Blobs,
 *    which `worker_threads.Worker` and the glue's Node `importScripts` (a `readFileSync`) cannot load;
 *    the main script is the bundle's factory function turned to source, so it also refers to
 *    bundle-level names (`require$$0`, `commonjsGlobal`, TS helpers such as `__read`) that a worker
 *    does not have;
 * 3. the C++ side caps the thread pool at `emscripten_num_logical_cores() / 2`
 *    (it assumes hyper-threading), which the glue reads from `os.cpus().length` at start-up.
 *
 * The work-around: set the flag; make the global `Worker` that the glue instantiates a subclass of
 * `worker_threads.Worker` that turns a `blob:` worker script into an eval'd bootstrap which reads the
 * Blob, defines the missing bundle names and loads the main-script Blob that arrives with the
 * glue's `load` message; and, only while the module starts, report twice the wanted thread count
 * from `os.cpus()`. `os.cpus` is restored after start-up; `globalThis.Worker` stays the blob-aware
 * subclass (the unpatched glue leaves `worker_threads.Worker` there anyway, and a later growth of the
 * pool needs it). Running pthread workers are unref'd so they do not keep Node alive, and a failed or
 * slow start falls back to one thread instead of hanging (a start that blocks the main thread inside
 * WebAssembly cannot be interrupted, but none was seen).
 *
 * Measured (bench/threads.ts): with 2 threads, two OS threads each do half of a ResNet-50 forward
 * pass's CPU work for ~10 % more CPU in total. Only on an idle machine does that shorten the wall
 * time; on an oversubscribed one, 2 threads were slower than 1 (XNNPACK synchronises per operator).
 */
import os from 'node:os';
import { resolveObjectURL } from 'node:buffer';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';
import * as tf from '../core/tf.js';
import * as wasm from '@tensorflow/tfjs-backend-wasm';

/**
 * Runs inside each pthread worker. It receives the glue's worker script as a Blob, evaluates it,
 * then delays every message until the main-script Blob of the `load` message has been read, so the
 * glue's synchronous `importScripts` can evaluate it. Errors are posted back rather than thrown, so
 * the main thread can fall back instead of crashing.
 */
const WORKER_BOOTSTRAP = String.raw`
'use strict';
const wt = require('worker_threads');
const report = (e) => wt.parentPort.postMessage({ __camerasWasmShimError: String(e && e.stack || e) });
Object.assign(globalThis, {
  require$$0: require('fs'), require$$1: require('path'), require$$3: require('perf_hooks'),
  require$$4: require('os'), commonjsGlobal: globalThis, _scriptDir: __filename, __dirname: __dirname,
  __values: (o) => o[Symbol.iterator](),
  __read: (o, n) => { const a = []; if (n === 0) return a; for (const v of o) { a.push(v); if (n !== undefined && a.length >= n) break; } return a; },
  __spreadArray: (to, from) => to.concat(Array.from(from)),
});
(async () => {
  const workerSource = await wt.workerData.script.text();
  (0, eval)(workerSource);
  const glueOnMessage = globalThis.onmessage;
  let mainSource = null;
  globalThis.importScripts = () => (0, eval)(mainSource);
  let chain = Promise.resolve();
  globalThis.onmessage = (e) => {
    chain = chain.then(async () => {
      const d = e.data;
      if (d && d.cmd === 'load') {
        mainSource = typeof d.urlOrBlob === 'string'
          ? require('fs').readFileSync(d.urlOrBlob, 'utf8')
          : await d.urlOrBlob.text();
      }
      glueOnMessage(e);
    }).catch(report);
  };
})().catch(report);
`;

/** First error reported by a shimmed worker, if any. */
let workerFailure: string | null = null;
/** Workers made by the current start attempt, to terminate if it fails. */
const attemptWorkers = new Set<NodeWorker>();

/**
 * The `Worker` the Emscripten glue instantiates. `blob:` scripts become the bootstrap above;
 * anything else behaves exactly like `worker_threads.Worker`.
 */
class BlobAwareWorker extends NodeWorker {
  constructor(script: string | URL, options?: WorkerOptions) {
    const blob = typeof script === 'string' && script.startsWith('blob:') ? resolveObjectURL(script) : undefined;
    if (blob) {
      super(WORKER_BOOTSTRAP, { eval: true, workerData: { script: blob } });
      attemptWorkers.add(this);
      this.on('message', (m: unknown) => {
        if (m && typeof m === 'object' && '__camerasWasmShimError' in m && workerFailure === null) {
          workerFailure = String((m as Record<string, unknown>).__camerasWasmShimError);
        }
      });
    } else {
      super(script, options);
    }
  }
}

/** Result of {@link initWasmBackend}. */
export interface WasmInitResult {
  /** Threads in XNNPACK's pool, as the backend reports (`getThreadsCount()`). */
  readonly threads: number;
  /** Whether the threaded SIMD binary was loaded. */
  readonly multithreaded: boolean;
  /** Whether the SIMD binary was loaded. */
  readonly simd: boolean;
  /** Why threads were not used, when `threads` is lower than asked. */
  readonly fallbackReason?: string;
}

/** Options of {@link initWasmBackend}. */
export interface WasmInitOptions {
  /** Threads wanted (1 to 8; the glue pre-spawns 8 workers). Default: `os.cpus().length`, at most 8. */
  threads?: number;
  /** Give up on threads after this long (ms) and fall back to one thread. Default 60 000. */
  timeoutMs?: number;
}

const WASM = 'wasm';
const WASM_PRIORITY = 2;
const MAX_THREADS = 8;

let current: WasmInitResult | null = null;
let currentRequested = 0;
let pending: Promise<WasmInitResult> | null = null;

/** The thread count used when none is asked for. */
export function defaultWasmThreads(): number {
  return Math.max(1, Math.min(MAX_THREADS, os.cpus().length));
}

/**
 * Makes `wasm` the active TF.js backend with `threads` threads (Node only). Calling it again with
 * the same count is free; a different count re-creates the backend, which is refused while tensors
 * live on it. Resolves with what the backend reports; never hangs on a failing worker (falls back to
 * one thread after `timeoutMs`).
 */
export async function initWasmBackend(options: WasmInitOptions = {}): Promise<WasmInitResult> {
  const wanted = options.threads ?? defaultWasmThreads();
  if (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_THREADS) {
    throw new RangeError(`threads must be an integer from 1 to ${MAX_THREADS}, got ${wanted}`);
  }
  while (pending) await pending.catch(() => undefined);
  if (current && currentRequested === wanted && tf.engine().registry[WASM]) {
    await tf.setBackend(WASM);
    return current;
  }
  pending = start(wanted, options.timeoutMs ?? 60_000);
  try {
    current = await pending;
    currentRequested = wanted;
    return current;
  } finally {
    pending = null;
  }
}

/** Drops the wasm backend instance (keeping its factory) so the next init starts afresh. */
function resetWasmBackend(): void {
  const engine = tf.engine();
  const live = engine.registry[WASM] as (tf.KernelBackend & { numDataIds(): number }) | undefined;
  if (live && live.numDataIds() > 0) {
    throw new Error(
      `cannot change the WebAssembly thread count: ${live.numDataIds()} tensors still live on the wasm backend; dispose them first`,
    );
  }
  const factory = tf.findBackendFactory(WASM);
  if (!factory) throw new Error('the TF.js wasm backend is not registered');
  tf.removeBackend(WASM);
  tf.registerBackend(WASM, factory, WASM_PRIORITY);
}

async function start(wanted: number, timeoutMs: number): Promise<WasmInitResult> {
  if (tf.engine().registry[WASM] || tf.engine().backendName === WASM) resetWasmBackend();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  if (wanted > 1 && simd) {
    try {
      const threads = await startThreaded(wanted, timeoutMs);
      return { threads, multithreaded: true, simd: true };
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      // The abandoned start may still hold workers (ref'd once their pthread runs): stop them.
      for (const w of attemptWorkers) void w.terminate();
      attemptWorkers.clear();
      resetWasmBackend();
      return { ...(await startSingle()), fallbackReason: reason };
    }
  }
  const single = await startSingle();
  return wanted > 1 ? { ...single, fallbackReason: 'WebAssembly SIMD is not available' } : single;
}

async function startSingle(): Promise<WasmInitResult> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend(WASM))) throw new Error('the TF.js wasm backend failed to start');
  return {
    threads: wasm.getThreadsCount(),
    multithreaded: false,
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean,
  };
}

async function startThreaded(wanted: number, timeoutMs: number): Promise<number> {
  workerFailure = null;
  attemptWorkers.clear();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(wanted);
  // The glue assigns worker_threads' Worker to the global before spawning; keep ours in place.
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => BlobAwareWorker,
    set: () => undefined,
  });
  // The C++ pool is capped at logical cores / 2, read once when the module starts.
  const realCpus = os.cpus;
  os.cpus = () => {
    const real = realCpus.call(os);
    const out = [...real];
    while (out.length < 2 * wanted) out.push(real[out.length % real.length]);
    return out;
  };
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  try {
    const failed = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`threaded WebAssembly did not start within ${timeoutMs} ms`)), timeoutMs);
      poll = setInterval(() => {
        if (workerFailure) reject(new Error(`a WebAssembly pthread worker failed: ${workerFailure.split('\n')[0]}`));
      }, 50);
      timer.unref();
      poll.unref();
    });
    const ok = await Promise.race([tf.setBackend(WASM), failed]);
    if (!ok) throw new Error('the threaded TF.js wasm backend failed to start');
  } finally {
    clearTimeout(timer);
    clearInterval(poll);
    os.cpus = realCpus;
    // Later pool growth (more threads than pre-spawned workers) still needs the blob-aware Worker.
    Object.defineProperty(globalThis, 'Worker', { configurable: true, writable: true, value: BlobAwareWorker });
  }
  // Emscripten ref()s a worker while its pthread runs; XNNPACK's pool threads run (parked) for the
  // backend's lifetime and would keep Node from exiting.
  const pthreads = (tf.engine().registry[WASM] as unknown as { wasm?: { PThread?: { runningWorkers?: NodeWorker[] } } }).wasm
    ?.PThread?.runningWorkers;
  for (const w of pthreads ?? []) w.unref();
  const threads = wasm.getThreadsCount();
  if (threads < wanted) throw new Error(`the wasm backend reports ${threads} threads, ${wanted} asked`);
  return threads;
}

/** What the last successful {@link initWasmBackend} reported, or `null`. */
export function wasmBackendInfo(): WasmInitResult | null {
  return current;
}
