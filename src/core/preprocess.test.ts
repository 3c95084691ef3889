import { describe, it, expect, afterAll } from 'vitest';
import * as tf from './tf.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { imageToTensor, normalizeInput, normalizedBatch, PREPROCESS_PRESETS } from './preprocess.js';
import type { RgbImage } from './types.js';

function image(seed: number, channels: 3 | 4, bytes: boolean): RgbImage {
  // Odd sizes, large enough for the SIMD loops of the WebAssembly kernels and their tails.
  const n = 33 * 17 * channels;
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 255;
  const data = bytes ? Uint8Array.from({ length: n }, () => Math.floor(next())) : Float32Array.from({ length: n }, next);
  return { width: 33, height: 17, channels, data };
}

describe('normalizedBatch', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const backend of ['cpu', 'wasm']) {
    for (const [name, spec] of Object.entries(PREPROCESS_PRESETS)) {
      it(`equals imageToTensor + concat + normalizeInput bit for bit (${backend}, ${name})`, async () => {
        expect(await tf.setBackend(backend)).toBe(true);
        const images = [image(1, 3, false), image(2, 4, true), image(3, 3, true)];
        const before = tf.memory().numTensors;
        const got = normalizedBatch(images, spec);
        const want = tf.tidy(() => normalizeInput(tf.concat(images.map(imageToTensor), 0) as tf.Tensor4D, spec));
        expect(got.shape).toEqual([3, 17, 33, 3]);
        expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
        tf.dispose([got, want]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  it('refuses images of different sizes, data of the wrong length and an empty batch', () => {
    const spec = PREPROCESS_PRESETS.tf;
    const other = { ...image(1, 3, false), width: 17, height: 33 };
    expect(() => normalizedBatch([image(1, 3, false), other], spec)).toThrow(/one size/);
    expect(() => normalizedBatch([{ ...image(1, 3, false), channels: 4 }], spec)).toThrow(/does not match/);
    expect(() => normalizedBatch([], spec)).toThrow(/no images/);
  });
});
