/**
 * Picks and starts the TF.js backend under Node: tfjs-node (native libtensorflow) when the optional
 * `@tensorflow/tfjs-node` package is installed, else WebAssembly (SIMD, several threads via
 * {@link initWasmBackend}), else the pure-JS CPU backend.
 */
import os from 'node:os';
import * as tf from '../core/tf.js';
import '@tensorflow/tfjs-backend-cpu';
import { checkThreads } from './threads.js';
import { initWasmBackend } from './wasm-threads.js';

/** Backends {@link initBackend} accepts. */
export type BackendName = 'wasm' | 'cpu' | 'tensorflow' | 'auto';

/** Options of {@link initBackend}. */
export interface BackendOptions {
  /** Threads for WebAssembly (1–8; default `os.cpus().length`, at most 8). Ignored by `cpu`. */
  threads?: number;
}

/** What {@link initBackend} started. */
export interface BackendInfo {
  /** TF.js backend name now active: `tensorflow`, `wasm` or `cpu`. */
  backend: string;
  /** Threads the backend computes with (as reported by WebAssembly; the core count for tfjs-node). */
  threads: number;
  /** Why a faster choice was not taken, when `auto` fell back or threads were reduced. */
  note?: string;
}

/** The optional native package; a variable so bundlers and `tsc` do not try to resolve it. */
const TFJS_NODE = '@tensorflow/tfjs-node';

let tfjsNodeProbe: Promise<string | null> | null = null;

/** Loads tfjs-node once; resolves with `null` when it loaded, else the reason it did not. */
function loadTfjsNode(): Promise<string | null> {
  tfjsNodeProbe ??= import(TFJS_NODE).then(
    () => (tf.findBackendFactory('tensorflow') ? null : `${TFJS_NODE} loaded but registered no 'tensorflow' backend`),
    (e: unknown) => `${TFJS_NODE} is not available (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`,
  );
  return tfjsNodeProbe;
}

let last: { key: string; info: BackendInfo } | null = null;

/**
 * Makes `name` the active TF.js backend (default `auto`: tfjs-node if installed, else WebAssembly,
 * else CPU) and reports what runs. Safe to call repeatedly: the same request returns at once; a
 * different WebAssembly thread count re-creates that backend (refused while tensors live on it).
 * An explicit `tensorflow` throws when tfjs-node is not installed.
 */
export async function initBackend(name: BackendName = 'auto', opts: BackendOptions = {}): Promise<BackendInfo> {
  if (!['wasm', 'cpu', 'tensorflow', 'auto'].includes(name)) {
    throw new RangeError(`unknown backend '${String(name)}' (expected wasm, cpu, tensorflow or auto)`);
  }
  checkThreads(opts.threads);
  const key = `${name}:${opts.threads ?? ''}`;
  if (last && last.key === key && tf.getBackend() === last.info.backend) return last.info;
  const info = await start(name, opts);
  last = { key, info };
  return info;
}

async function start(name: BackendName, opts: BackendOptions): Promise<BackendInfo> {
  const notes: string[] = [];
  if (name === 'tensorflow' || name === 'auto') {
    const why = await loadTfjsNode();
    if (why === null && (await tf.setBackend('tensorflow'))) {
      return { backend: 'tensorflow', threads: opts.threads ?? os.cpus().length };
    }
    const reason = why ?? 'the tensorflow backend failed to start';
    if (name === 'tensorflow') throw new Error(reason);
    notes.push(reason);
  }
  if (name === 'wasm' || name === 'auto') {
    try {
      const r = await initWasmBackend({ threads: opts.threads !== undefined ? Math.min(opts.threads, 8) : undefined });
      if (r.fallbackReason) notes.push(`WebAssembly runs ${r.threads} thread(s): ${r.fallbackReason}`);
      if (!r.simd) notes.push('WebAssembly SIMD is not available');
      return { backend: 'wasm', threads: r.threads, ...(notes.length ? { note: notes.join('; ') } : {}) };
    } catch (e) {
      if (name === 'wasm') throw e;
      notes.push(`WebAssembly failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the TF.js cpu backend failed to start');
  return { backend: 'cpu', threads: 1, ...(notes.length ? { note: notes.join('; ') } : {}) };
}
