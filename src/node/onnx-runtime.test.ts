/**
 * The onnxruntime-node fast forward must give the same activations, context, gradients and
 * logits as the pure TF.js import (it only replaces the engine of the head).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '../core/tf.js';
import { headModelBytes, loadOnnxModelWithOrt, type OrtOnnxModel } from './onnx-runtime.js';
import { pearson } from '../metrics/similarity.js';
import { fixtureInput as input224, ONNX_FIXTURES as FIXTURES, useWasmBackend } from '../testing/fixtures.js';
import { describeShared } from '../testing/shared.js';


/** max |a − b| relative to max(1e-12, max |b|). */
function relDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => {
    const d = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    const s = tf.max(tf.abs(b)).dataSync()[0];
    return d / Math.max(1e-12, s);
  });
}

beforeAll(useWasmBackend);

describeShared('fixtures/onnx').each([
  // [model, layer with a skip connection across the cut, activation tolerance]
  ['resnet18', 'layer3.0.relu', 1e-4],
  // Fifty-odd convolutions of float32 rounding in two engines: 1.2e-4 of the max at features.18.
  ['mobilenet_v2', 'features.5.conv.1', 2e-4],
  ['squeezenet1_1', 'features.9.squeeze_activation', 1e-4],
] as const)('onnxruntime-node head for %s', (name, innerLayer, actTol) => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ref: any = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.ref.json`), 'utf8'));
  let model: OrtOnnxModel;
  let x: tf.Tensor4D;
  beforeAll(async () => {
    model = await loadOnnxModelWithOrt(new Uint8Array(fs.readFileSync(path.join(FIXTURES, `${name}.onnx`))), { name });
    x = input224();
  });
  afterAll(() => {
    x?.dispose();
    model?.dispose();
  });

  it('reports its engine and delegates layers to the TF.js import', () => {
    expect(model.engine).toBe('onnxruntime-node');
    expect(model.defaultLayer()).toBe(ref.target_layer);
    expect(model.listLayers().map((l) => l.name)).toEqual(model.tfjs.listLayers().map((l) => l.name));
  });

  it('predicts the same logits as TF.js and PyTorch', async () => {
    const before = tf.memory().numTensors;
    const a = await model.predict(x);
    const b = model.tfjs.predictDifferentiable(x);
    expect(a.shape).toEqual([1, 1000]);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    expect(d).toBeLessThanOrEqual(1e-4);
    const got = a.dataSync();
    let vsTorch = 0;
    for (let i = 0; i < 1000; i++) vsTorch = Math.max(vsTorch, Math.abs(got[i] - ref.logits_224[i]));
    expect(vsTorch).toBeLessThan(1e-4);
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });

  for (const which of ['target', 'inner'] as const) {
    it(`cuts at the ${which} layer with the same activation, context, gradient and logits as TF.js`, async () => {
      const layer = which === 'target' ? ref.target_layer : innerLayer;
      const fast = model.split(layer);
      const slow = model.tfjs.split(layer);
      expect(fast.layer).toBe(slow.layer);
      const before = tf.memory().numTensors;
      const h1 = await fast.head(x);
      const h2 = await slow.head(x);
      expect(relDiff(h1.activation, h2.activation)).toBeLessThanOrEqual(actTol);
      expect(h1.context.length).toBe(h2.context.length);
      if (which === 'inner' && name !== 'squeezenet1_1') expect(h1.context.length).toBeGreaterThan(0);
      h1.context.forEach((c, i) => expect(relDiff(c, h2.context[i])).toBeLessThanOrEqual(actTol));
      const coi = ref.class_of_interest;
      const grad = (h: typeof h1) => tf.grad((a: tf.Tensor) => fast.tail(a as tf.Tensor4D, h.context).slice([0, coi], [1, 1]).sum())(h.activation);
      const g1 = grad(h1);
      const g2 = grad(h2);
      expect(tf.tidy(() => tf.max(tf.abs(g2)).dataSync()[0])).toBeGreaterThan(0);
      if (which === 'target') expect(relDiff(g1, g2)).toBeLessThanOrEqual(1e-4);
      else {
        // A deep tail of ReLU6/ReLU gates: activation rounding differences of 1e-4 flip a few gates
        // exactly at their kinks, so gradients agree as a whole rather than element by element.
        expect(pearson(g1.dataSync(), g2.dataSync())).toBeGreaterThanOrEqual(0.999);
        expect(relDiff(g1, g2)).toBeLessThanOrEqual(name === 'mobilenet_v2' ? 5e-2 : 1e-4);
      }
      const l1 = fast.tail(h1.activation, h1.context);
      const l2 = slow.tail(h2.activation, h2.context);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(l1, l2))).dataSync()[0])).toBeLessThanOrEqual(1e-4);
      tf.dispose([h1.activation, h2.activation, ...h1.context, ...h2.context, g1, g2, l1, l2]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describeShared('fixtures/onnx')('onnxruntime head models', () => {
  it('prune the graph to the nodes the cut needs', () => {
    const { onnx } = onnxProto;
    const bytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'resnet18.onnx')));
    const full = onnx.ModelProto.decode(bytes);
    const head = onnx.ModelProto.decode(headModelBytes(bytes, ['/layer1/layer1.0/relu_1/Relu_output_0']));
    expect(head.graph!.output!.map((o) => o.name)).toEqual(['/layer1/layer1.0/relu_1/Relu_output_0']);
    // conv1, relu, maxpool, then layer1.0: conv1, relu, conv2, Add, relu_1.
    expect(head.graph!.node!.map((n) => n.name)).toEqual(full.graph!.node!.slice(0, 8).map((n) => n.name));
    expect(head.graph!.initializer!.length).toBeLessThan(full.graph!.initializer!.length);
    expect(() => headModelBytes(bytes, ['nope'])).toThrow(/no node produces "nope"/);
  });

  it('reject unknown layers and use after dispose', async () => {
    const model = await loadOnnxModelWithOrt(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'squeezenet1_1.onnx'))));
    expect(() => model.split('features.99')).toThrow(/unknown layer "features\.99"/);
    const split = model.split('features.12');
    model.dispose();
    const x = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
    await expect(split.head(x)).rejects.toThrow(/disposed/);
    await expect(model.predict(x)).rejects.toThrow(/disposed/);
    x.dispose();
  });
});

describeShared('fixtures/onnx')('TF.js weights of an onnxruntime model', () => {
  it('hold only the tail until a method needs the whole TF.js model', async () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'resnet18.onnx')));
    const x = input224();
    const base = tf.memory().numBytes;
    const fast = await loadOnnxModelWithOrt(bytes, { name: 'resnet18' });
    try {
      const lazy = tf.memory().numBytes - base;
      // resnet18 holds 46.8 MB of float32 weights; its default tail (global pool + fc) 2 MB.
      expect(lazy).toBeLessThan(3e6);
      const tensors = tf.memory().numTensors;
      const split = fast.split(fast.defaultLayer());
      const h = await split.head(x);
      const logits = split.tail(h.activation, h.context);
      tf.dispose([h.activation, ...h.context, logits]);
      split.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
      const g = tf.grad((v: tf.Tensor) => fast.predictDifferentiable(v as tf.Tensor4D).slice([0, 0], [1, 1]).sum())(x);
      expect(tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0])).toBeGreaterThan(0);
      g.dispose();
      expect(tf.memory().numBytes - base).toBeGreaterThan(40e6);
    } finally {
      fast.dispose();
    }
    expect(tf.memory().numBytes).toBe(base);
    x.dispose();
  });
});
