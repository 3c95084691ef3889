import { describe, it, expect } from 'vitest';
import os from 'node:os';
import * as tf from '../core/tf.js';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from './backend.js';
import { initWasmBackend, wasmBackendInfo } from './wasm-threads.js';

/** A 3×3 'same' convolution with fixed pseudo-random data, computed on the active backend. */
function convSample(): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from({ length: 1 * 19 * 17 * 8 }, (_, i) => Math.sin(i * 0.37)), [1, 19, 17, 8]);
    const f = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 8 * 16 }, (_, i) => Math.cos(i * 0.11)), [3, 3, 8, 16]);
    return tf.conv2d(x, f, 1, 'same').dataSync() as Float32Array;
  });
}

describe('initBackend', () => {
  // One sequence of calls: backends are process-wide state.
  it('auto picks WebAssembly here (no tfjs-node), with threads, and computes what the CPU backend computes', async () => {
    const info = await initBackend('auto');
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.note).toMatch(/tfjs-node/);
    const wanted = Math.max(1, Math.min(8, os.cpus().length));
    expect(info.threads).toBe(wanted);
    expect(wasm.getThreadsCount()).toBe(info.threads);
    expect(wasmBackendInfo()?.multithreaded).toBe(wanted > 1);

    const before = tf.memory().numTensors;
    const onWasm = convSample();
    expect(tf.memory().numTensors).toBe(before);

    // Idempotent: same request, same answer, no re-initialisation.
    const again = await initBackend('auto');
    expect(again).toBe(info);

    const cpu = await initBackend('cpu');
    expect(cpu).toEqual({ backend: 'cpu', threads: 1 });
    const onCpu = convSample();
    let maxDiff = 0;
    for (let i = 0; i < onCpu.length; i++) maxDiff = Math.max(maxDiff, Math.abs(onCpu[i] - onWasm[i]));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('switches the WebAssembly thread count on request and back', async () => {
    const one = await initBackend('wasm', { threads: 1 });
    expect(one).toMatchObject({ backend: 'wasm', threads: 1 });
    expect(wasm.getThreadsCount()).toBe(1);
    const serial = convSample();
    const two = await initBackend('wasm', { threads: 2 });
    expect(two).toMatchObject({ backend: 'wasm', threads: 2 });
    expect(wasm.getThreadsCount()).toBe(2);
    // The re-created, threaded backend computes the same numbers.
    const threaded = convSample();
    expect(threaded.length).toBe(19 * 17 * 16);
    let maxDiff = 0;
    for (let i = 0; i < serial.length; i++) maxDiff = Math.max(maxDiff, Math.abs(serial[i] - threaded[i]));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('falls back to one thread instead of hanging when the threaded start fails', async () => {
    await initWasmBackend({ threads: 1 });
    // 1 ms is too short for the worker pool to load: the start is abandoned, its workers stopped.
    const r = await initWasmBackend({ threads: 2, timeoutMs: 1 });
    expect(r).toMatchObject({ threads: 1, multithreaded: false });
    expect(r.fallbackReason).toMatch(/did not start within 1 ms/);
    expect(tf.getBackend()).toBe('wasm');
    expect(convSample().length).toBe(19 * 17 * 16);
    // The same request is answered from the cache (no second wait); a fresh start works again.
    expect(await initWasmBackend({ threads: 2, timeoutMs: 1 })).toBe(r);
    await initWasmBackend({ threads: 1 });
    expect(await initWasmBackend({ threads: 2 })).toMatchObject({ threads: 2, multithreaded: true });
  });

  it('refuses to re-create the WebAssembly backend while tensors live on it', async () => {
    await initBackend('wasm', { threads: 2 });
    const t = tf.ones([3]);
    try {
      await expect(initBackend('wasm', { threads: 1 })).rejects.toThrow(/tensors still live/);
    } finally {
      t.dispose();
    }
  });

  it('rejects bad requests', async () => {
    await expect(initBackend('gpu' as never)).rejects.toThrow(/unknown backend/);
    await expect(initBackend('wasm', { threads: 0 })).rejects.toThrow(/positive integer/);
    await expect(initBackend('wasm', { threads: 1.5 })).rejects.toThrow(/positive integer/);
    await expect(initBackend('tensorflow')).rejects.toThrow(/tfjs-node/);
  });
});
