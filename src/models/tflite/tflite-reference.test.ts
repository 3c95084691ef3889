/**
 * Top-1 parity of the imported (dequantised, float32) MobileNets with TensorFlow Lite itself
 * (its WebAssembly interpreter, integer kernels) on every photo of the shared set.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import * as tf from '../../core/tf.js';
import '@tensorflow/tfjs-backend-wasm';
import type { ModelAdapter, PreprocessSpec } from '../../core/types.js';
import { loadTfliteModel } from './index.js';
import { createTfliteReference, findTfliteWasmDir, type TfliteReference } from '../../node/tflite-reference.js';
import { describeShared, hasShared, sharedPath } from '../../testing/shared.js';

const PHOTOS = sharedPath('data/photos');
const MODELS = sharedPath('models/tflite');
const LABELS_FILE = 'models/labels/imagenet_1001_with_background.txt';
const describeReference = describeShared('data/photos', 'models/tflite', LABELS_FILE);
// Read at collection time (the photos name the tests); empty, and the suites skipped, without the shared data.
const LABELS = hasShared(LABELS_FILE)
  ? readFileSync(sharedPath(LABELS_FILE), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
  : [];

/** 24/32-bit uncompressed BMP to RGB (sharp has no BMP decoder). */
function decodeBmp(buf: Buffer): { data: Buffer; width: number; height: number } {
  if (buf.toString('latin1', 0, 2) !== 'BM') throw new Error('not a BMP');
  const offset = buf.readUInt32LE(10);
  const width = buf.readInt32LE(18);
  const rawHeight = buf.readInt32LE(22);
  const bpp = buf.readUInt16LE(28);
  const compression = buf.readUInt32LE(30);
  if ((bpp !== 24 && bpp !== 32) || (compression !== 0 && compression !== 3)) throw new Error(`unsupported BMP (${bpp} bpp, compression ${compression})`);
  const height = Math.abs(rawHeight);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = offset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const p = row + (x * bpp) / 8;
      data[(y * width + x) * 3] = buf[p + 2];
      data[(y * width + x) * 3 + 1] = buf[p + 1];
      data[(y * width + x) * 3 + 2] = buf[p];
    }
  }
  return { data, width, height };
}

/** The photo as 8-bit RGB, resized bilinearly to `size`×`size`. */
async function loadPhoto(file: string, size: number): Promise<Uint8Array> {
  let img: Sharp;
  if (file.endsWith('.bmp')) {
    const { data, width, height } = decodeBmp(readFileSync(file));
    img = sharp(data, { raw: { width, height, channels: 3 } });
  } else {
    img = sharp(file);
  }
  const { data, info } = await img.removeAlpha().resize(size, size, { fit: 'fill', kernel: 'linear' }).raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return new Uint8Array(data);
}

/** 0..255 RGB to the model's input through its {@link PreprocessSpec}. */
function toInput(pixels: Uint8Array, size: number, spec: PreprocessSpec): tf.Tensor4D {
  return tf.tidy(() =>
    tf.tensor4d(Float32Array.from(pixels), [1, size, size, 3]).div(spec.scale).sub(tf.tensor1d([...spec.mean])).div(tf.tensor1d([...spec.std])),
  ) as tf.Tensor4D;
}

const photos = hasShared('data/photos') ? readdirSync(PHOTOS).filter((f) => /\.(png|jpe?g|bmp)$/i.test(f)).sort() : [];

describeReference.each(['mobilenet_v1_0.25_128_quant', 'mobilenet_v2_1.0_224_quant'])('%s vs the TFLite interpreter', (file) => {
  let model: ModelAdapter;
  let reference: TfliteReference;
  let bytes: Uint8Array;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    bytes = new Uint8Array(readFileSync(path.join(MODELS, `${file}.tflite`)));
    model = loadTfliteModel(bytes, { name: file, labels: LABELS });
    expect(findTfliteWasmDir(), 'TFLite reference engine (@tensorflow/tfjs-tflite) must be installed').not.toBeNull();
    reference = await createTfliteReference(bytes);
  });

  afterAll(() => {
    model?.dispose();
    reference?.dispose();
  });

  it('has the reference engine’s input and 1001-class output', () => {
    expect(reference.inputs).toHaveLength(1);
    expect(reference.inputs[0].dataType).toBe('uint8');
    expect(reference.inputs[0].shape).toEqual([1, model.inputSize, model.inputSize, 3]);
    expect(reference.outputs[0].shape).toEqual([1, 1001]);
    expect(model.labels).toHaveLength(1001);
  });

  it('predicts the reference top-1 on every photo', async () => {
    expect(photos.length).toBeGreaterThanOrEqual(9);
    const before = tf.memory().numTensors;
    for (const photo of photos) {
      const pixels = await loadPhoto(path.join(PHOTOS, photo), model.inputSize);
      // The uint8 model consumes the pixels themselves; ours consumes the real values they encode.
      const [probs] = reference.run([pixels]);
      const top = Math.max(...probs);
      // The reference output is a uint8 softmax: classes within one step of each other tie.
      const tied = Array.from(probs).flatMap((v, i) => (v === top ? [i] : []));
      const input = toInput(pixels, model.inputSize, model.preprocess);
      const logits = await model.predict(input);
      const ours = tf.tidy(() => logits.argMax(1).dataSync()[0]);
      input.dispose();
      logits.dispose();
      expect(tied, `${photo}: ours ${ours} (${LABELS[ours]}), TFLite ${tied.map((i) => LABELS[i]).join(' / ')}`).toContain(ours);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('sees a cat in chelsea.png', async () => {
    const pixels = await loadPhoto(path.join(PHOTOS, 'chelsea.png'), model.inputSize);
    const top = tf.tidy(() => model.predictDifferentiable(toInput(pixels, model.inputSize, model.preprocess)).argMax(1).dataSync()[0]);
    expect(model.labels![top]).toMatch(/cat|tabby/i);
  });
});
