import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../core/tf.js';
import type { ModelAdapter, RgbImage } from '../../core/types.js';
import { gradcam } from '../../methods/gradcam.js';
import { initBackend } from '../../node/backend.js';
import { readImage } from '../../node/image-io.js';
import { loadModel } from '../../node/load-model.js';
import { toyModel } from '../../testing/toy-model.js';
import { ModelScorer } from './probability.js';
import { describeShared, sharedPath } from '../../testing/shared.js';

describeShared('models/mobilenet_v1_0.25_224', 'data/voc07/000456.jpg')('ModelScorer on MobileNet', () => {
  let model: ModelAdapter;
  let image: RgbImage;
  beforeAll(async () => {
    await initBackend('wasm', { threads: 1 });
    model = await loadModel('mobilenet_v1_0.25_224');
    image = await readImage(sharedPath('data/voc07/000456.jpg'));
  });
  afterAll(() => model?.dispose());

  it('scores the image exactly like a method\'s base-size pass, in batches or one by one', async () => {
    const scorer = new ModelScorer(model);
    const before = tf.memory().numTensors;
    const r = await gradcam(model, image);
    const [p] = await scorer.probabilities([image], r.target.index);
    expect(p).toBeCloseTo(r.target.probability, 5);
    expect(scorer.baseShape(image.height, image.width)).toEqual([224, 299]);
    // A darkened copy: batch of two equals two single calls to the last bit (insertion/deletion
    // scores the images its curves share alone and counts on that).
    const dark: RgbImage = { ...image, data: Uint8Array.from(image.data, (v) => v >> 1) };
    const both = await scorer.probabilities([image, dark], r.target.index);
    const alone = await scorer.probabilityFn(r.target.index)(dark);
    expect(both[0]).toBe(p);
    expect(both[1]).toBe(alone);
    expect(both[1]).not.toBeCloseTo(p!, 3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects mixed sizes and bad targets without leaking', async () => {
    const scorer = new ModelScorer(model);
    const before = tf.memory().numTensors;
    const small: RgbImage = { width: 10, height: 10, channels: 3, data: new Uint8Array(300) };
    await expect(scorer.probabilities([image, small], 1)).rejects.toThrow(/same size/);
    await expect(scorer.probabilities([small], 1000)).rejects.toThrow(/outside 1000 classes/);
    expect(await scorer.probabilities([], 1)).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('ModelScorer on a model that takes one image at a time', () => {
  it('reports a model that ignores the batch', async () => {
    await initBackend('wasm', { threads: 1 });
    const toy = toyModel(0, 8);
    const scorer = new ModelScorer(toy);
    const im: RgbImage = { width: 8, height: 8, channels: 3, data: new Uint8Array(192).fill(100) };
    // The toy model's predict leaks its pooled activation; the scorer must add nothing to that.
    const leakOf = async (batch: number) => {
      const x = tf.zeros([batch, 8, 8, 3]) as tf.Tensor4D;
      const t0 = tf.memory().numTensors;
      try {
        tf.dispose(await toy.predict(x));
      } catch {
        // the batch of two fails inside the model
      }
      const leak = tf.memory().numTensors - t0;
      x.dispose();
      return leak;
    };
    const leak1 = await leakOf(1);
    const leak2 = await leakOf(2);
    const before = tf.memory().numTensors;
    const [p] = await scorer.probabilities([im], 0);
    // unit preprocessing: A ≈ 100/255 in both channels; logits 2a − a = a and 0.5a (γ = 0).
    const a = 100 / 255;
    expect(p).toBeCloseTo(1 / (1 + Math.exp(0.5 * a - a)), 5);
    expect(tf.memory().numTensors - before).toBe(leak1);
    const t1 = tf.memory().numTensors;
    await expect(scorer.probabilities([im, im], 0)).rejects.toThrow();
    expect(tf.memory().numTensors - t1).toBe(leak2);
  });
});
