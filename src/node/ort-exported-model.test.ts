/**
 * TF.js layers and TFLite models on onnxruntime-node: the exported head must give the maps and
 * predictions of the pure TF.js path on the real models and photos, leak no tensors, and a model
 * the exporter cannot write must fall back to TF.js (`auto`) or fail clearly (`onnxruntime`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import { imageToTensor, normalizeInput } from '../core/preprocess.js';
import { resizeImage } from '../core/resize.js';
import { cameras } from '../methods/cameras.js';
import { pearson } from '../metrics/similarity.js';
import { randomizable } from '../analysis/randomize.js';
import { layersToOnnx } from '../models/onnx-export/layers.js';
import { useWasmBackend } from '../testing/fixtures.js';
import { describeShared } from '../testing/shared.js';
import { readImage } from './image-io.js';
import { loadModel } from './load-model.js';

const PHOTOS = path.resolve('../shared/data/photos');

beforeAll(useWasmBackend);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function argmax(v: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i;
  return k;
}

// The zoo models come from the shared mirror, the photos from the shared data: skipped without them.
const MIRRORED: Record<string, string> = {
  darknet_tiny: 'models/darknet_tiny',
  'mobilenet_v1_0.25_224': 'models/mobilenet_v1_0.25_224',
  'mobilenet_v2_1.0_224': 'models/tflite/mobilenet_v2_1.0_224_quant.tflite',
};
for (const name of ['scenes', 'darknet_tiny', 'mobilenet_v1_0.25_224', 'mobilenet_v2_1.0_224']) describeShared('data/photos', ...(MIRRORED[name] ? [MIRRORED[name]] : []))(`${name} on onnxruntime-node`, () => {
  let fast: ModelAdapter;
  let slow: ModelAdapter;
  beforeAll(async () => {
    fast = await loadModel(name, { engine: 'onnxruntime' });
    slow = await loadModel(name, { engine: 'tfjs' });
  });
  afterAll(() => {
    fast?.dispose();
    slow?.dispose();
  });

  it('runs its forward passes on onnxruntime and keeps the layers of the TF.js import', () => {
    expect(fast.engine).toBe('onnxruntime-node');
    expect(slow.engine).toMatch(/^tfjs-/);
    expect(fast.defaultLayer()).toBe(slow.defaultLayer());
    expect(fast.listLayers()).toEqual(slow.listLayers());
    expect(fast.preprocess).toEqual(slow.preprocess);
  });

  it('gives the TF.js CAMERAS map (Pearson ≥ 0.9999, max |Δ| ≤ 1e-3) and leaks no tensors', async () => {
    const image = await readImage(path.join(PHOTOS, 'chelsea.png'));
    const options = { sizes: [224, 324, 424] };
    const a = await cameras(fast, image, options);
    const before = tf.memory().numTensors;
    const again = await cameras(fast, image, options);
    expect(tf.memory().numTensors).toBe(before);
    const b = await cameras(slow, image, options);
    expect(again.map).toEqual(a.map);
    expect(a.sizesUsed).toEqual(b.sizesUsed);
    expect(a.predicted.index).toBe(b.predicted.index);
    expect(pearson(a.map, b.map)).toBeGreaterThanOrEqual(0.9999);
    expect(maxAbsDiff(a.map, b.map)).toBeLessThanOrEqual(1e-3);
  });

  it('predicts the TF.js class on every photo, with the TF.js logits', async () => {
    const files = fs.readdirSync(PHOTOS).filter((f) => /\.(png|jpe?g|bmp)$/i.test(f));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const image = await readImage(path.join(PHOTOS, f));
      const x = tf.tidy(() => resizeImage(normalizeInput(imageToTensor(image), slow.preprocess), [slow.inputSize, slow.inputSize], 'bilinear'));
      const before = tf.memory().numTensors;
      const [la, lb] = [await fast.predict(x), await slow.predict(x)];
      const [va, vb] = [la.dataSync(), lb.dataSync()];
      tf.dispose([la, lb, x]);
      expect(tf.memory().numTensors, f).toBe(before - 1);
      expect(argmax(va), f).toBe(argmax(vb));
      expect(maxAbsDiff(va, vb), f).toBeLessThanOrEqual(1e-3 * Math.max(1, ...Array.from(vb, Math.abs)));
    }
  });

  it('rejects an input that is not an NHWC image', async () => {
    const split = fast.split(fast.defaultLayer());
    const bad = tf.zeros([224, 224, 3]) as unknown as tf.Tensor4D;
    await expect(split.head(bad)).rejects.toThrow();
    bad.dispose();
    split.dispose();
  });
});

/** A layers model using what the zoo models do not: odd padding, pools, merges, separable convs. */
function varietyModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [null, null, 3] as unknown as number[] });
  let x = tfl.layers.zeroPadding2d({ padding: [[1, 2], [0, 3]] }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6', biasInitializer: 'randomNormal' }).apply(x) as tfl.SymbolicTensor;
  const a = tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: true, biasInitializer: 'randomNormal' }).apply(x) as tfl.SymbolicTensor;
  const b = tfl.layers.separableConv2d({ filters: 12, kernelSize: 3, strides: 1, padding: 'same', activation: 'elu' }).apply(x) as tfl.SymbolicTensor;
  const bn = tfl.layers.batchNormalization({ movingMeanInitializer: 'randomNormal', movingVarianceInitializer: 'ones', gammaInitializer: 'randomNormal' }).apply(a) as tfl.SymbolicTensor;
  let y = tfl.layers.add().apply([bn, b]) as tfl.SymbolicTensor;
  y = tfl.layers.leakyReLU({ alpha: 0.1 }).apply(y) as tfl.SymbolicTensor;
  const p = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(y) as tfl.SymbolicTensor;
  const q = tfl.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' }).apply(y) as tfl.SymbolicTensor;
  let z = tfl.layers.concatenate().apply([p, q]) as tfl.SymbolicTensor;
  z = tfl.layers.multiply().apply([z, tfl.layers.activation({ activation: 'sigmoid' }).apply(z) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
  z = tfl.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'swish' }).apply(z) as tfl.SymbolicTensor;
  const g = tfl.layers.globalMaxPooling2d({}).apply(z) as tfl.SymbolicTensor;
  const h = tfl.layers.globalAveragePooling2d({}).apply(z) as tfl.SymbolicTensor;
  const m = tfl.layers.average().apply([g, h]) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 5, activation: 'tanh' }).apply(m) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

