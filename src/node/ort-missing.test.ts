/**
 * A package user without onnxruntime-node (an optional dependency: its install fails offline):
 * ONNX models still load, on TF.js, and the user is told once which engine runs and how to get
 * the native one.
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import { loadModel } from './load-model.js';
import { useWasmBackend } from '../testing/fixtures.js';
import { describeShared, sharedPath } from '../testing/shared.js';

// What Node throws when a package is not installed.
vi.mock('onnxruntime-node', () => {
  throw Object.assign(new Error("Cannot find package 'onnxruntime-node' imported from onnx-runtime.js"), { code: 'ERR_MODULE_NOT_FOUND' });
});

const ONNX = sharedPath('fixtures/onnx/mobilenet_v2.onnx');

beforeAll(async () => {
  await useWasmBackend();
});

describeShared('fixtures/onnx/mobilenet_v2.onnx')('without onnxruntime-node', () => {
  it('loads ONNX models on TF.js and says so once, with the install command', async () => {
    const warnings: string[] = [];
    for (let i = 0; i < 2; i++) {
      const m = await loadModel(ONNX, { onWarning: (w) => warnings.push(w) });
      expect(m.engine).not.toBe('onnxruntime-node');
      m.dispose();
    }
    expect(warnings).toEqual(['onnxruntime-node is not installed (an optional dependency): ONNX forward passes run in TF.js, slower. For the native engine: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node']);
    // Asked for by name, its absence is an error, not a fallback.
    await expect(loadModel(ONNX, { onnxEngine: 'onnxruntime' })).rejects.toThrow();
  }, 120_000);

  it('loads TF.js layers models on TF.js, and refuses them on onnxruntime by name', async () => {
    const m = await loadModel('scenes');
    expect(m.engine).toMatch(/^tfjs-/);
    m.dispose();
    await expect(loadModel('scenes', { engine: 'onnxruntime' })).rejects.toThrow(/scenes: cannot run on onnxruntime/);
  }, 120_000);
});
