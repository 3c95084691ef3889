import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../core/tf.js';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import { generateScene, SCENE_LABELS } from './index.js';
import { sizesKept } from './sizes-kept.js';
import { AUTHORS_SIZES } from '../core/schedule.js';

// SCENES_MODEL_DIR lets a freshly trained model be checked before it replaces the committed one.
const dir = path.resolve(process.env.SCENES_MODEL_DIR ?? 'models/scenes');
const manifest = JSON.parse(readFileSync(path.join(dir, 'cameras.json'), 'utf8'));

/** Reads `model.json` + its weight files from disk (no tfjs-node). */
function fileHandler(modelDir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
      const groups = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      const buffers = groups.flatMap((g) => g.paths.map((p) => readFileSync(path.join(modelDir, p))));
      const total = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: groups.flatMap((g) => g.weights),
        weightData: total.buffer.slice(total.byteOffset, total.byteOffset + total.byteLength),
      };
    },
  };
}

/**
 * Accuracy floor at 224, issue 13's: the scale-robust model must stay as accurate as the single-scale
 * one it replaced (0.956). It measures 0.970 on the script's 500 held-out scenes (docs/scenes.md).
 */
const FLOOR = 0.95;

/** Seeds of the test's held-out scenes: disjoint from training (1..steps·batch) and from the script's own evaluation. */
const TEST_SEED = 1_500_000_000;

describe('embedded scenes model', () => {
  let model: tfl.LayersModel;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    model = await tfl.loadLayersModel(fileHandler(dir));
  });
  afterAll(() => model?.dispose());

  it('has a manifest that matches the model', () => {
    expect(manifest.name).toBe('scenes');
    expect(manifest.format).toBe('tfjs-layers');
    expect(manifest.inputSize).toBe(224);
    expect(manifest.preprocess).toBe('unit');
    expect(manifest.output).toBe('logits');
    expect(manifest.labels).toEqual([...SCENE_LABELS]);
    expect(manifest.accuracy.heldOut).toBeGreaterThanOrEqual(FLOOR);
    expect(manifest.accuracy.n).toBeGreaterThanOrEqual(200);
    expect(manifest.accuracy.size).toBe(224);
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.modelTopology.config.layers[0].config.batch_input_shape).toEqual([null, null, null, 3]);
    const layer = model.getLayer(manifest.layer);
    expect(layer.getClassName()).toBe('ReLU');
    const size = statSync(path.join(dir, 'model.json')).size + statSync(path.join(dir, 'weights.bin')).size;
    expect(size).toBeLessThan(5e6);
  });

  it('runs at any input size and its last conv block is at least 7×7 at 224', () => {
    const before = tf.memory().numTensors;
    const probe = tfl.model({ inputs: model.inputs, outputs: model.getLayer(manifest.layer).output as tfl.SymbolicTensor });
    tf.tidy(() => {
      // 1/16 of the input for a four-stage network (block4_relu), 1/32 for a five-stage one (block5_relu).
      const side = manifest.layer === 'block5_relu' ? 7 : 14;
      expect((probe.predict(tf.zeros([1, 224, 224, 3])) as tf.Tensor).shape.slice(1, 3)).toEqual([side, side]);
      expect((model.predict(tf.zeros([2, 160, 288, 3])) as tf.Tensor).shape).toEqual([2, SCENE_LABELS.length]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reaches the stated accuracy on 200 held-out scenes at 224', async () => {
    const before = tf.memory().numTensors;
    const n = 200;
    let correct = 0;
    const confusion = new Map<string, number>();
    for (let i = 0; i < n; i += 20) {
      const scenes = Array.from({ length: 20 }, (_, j) => generateScene(TEST_SEED + i + j));
      const buf = new Float32Array(20 * 224 * 224 * 3);
      scenes.forEach((s, j) => s.image.data.forEach((v, k) => (buf[j * 224 * 224 * 3 + k] = v / 255)));
      const pred = tf.tidy(() => (model.predict(tf.tensor4d(buf, [20, 224, 224, 3])) as tf.Tensor).argMax(1));
      const p = await pred.data();
      pred.dispose();
      scenes.forEach((s, j) => {
        if (p[j] === s.objects[0].classIndex) correct++;
        else {
          const key = `${s.objects[0].label}→${SCENE_LABELS[p[j]]}`;
          confusion.set(key, (confusion.get(key) ?? 0) + 1);
        }
      });
    }
    const acc = correct / n;
    if (acc < FLOOR) console.log('mistakes', Object.fromEntries(confusion));
    expect(acc).toBeGreaterThanOrEqual(FLOOR);
    // The manifest's figure comes from other held-out seeds: the two should agree within sampling error.
    expect(Math.abs(acc - manifest.accuracy.heldOut)).toBeLessThan(0.05);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps its prediction across CAMERAS\' sizes: on average at least 6 of the authors\' 8 on held-out scenes', async () => {
    const before = tf.memory().numTensors;
    const n = 30;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      // Other seeds than the accuracy test's 200 and the script's own report.
      const scene = generateScene(TEST_SEED + 10_000 + i);
      const x = tf.tensor4d(Float32Array.from(scene.image.data, (v) => v / 255), [1, 224, 224, 3]);
      kept += await sizesKept((t) => model.predict(t) as tf.Tensor, x, AUTHORS_SIZES);
      x.dispose();
    }
    expect(AUTHORS_SIZES).toContain(224);
    expect(kept / n).toBeGreaterThanOrEqual(6);
    expect(manifest.sizesKept.mean).toBeGreaterThanOrEqual(6);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
