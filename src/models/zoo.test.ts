import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as path from 'node:path';
import * as tf from '../core/tf.js';
import type { ModelAdapter, RgbImage } from '../core/types.js';
import { initBackend } from '../node/backend.js';
import { loadModel } from '../node/load-model.js';
import { readImage } from '../node/image-io.js';
import { cameras } from '../methods/cameras.js';
import { gradcam } from '../methods/gradcam.js';
import { argmax } from '../core/target.js';
import { describeShared, sharedPath } from '../testing/shared.js';

const photo = (name: string) => sharedPath('data/photos', name);
/** The cat in chelsea.png (451×300): everything left of the background object on the right. */
const CAT_BOX = { x0: 0, y0: 0, x1: 390, y1: 300 };

function peak(map: Float32Array, width: number): { x: number; y: number } {
  const i = argmax(map);
  return { x: i % width, y: Math.floor(i / width) };
}

describeShared('data/photos', 'models/mobilenet_v1_0.25_224', 'models/darknet_tiny').each([
  ['mobilenet_v1_0.25_224', 'conv_pw_13_relu'],
  ['darknet_tiny', 'leaky_re_lu_15'],
])('zoo model %s on real photos', (name, layer) => {
  let model: ModelAdapter;
  let chelsea: RgbImage;

  beforeAll(async () => {
    await initBackend('wasm');
    model = await loadModel(name);
    chelsea = await readImage(photo('chelsea.png'));
  });
  afterAll(() => model?.dispose());

  it('finds the last convolutional block as the default layer', () => {
    expect(model.defaultLayer()).toBe(layer);
    const info = model.listLayers().find((l) => l.name === layer)!;
    expect(info.spatial).toBe(true);
    expect(info.shape[1]).toBeGreaterThanOrEqual(7);
  });

  it('predicts a cat on chelsea.png and CAMERAS peaks on the cat', async () => {
    const before = tf.memory().numTensors;
    const r = await cameras(model, chelsea, { sizes: [224, 324, 424] });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.target.label).toMatch(/cat|tabby/i);
    expect([r.width, r.height]).toEqual([451, 300]);
    expect(r.sizesUsed[0]).toBe(224);
    expect(r.map.every((v) => v >= 0 && v <= 1)).toBe(true);
    const p = peak(r.map, r.width);
    expect(p.x).toBeGreaterThanOrEqual(CAT_BOX.x0);
    expect(p.x).toBeLessThan(CAT_BOX.x1);
    const g = await gradcam(model, chelsea);
    expect(g.target.index).toBe(r.target.index);
    const q = peak(g.map, g.width);
    expect(q.x).toBeLessThan(CAT_BOX.x1);
  });

  it('CAMERAS is finer than Grad-CAM: more detail below 8 px than the upsampled 7×7 map', async () => {
    const r = await cameras(model, chelsea);
    const g = await gradcam(model, chelsea);
    // RMS of the map minus its 17×17 box blur: the energy at fine spatial scales.
    const highPass = (m: Float32Array, w: number, h: number, k = 8) => {
      let e = 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let s = 0;
          let n = 0;
          for (let yy = Math.max(0, y - k); yy <= Math.min(h - 1, y + k); yy++)
            for (let xx = Math.max(0, x - k); xx <= Math.min(w - 1, x + k); xx++, n++) s += m[yy * w + xx];
          e += (m[y * w + x] - s / n) ** 2;
        }
      return Math.sqrt(e / m.length);
    };
    expect(highPass(r.map, r.width, r.height)).toBeGreaterThan(1.05 * highPass(g.map, g.width, g.height));
  });

  it('explains a class given by index or by label, identically', async () => {
    const byIndex = await cameras(model, chelsea, { sizes: [224, 324], target: 281 });
    const label = model.labels![281];
    const byLabel = await cameras(model, chelsea, { sizes: [224, 324], target: label });
    expect(byLabel.target.index).toBe(281);
    expect(Array.from(byLabel.map)).toEqual(Array.from(byIndex.map));
  });

  it('leaks no tensors over repeated calls', async () => {
    await cameras(model, chelsea, { sizes: [224] });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await cameras(model, chelsea, { sizes: [224, 256] });
      await gradcam(model, chelsea);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects an unknown layer, a class out of range and an unknown label', async () => {
    const before = tf.memory().numTensors;
    await expect(cameras(model, chelsea, { layer: 'no_such_layer', sizes: [224] })).rejects.toThrow(/unknown layer "no_such_layer"/);
    await expect(cameras(model, chelsea, { target: 1000, sizes: [224] })).rejects.toThrow(/out of range/);
    await expect(cameras(model, chelsea, { target: 'flying teapot', sizes: [224] })).rejects.toThrow(/unknown label/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('model loading errors', () => {
  it('names an unknown model and the zoo', async () => {
    await expect(loadModel('no-such-model')).rejects.toThrow(/unknown model "no-such-model".*mobilenet_v1_0\.25_224/);
  });
});
