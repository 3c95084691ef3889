import { describe, expect, it } from 'vitest';
import * as tf from '../core/tf.js';
import type { RgbImage } from '../core/types.js';
import { imageToTensor, normalizeInput } from '../core/preprocess.js';
import { isTensorLike } from '../core/tensor-input.js';
import { gradcam } from './gradcam.js';
import { toyModel } from '../testing/toy-model.js';

/** A seeded 8×8 image whose channel 0 dominates, so class 0 is predicted. */
function image(): RgbImage {
  const data = new Float32Array(8 * 8 * 3);
  for (let i = 0; i < data.length; i++) data[i] = i % 3 === 0 ? 150 + ((i * 37) % 100) : (i * 53) % 90;
  return { width: 8, height: 8, channels: 3, data };
}

/** What a tensor of a second tfjs-core copy looks like from here: the fields, none of the methods. */
function foreign(t: { dataId: object; shape: number[]; dtype: string }): unknown {
  return { dataId: t.dataId, shape: [...t.shape], dtype: t.dtype, rank: t.shape.length, size: t.shape.reduce((a, b) => a * b, 1), id: -1 };
}

describe('tensor inputs recognised by their fields, not their class', () => {
  const model = toyModel(0);
  const img = image();

  it('tells tensors and tensor-likes from images', () => {
    const t = tf.zeros([1, 2, 2, 3]);
    expect(isTensorLike(t)).toBe(true);
    expect(isTensorLike(foreign(t as unknown as { dataId: object; shape: number[]; dtype: string }))).toBe(true);
    expect(isTensorLike(img)).toBe(false);
    expect(isTensorLike(null)).toBe(false);
    t.dispose();
  });

  it('a real preprocessed tensor gives the map of the image it came from, and is left to its owner', async () => {
    const fromImage = await gradcam(model, img);
    const x = tf.tidy(() => normalizeInput(imageToTensor(img), model.preprocess));
    const before = tf.memory().numTensors;
    const fromTensor = await gradcam(model, x);
    expect(tf.memory().numTensors).toBe(before);
    expect(x.isDisposed).toBe(false);
    expect([...fromTensor.map]).toEqual([...fromImage.map]);
    expect(fromTensor.target.index).toBe(fromImage.target.index);
    x.dispose();
  });

  it('a tensor-like object whose data this engine holds (a second copy sharing the engine) works like the tensor', async () => {
    const x = tf.tidy(() => normalizeInput(imageToTensor(img), model.preprocess));
    const expected = await gradcam(model, x);
    const before = tf.memory().numTensors;
    const r = await gradcam(model, foreign(x as unknown as { dataId: object; shape: number[]; dtype: string }) as tf.Tensor4D);
    expect(tf.memory().numTensors).toBe(before);
    expect([...r.map]).toEqual([...expected.map]);
    x.dispose();
  });

  it('a tensor-like object whose data this engine does not know fails with a clear error, not as an image', async () => {
    const stray = foreign({ dataId: {}, shape: [1, 8, 8, 3], dtype: 'float32' }) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    await expect(gradcam(model, stray)).rejects.toThrow(/another copy of @tensorflow\/tfjs-core/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a disposed tensor and a tensor of the wrong shape fail with their own errors', async () => {
    const x = tf.zeros([1, 8, 8, 3]);
    x.dispose();
    await expect(gradcam(model, x as tf.Tensor4D)).rejects.toThrow('input tensor is disposed');
    const flat = tf.zeros([8, 8, 3]);
    await expect(gradcam(model, flat as unknown as tf.Tensor4D)).rejects.toThrow('input tensor must be [1, H, W, 3], got [8, 8, 3]');
    flat.dispose();
  });
});
