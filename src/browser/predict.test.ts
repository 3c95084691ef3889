import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../core/tf.js';
import type { RgbImage } from '../core/types.js';
import { toyModel } from '../testing/toy-model.js';
import { gradcam } from '../methods/index.js';
import { topPredictions } from './predict.js';

function uniform(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rgb[i % 3];
  return { width, height, channels: 3, data };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('topPredictions', () => {
  it('computes the logits at the base size with the aspect ratio kept (hand-computed toy model)', async () => {
    const gamma = 0.01;
    const model = toyModel(gamma, 8);
    // 24×16 image → base size 8 → 12×8 input → 6×4 pooled activation: h·w = 24.
    const preds = await topPredictions(model, uniform(24, 16, [204, 51, 0]));
    const r = 204 / 255;
    const g = 51 / 255;
    const l0 = 2 * r - g;
    const l1 = 0.5 * g + gamma * 24;
    expect(preds.map((p) => p.index)).toEqual([0, 1]);
    expect(preds[0].logit).toBeCloseTo(l0, 5);
    expect(preds[1].logit).toBeCloseTo(l1, 5);
    const p0 = 1 / (1 + Math.exp(l1 - l0));
    expect(preds[0].probability).toBeCloseTo(p0, 6);
    expect(preds[0].probability + preds[1].probability).toBeCloseTo(1, 12);
    expect(preds[0].label).toBe('zero');
  });

  it('agrees with the reference pass of an explanation, and sorts by probability', async () => {
    const model = toyModel(0.2, 8);
    const img = uniform(10, 10, [30, 200, 90]);
    const [top] = await topPredictions(model, img, { k: 1 });
    const r = await gradcam(model, img);
    expect(top.index).toBe(r.predicted.index);
    expect(top.index).toBe(1);
    expect(top.probability).toBeCloseTo(r.predicted.probability, 6);
    expect(top.logit).toBeCloseTo(r.predicted.logit, 5);
  });

  it('leaves no tensors behind and refuses bad k', async () => {
    // The toy model's own predict() leaks its head's output: use its tidy differentiable forward.
    const toy = toyModel(0, 8);
    const model = { ...toy, predict: async (x: tf.Tensor4D) => toy.predictDifferentiable(x) };
    const img = uniform(9, 13, [1, 2, 3]);
    const before = tf.memory().numTensors;
    await topPredictions(model, img, { k: 5 });
    expect(tf.memory().numTensors).toBe(before);
    expect((await topPredictions(model, img, { k: 5 })).length).toBe(2);
    await expect(topPredictions(model, img, { k: 0 })).rejects.toThrow(RangeError);
    await expect(topPredictions(model, { width: 2, height: 2, channels: 3, data: new Uint8Array(5) })).rejects.toThrow(/does not match/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
