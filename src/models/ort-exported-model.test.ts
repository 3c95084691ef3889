/**
 * The isomorphic onnxruntime adapter as the browser app uses it: the factory's `adopt` hook with
 * onnxruntime-web (its WebAssembly build, which also runs in Node) must give the maps and
 * predictions of the pure TF.js model, leak no tensors, and leave a model onnxruntime rejects on
 * TF.js with a note saying why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import { cameras } from '../methods/cameras.js';
import { pearson } from '../metrics/similarity.js';
import { generateScene } from '../scenes/index.js';
import { useWasmBackend } from '../testing/fixtures.js';
import { buildAdapter, type AdapterHooks, type ModelDescription } from './build-adapter.js';
import { ortAdopter, OrtExportedModel, type OrtApi } from './ort-exported-model.js';

const DIR = path.resolve('models/scenes');
const manifest = JSON.parse(fs.readFileSync(path.join(DIR, 'cameras.json'), 'utf8')) as Record<string, never>;
const description: ModelDescription = { name: 'scenes', preprocess: manifest.preprocess, labels: manifest.labels, inputSize: manifest.inputSize, layer: manifest.layer };
const read = async (rel: string): Promise<Uint8Array> => new Uint8Array(fs.readFileSync(path.join(DIR, rel)));
const build = (hooks?: AdapterHooks): Promise<ModelAdapter> => buildAdapter('tfjs-layers', read, description, hooks);

beforeAll(useWasmBackend);

describe('the embedded model on onnxruntime-web through ortAdopter', () => {
  let fast: ModelAdapter;
  let slow: ModelAdapter;
  const warnings: string[] = [];
  beforeAll(async () => {
    ortWeb.env.wasm.numThreads = 1;
    fast = await build({ adopt: ortAdopter(ortWeb, { executionProviders: ['wasm'] }, 'onnxruntime-web (wasm)', (m) => warnings.push(m)) });
    slow = await build();
  });
  afterAll(() => {
    fast?.dispose();
    slow?.dispose();
  });

  it('runs its forward passes on onnxruntime-web', () => {
    expect(fast).toBeInstanceOf(OrtExportedModel);
    expect(fast.engine).toBe('onnxruntime-web (wasm)');
    expect(slow.engine).not.toMatch(/onnxruntime/);
    expect(warnings).toEqual([]);
  });

  it('gives the TF.js maps and predictions, without leaking tensors', async () => {
    const { image } = generateScene(1_500_000_123, { width: 224, height: 224 });
    const sizes = [224, 424, 624];
    const before = tf.memory().numTensors;
    const a = await cameras(fast, image, { sizes });
    const b = await cameras(slow, image, { sizes });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.predicted.index).toBe(b.predicted.index);
    expect(a.sizesUsed).toEqual(b.sizesUsed);
    expect(pearson(a.map, b.map)).toBeGreaterThanOrEqual(0.9999);
    let maxAbs = 0;
    for (let i = 0; i < a.map.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a.map[i] - b.map[i]));
    expect(maxAbs).toBeLessThanOrEqual(1e-3);
  });
});

describe('ortAdopter when onnxruntime rejects the model', () => {
  it('keeps the TF.js model and says why', async () => {
    const refusing: OrtApi = {
      Tensor: ortWeb.Tensor as unknown as OrtApi['Tensor'],
      InferenceSession: { create: () => Promise.reject(new Error('no backend found')) },
    };
    const warnings: string[] = [];
    const before = tf.memory().numTensors;
    const model = await build({ adopt: ortAdopter(refusing, {}, 'onnxruntime-web (wasm)', (m) => warnings.push(m)) });
    try {
      expect(model).not.toBeInstanceOf(OrtExportedModel);
      expect(warnings).toEqual(['scenes: forward passes on TF.js, not onnxruntime-web (wasm) (no backend found)']);
      const x = tf.zeros([1, 224, 224, 3]) as tf.Tensor4D;
      const scores = await model.predict(x);
      expect(scores.shape).toEqual([1, 10]);
      tf.dispose([x, scores]);
    } finally {
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
