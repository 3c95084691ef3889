/**
 * Case 4: degenerate numbers. All-zero activations, all-zero gradients, a target class whose
 * gradient is zero: a defined all-zero map, never NaN. A model whose output is not a class vector:
 * a clear error. Non-finite activations: never NaN in the CLI's output files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf.js';
import type { ModelAdapter, RgbImage } from '../../src/core/types.js';
import { resolvePreprocess } from '../../src/core/preprocess.js';
import { LayersModelAdapter } from '../../src/models/layers-adapter.js';
import { cameras } from '../../src/methods/cameras.js';
import { gradcam } from '../../src/methods/gradcam.js';
import type { SaliencyResult } from '../../src/methods/types.js';
import { loadModel } from '../../src/node/load-model.js';
import { loadModelFromFiles } from '../../src/browser/files-model.js';
import { toyModel } from '../../src/testing/toy-model.js';
import { cleanupTemp, tempDir } from '../../src/testing/cli.js';
import { saveModel, tinyLayersModel, writeModelFolder, type TinyModelOptions } from '../../src/testing/layers-models.js';

afterAll(cleanupTemp);

/** A 40×30 image with structure everywhere (no flat regions). */
const IMAGE: RgbImage = { width: 40, height: 30, channels: 3, data: new Uint8Array(40 * 30 * 3).map((_, i) => (i * 37 + (i >> 5)) % 256) };

function adapter(opts: TinyModelOptions): ModelAdapter {
  return new LayersModelAdapter(tinyLayersModel(opts), { name: 'tiny', preprocess: resolvePreprocess('unit'), inputSize: 32, labels: ['a', 'b', 'c'] });
}

function expectAllZero(r: SaliencyResult): void {
  expect(r.map).toHaveLength(IMAGE.width * IMAGE.height);
  expect(r.map.every((v) => v === 0)).toBe(true);
  expect(r.raw.every((v) => v === 0)).toBe(true);
}

function expectInformative(r: SaliencyResult): void {
  expect(r.map.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
  expect(Math.max(...r.map)).toBe(1);
  expect(Math.min(...r.map)).toBe(0);
}

const METHODS = [
  ['cameras', (m: ModelAdapter, t?: number) => cameras(m, IMAGE, { sizes: [32, 48, 64], target: t })],
  ['gradcam', (m: ModelAdapter, t?: number) => gradcam(m, IMAGE, { target: t })],
] as const;

describe.each(METHODS)('%s on degenerate models', (_name, run) => {
  it('control: the seeded tiny model gives an informative map', async () => {
    const m = adapter({});
    const before = tf.memory().numTensors;
    expectInformative(await run(m));
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('κ whose activations are all zero: an all-zero map, no NaN, no leak', async () => {
    const m = adapter({ zeroConv: true });
    const before = tf.memory().numTensors;
    expectAllZero(await run(m));
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('logits that do not depend on κ (all gradients zero): an all-zero map', async () => {
    const m = adapter({ zeroDense: true });
    const before = tf.memory().numTensors;
    const r = await run(m);
    expectAllZero(r);
    // Equal logits: the reference prediction is the first class, with probability 1/3.
    expect(r.predicted.index).toBe(0);
    expect(r.predicted.probability).toBeCloseTo(1 / 3, 6);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('a target class whose gradient is zero: an all-zero map, while the other classes are informative', async () => {
    const m = adapter({ deadClass: 2 });
    const before = tf.memory().numTensors;
    const dead = await run(m, 2);
    expect(dead.target.index).toBe(2);
    expectAllZero(dead);
    expectInformative(await run(m, 0));
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});

describe('a model whose output is not a class vector', () => {
  it('a layers model ending in a 1×1 conv map is refused by loadModel with a clear error', async () => {
    const seg = tinyLayersModel({ fourDOutput: true });
    const dir = writeModelFolder(path.join(tempDir(), 'seg'), await saveModel(seg));
    seg.dispose();
    const before = tf.memory().numTensors;
    await expect(loadModel(dir)).rejects.toThrow(/output has shape \[\?, \?, \?, 3\], not a class vector \[batch, classes\]/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the browser loader refuses it the same way (one factory for both, issue 17)', async () => {
    const seg = tinyLayersModel({ fourDOutput: true });
    const dir = writeModelFolder(path.join(tempDir(), 'seg-browser'), await saveModel(seg));
    seg.dispose();
    const files = fs.readdirSync(dir).map((n) => new File([fs.readFileSync(path.join(dir, n))], n));
    const before = tf.memory().numTensors;
    await expect(loadModelFromFiles(files)).rejects.toThrow(/output has shape \[\?, \?, \?, 3\], not a class vector \[batch, classes\]/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a 1×1-spatial class head ([N, 1, 1, C]) is still a classifier', async () => {
    const m = tinyLayersModel();
    const saved = await saveModel(m);
    m.dispose();
    // Same weights, with the logits reshaped to [N, 1, 1, 3] at the end.
    const topo = saved.modelJson.modelTopology as { config: { layers: { name: string; class_name: string; config: unknown; inbound_nodes: unknown[] }[]; output_layers: unknown[] } };
    const cfg = topo.config;
    cfg.layers.push({ name: 'to4d', class_name: 'Reshape', config: { name: 'to4d', target_shape: [1, 1, 3], trainable: true, dtype: 'float32' }, inbound_nodes: [[['logits', 0, 0, {}]]] });
    cfg.output_layers = [['to4d', 0, 0]];
    const dir = writeModelFolder(path.join(tempDir(), 'head4d'), saved);
    const model = await loadModel(dir);
    const r = await cameras(model, IMAGE, { sizes: [32] });
    expect(r.target.index).toBeLessThan(3);
    expectInformative(r);
    model.dispose();
  });
});

describe('non-finite activations never reach the CLI output files', () => {
  /** The toy model with one NaN written into κ's activation. */
  function nanToy(): ModelAdapter {
    const toy = toyModel(0, 8);
    return {
      ...toy,
      split: (layer: string) => {
        const s = toy.split(layer);
        return {
          ...s,
          head: async (x: tf.Tensor4D) => {
            const h = await s.head(x);
            const poisoned = tf.tidy(() => {
              const b = tf.buffer(h.activation.shape, 'float32');
              b.set(NaN, 0, 0, 0, 0);
              return tf.add(h.activation, b.toTensor()) as tf.Tensor4D;
            });
            h.activation.dispose();
            return { activation: poisoned, context: h.context };
          },
        };
      },
    };
  }

  it('a NaN activation gives a clear error naming the method and layer, never a NaN map', async () => {
    await expect(cameras(nanToy(), IMAGE, { sizes: [8] })).rejects.toThrow(/cameras at layer pool: the map has non-finite values \(NaN or Inf\)/);
    const ok = await cameras(toyModel(0, 8), IMAGE, { sizes: [8] });
    expect(ok.map.every(Number.isFinite)).toBe(true);
  });
});
