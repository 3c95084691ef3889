import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '../../core/tf.js';
import '@tensorflow/tfjs-backend-wasm';
import type { ModelAdapter } from '../../core/types.js';
import { loadTfliteModel, preprocessFromInput } from './index.js';
import { TensorType, type TensorDef } from './schema.js';
import { describeShared, sharedPath } from '../../testing/shared.js';

const MODELS = sharedPath('models/tflite');

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** A smooth, deterministic, non-constant input in the model's [-1, 1] range. */
function testInput(h: number, w: number): tf.Tensor4D {
  return tf.tidy(() => tf.sin(tf.range(0, h * w * 3).mul(0.0137)).reshape([1, h, w, 3])) as tf.Tensor4D;
}

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const expected = {
  mobilenet_v1_0: { file: 'mobilenet_v1_0.25_128_quant', size: 128, kappa: 'MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6', kappaShape: [1, 4, 4, 256] },
  mobilenet_v2_1: { file: 'mobilenet_v2_1.0_224_quant', size: 224, kappa: 'MobilenetV2/Conv_1/Relu6', kappaShape: [1, 7, 7, 1280] },
};

describeShared('models/tflite').each(Object.values(expected))('$file as a ModelAdapter', ({ file, size, kappa, kappaShape }) => {
  let model: ModelAdapter;
  let baseline: number;

  beforeAll(() => {
    baseline = tf.memory().numTensors;
    model = loadTfliteModel(new Uint8Array(readFileSync(path.join(MODELS, `${file}.tflite`))), { name: file });
  });
  afterAll(() => {
    model.dispose();
    // Every weight goes with the model.
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('derives its input normalisation from the input quantisation', () => {
    expect(model.inputSize).toBe(size);
    expect(model.preprocess).toEqual({ name: 'tflite-uint8', scale: 128, mean: [1, 1, 1], std: [1, 1, 1], bgr: false });
    expect(model.engine).toBe('tfjs-wasm');
    expect(model.name).toBe(file);
  });

  it('lists the 4-D tensors by their short TFLite names (full names as aliases), the last block before the pool as default', () => {
    const layers = model.listLayers();
    expect(layers.length).toBeGreaterThan(20);
    for (const l of layers) expect(l.shape).toHaveLength(4);
    const def = model.defaultLayer();
    expect(def).toBe(kappa);
    const info = layers.find((l) => l.name === def)!;
    expect(info.shape).toEqual(kappaShape);
    expect(info.aliases?.[0]?.split(';')[0]).toBe(kappa);
    expect(info.spatial).toBe(true);
    expect(layers[0].shape[1]).toBe(size / 2);
    // The full fused name selects the same tensor.
    expect(model.split(info.aliases![0]).layer).toBe(def);
    expect(() => model.split('no/such/layer')).toThrow(/no layer/);
  });

  it('gives the same logits through split() as through predict() at every listed layer', async () => {
    const x = testInput(size, size);
    const full = await model.predict(x);
    expect(full.shape).toEqual([1, 1001]);
    const before = tf.memory().numTensors;
    let withContext = 0;
    for (const layer of model.listLayers()) {
      const split = model.split(layer.name);
      const { activation, context } = await split.head(x);
      expect(activation.shape).toEqual(layer.shape);
      if (context.length) withContext++;
      const logits = split.tail(activation, context);
      expect(maxAbsDiff(logits, full), layer.name).toBeLessThan(1e-4);
      logits.dispose();
      activation.dispose();
      context.forEach((t) => t.dispose());
      split.dispose();
    }
    // MobileNet v2's residual connections cross cuts inside its blocks; v1 has none.
    if (file.includes('v2')) expect(withContext).toBeGreaterThan(0);
    else expect(withContext).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    full.dispose();
  });

  it('has a finite, non-zero gradient of the top logit at the default layer', async () => {
    const x = testInput(size, size);
    const split = model.split(model.defaultLayer());
    const { activation, context } = await split.head(x);
    const before = tf.memory().numTensors;
    const top = tf.tidy(() => split.tail(activation, context).argMax(1).dataSync()[0]);
    // A one-hot product, not gather: gather's gradient kernel is missing on WebAssembly.
    const pick = tf.oneHot([top], 1001);
    const g = tf.grad((a: tf.Tensor) => split.tail(a as tf.Tensor4D, context).mul(pick).sum())(activation);
    pick.dispose();
    expect(g.shape).toEqual(activation.shape);
    const data = g.dataSync();
    expect(data.every(Number.isFinite)).toBe(true);
    expect(tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0])).toBeGreaterThan(0);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    activation.dispose();
    context.forEach((t) => t.dispose());
    x.dispose();
  });

  it('differentiates the whole model with respect to its input', () => {
    const x = testInput(size, size);
    const before = tf.memory().numTensors;
    const g = tf.grad((v: tf.Tensor) => model.predictDifferentiable(v as tf.Tensor4D).max())(x);
    expect(tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0])).toBeGreaterThan(0);
    expect(g.dataSync().every(Number.isFinite)).toBe(true);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('accepts other and non-square input sizes (SAME padding and global pooling follow the input)', async () => {
    const x = testInput(size + 96, size + 32);
    const logits = await model.predict(x);
    expect(logits.shape).toEqual([1, 1001]);
    expect(logits.dataSync().every(Number.isFinite)).toBe(true);
    const split = model.split(model.defaultLayer());
    const { activation, context } = await split.head(x);
    // Stride 32 with SAME padding: ceil(h / 32).
    expect(activation.shape).toEqual([1, Math.ceil((size + 96) / 32), Math.ceil((size + 32) / 32), kappaShape[3]]);
    const viaSplit = split.tail(activation, context);
    expect(maxAbsDiff(viaSplit, logits)).toBeLessThan(1e-4);
    const diff = model.predictDifferentiable(x);
    expect(maxAbsDiff(diff, logits)).toBeLessThan(1e-4);
    [x, logits, activation, viaSplit, diff, ...context].forEach((t) => t.dispose());
  });

  it('rejects inputs that are not NHWC RGB', async () => {
    const bad = tf.zeros([1, size, size, 4]) as tf.Tensor4D;
    await expect(model.predict(bad)).rejects.toThrow(/expects an NHWC input/);
    expect(() => model.predictDifferentiable(bad)).toThrow(/expects an NHWC input/);
    bad.dispose();
  });
});