describe('layersToOnnx', () => {
  it('writes padding, strided same convolutions, depthwise multipliers, merges and pools as TF.js computes them', async () => {
    const model = varietyModel();
    const session = await ort.InferenceSession.create(layersToOnnx(model, [model.layers[model.layers.length - 1].name]));
    try {
      for (const [h, w] of [[37, 45], [64, 64], [29, 30]]) {
        const x = tf.randomUniform([1, h, w, 3], -2, 2, 'float32', h) as tf.Tensor4D;
        const ref = model.predict(x) as tf.Tensor;
        const out = await session.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape) });
        expect([...out.out0.dims].map(Number)).toEqual(ref.shape);
        expect(maxAbsDiff(out.out0.data as Float32Array, ref.dataSync())).toBeLessThan(1e-4);
        tf.dispose([x, ref]);
      }
    } finally {
      await session.release();
      model.dispose();
    }
  });
});

describe('a layer onnxruntime cannot take', () => {
  let dir: string;
  beforeAll(async () => {
    const input = tfl.input({ shape: [16, 16, 3] });
    let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.upSampling2d({ size: [2, 2] }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'last_conv' }).apply(x) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 3 }).apply(tfl.layers.globalAveragePooling2d({}).apply(x)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cameras-ort-'));
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
        fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    fs.writeFileSync(path.join(dir, 'cameras.json'), JSON.stringify({ layer: 'last_conv', preprocess: 'unit', inputSize: 16 }));
    model.dispose();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('falls back to TF.js with engine auto, saying why', async () => {
    const warnings: string[] = [];
    const model = await loadModel(dir, { onWarning: (w) => warnings.push(w) });
    try {
      expect(model.engine).toMatch(/^tfjs-/);
      expect(warnings.join('\n')).toMatch(/not onnxruntime.*UpSampling2D/);
    } finally {
      model.dispose();
    }
  });

  it('fails with engine onnxruntime, naming the layer, and releases the TF.js weights', async () => {
    const before = tf.memory().numTensors;
    await expect(loadModel(dir, { engine: 'onnxruntime' })).rejects.toThrow(/cannot run on onnxruntime.*up_sampling2d.*UpSampling2D/i);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the sanity checks on an onnxruntime layers model', () => {
  it('can still randomise its weights (through the TF.js import)', async () => {
    const model = await loadModel('scenes', { engine: 'onnxruntime' });
    try {
      expect(model.engine).toBe('onnxruntime-node');
      const r = randomizable(model);
      expect(r?.weightedLayers().length).toBeGreaterThan(3);
    } finally {
      model.dispose();
    }
  });
});