describeShared('models/tflite', 'models/labels')('labels', () => {
  const bytes = new Uint8Array(readFileSync(path.join(MODELS, 'mobilenet_v1_0.25_128_quant.tflite')));

  it('takes 1001 labels as they are and prepends the background class to 1000', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `class ${i}`);
    const m1000 = loadTfliteModel(bytes, { labels: names });
    expect(m1000.labels).toHaveLength(1001);
    expect(m1000.labels![0]).toBe('background');
    expect(m1000.labels![1]).toBe('class 0');
    m1000.dispose();
    const m1001 = loadTfliteModel(bytes, { labels: ['bg', ...names] });
    expect(m1001.labels![0]).toBe('bg');
    m1001.dispose();
    // Without labels, those packed into the file (TFLite metadata) are used.
    const packed = loadTfliteModel(bytes);
    const file = readFileSync(sharedPath('models/labels/imagenet_1001_with_background.txt'), 'utf8').split('\n').filter((l) => l);
    expect(packed.labels).toEqual(file);
    packed.dispose();
    // A file without them has none: cut the appended archive off.
    const bare = loadTfliteModel(bytes.subarray(0, bytes.length - 20000));
    expect(bare.labels).toBeUndefined();
    bare.dispose();
  });

  it('rejects a label list of the wrong length without leaking the weights', () => {
    const before = tf.memory().numTensors;
    expect(() => loadTfliteModel(bytes, { labels: ['a', 'b'] })).toThrow(/1001 classes but 2 labels/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('preprocessFromInput', () => {
  const input = (type: number, scale: number, zeroPoint: number): TensorDef => ({
    index: 0,
    name: 'input',
    shape: [1, 8, 8, 3],
    type,
    data: null,
    quant: { scale: [scale], zeroPoint: [zeroPoint], axis: 0 },
  });

  it('maps pixel p to the real value scale·(q − zeroPoint) the model sees', () => {
    for (const [type, scale, zp, offset] of [
      [TensorType.UINT8, 1 / 128, 128, 0],
      [TensorType.UINT8, 1 / 255, 0, 0],
      [TensorType.INT8, 1 / 255, -128, 128],
      [TensorType.INT8, 0.0078125, 0, 128],
    ]) {
      const spec = preprocessFromInput(input(type, scale, zp));
      for (const p of [0, 37, 128, 255]) {
        const real = scale * (p - offset - zp);
        expect((p / spec.scale - spec.mean[0]) / spec.std[0]).toBeCloseTo(real, 6);
      }
    }
  });

  it('assumes [-1, 1] for float inputs, which carry no quantisation', () => {
    const spec = preprocessFromInput({ ...input(TensorType.FLOAT32, 1, 0), quant: null });
    expect(spec.name).toBe('tflite-float');
    expect(0 / spec.scale - spec.mean[0]).toBe(-1);
    expect(255 / spec.scale - spec.mean[0]).toBe(1);
  });
});
