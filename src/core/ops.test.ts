import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from './tf.js';
import '@tensorflow/tfjs-backend-cpu';
import { conv2dInputGrad, depthwiseConv2dInputGrad, denseInputGrad, maxPoolInputGrad, spatialMean, type ConvPad } from './ops.js';
import '@tensorflow/tfjs-backend-wasm';

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

function maxAbs(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('input-gradient-only convolutions', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const cases: { k: number; s: number; d: number; pad: ConvPad; h: number; w: number }[] = [
    { k: 3, s: 1, d: 1, pad: 'same', h: 7, w: 6 },
    { k: 3, s: 2, d: 1, pad: 'same', h: 9, w: 8 },
    { k: 3, s: 2, d: 1, pad: [[1, 1], [1, 1]], h: 8, w: 7 },
    { k: 7, s: 2, d: 1, pad: [[3, 3], [3, 3]], h: 15, w: 13 },
    { k: 1, s: 1, d: 1, pad: 'valid', h: 5, w: 5 },
    { k: 1, s: 2, d: 1, pad: 'valid', h: 6, w: 5 },
    { k: 3, s: 1, d: 2, pad: [[2, 2], [2, 2]], h: 9, w: 9 },
    { k: 3, s: 2, d: 1, pad: 'valid', h: 10, w: 9 },
  ];

  for (const c of cases) {
    it(`conv2d k${c.k} s${c.s} d${c.d} pad ${JSON.stringify(c.pad)} matches the engine gradient`, () => {
      const x = rand([1, c.h, c.w, 3], 1) as tf.Tensor4D;
      const f = rand([c.k, c.k, 3, 4], 2) as tf.Tensor4D;
      const b = rand([4], 3) as tf.Tensor1D;
      const dy = (o: tf.Tensor) => tf.sum(tf.mul(o, tf.sin(tf.range(0, o.size).reshape(o.shape))));
      const ours = tf.grad((v: tf.Tensor) => dy(conv2dInputGrad(v as tf.Tensor4D, f, { strides: [c.s, c.s], pad: c.pad, dilations: [c.d, c.d], bias: b })))(x);
      const pad4 = Array.isArray(c.pad) ? ([[0, 0], c.pad[0], c.pad[1], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]]) : c.pad;
      const val = conv2dInputGrad(x, f, { strides: [c.s, c.s], pad: c.pad, dilations: [c.d, c.d], bias: b });
      const valRef = tf.add(tf.conv2d(x, f, c.s, pad4 as 'same', 'NHWC', c.d), b);
      expect(maxAbs(val, valRef)).toBeLessThan(1e-5);
      expect(ours.shape).toEqual(x.shape);
      if (c.d === 1) {
        const ref = tf.grad((v: tf.Tensor) => dy(tf.add(tf.conv2d(v as tf.Tensor4D, f, c.s, pad4 as 'same', 'NHWC', c.d), b)))(x);
        expect(maxAbs(ours, ref)).toBeLessThan(1e-5);
      } else {
        // The engine has no dilated gradient: check the adjoint identity <conv(x), g> = <x, convᵀ(g)>.
        const g = rand(val.shape, 9);
        const back = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(conv2dInputGrad(v as tf.Tensor4D, f, { strides: [c.s, c.s], pad: c.pad, dilations: [c.d, c.d] }), g)))(x);
        const lhs = tf.sum(tf.mul(conv2dInputGrad(x, f, { strides: [c.s, c.s], pad: c.pad, dilations: [c.d, c.d] }), g)).dataSync()[0];
        const rhs = tf.sum(tf.mul(x, back)).dataSync()[0];
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
      }
    });
    it(`depthwise k${c.k} s${c.s} d${c.d} pad ${JSON.stringify(c.pad)} matches the engine gradient`, () => {
      for (const mult of [1, 2]) {
        const x = rand([1, c.h, c.w, 3], 4) as tf.Tensor4D;
        const f = rand([c.k, c.k, 3, mult], 5) as tf.Tensor4D;
        const dy = (o: tf.Tensor) => tf.sum(tf.mul(o, tf.cos(tf.range(0, o.size).reshape(o.shape))));
        const ours = tf.grad((v: tf.Tensor) => dy(depthwiseConv2dInputGrad(v as tf.Tensor4D, f, { strides: [c.s, c.s], pad: c.pad, dilations: [c.d, c.d] })))(x);
        const padded = Array.isArray(c.pad) ? (v: tf.Tensor4D) => tf.pad(v, [[0, 0], c.pad[0] as [number, number], c.pad[1] as [number, number], [0, 0]]) : (v: tf.Tensor4D) => v;
        const mode = Array.isArray(c.pad) ? 'valid' : c.pad;
        if (c.d > 1) {
          const val = depthwiseConv2dInputGrad(x, f, { strides: [c.s, c.s], pad: c.pad, dilations: [c.d, c.d] });
          const g = rand(val.shape, 10);
          const back = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(depthwiseConv2dInputGrad(v as tf.Tensor4D, f, { strides: [c.s, c.s], pad: c.pad, dilations: [c.d, c.d] }), g)))(x);
          const lhs = tf.sum(tf.mul(val, g)).dataSync()[0];
          const rhs = tf.sum(tf.mul(x, back)).dataSync()[0];
          expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
          continue;
        }
        const ref = tf.grad((v: tf.Tensor) => dy(tf.depthwiseConv2d(padded(v as tf.Tensor4D), f, c.s, mode, 'NHWC', c.d)))(x);
        expect(maxAbs(ours, ref)).toBeLessThan(1e-5);
      }
    });
  }

  it('dense matches the engine gradient and leaks nothing', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = rand([2, 5], 6) as tf.Tensor2D;
      const k = rand([5, 3], 7) as tf.Tensor2D;
      const b = rand([3], 8) as tf.Tensor1D;
      const ours = tf.grad((v: tf.Tensor) => tf.sum(tf.square(denseInputGrad(v as tf.Tensor2D, k, b))))(x);
      const ref = tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.add(tf.matMul(v as tf.Tensor2D, k), b))))(x);
      expect(maxAbs(ours, ref)).toBeLessThan(1e-5);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('global average pooling as a product', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`matches tf.mean and its gradient on ${backend}, with and without the kept axes, and leaks nothing`, async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const x = rand([2, 5, 7, 3], 9) as tf.Tensor4D;
        const w = rand([2, 3], 10);
        for (const keep of [false, true]) {
          const ours = spatialMean(x, keep);
          const ref = tf.mean(x, [1, 2], keep);
          expect(ours.shape).toEqual(ref.shape);
          expect(maxAbs(ours, ref)).toBeLessThan(1e-6);
          const loss = (f: (v: tf.Tensor4D) => tf.Tensor) => (v: tf.Tensor) => tf.sum(tf.mul(f(v as tf.Tensor4D).reshape([2, 3]), w));
          const g = tf.grad(loss((v) => spatialMean(v, keep)))(x);
          const gRef = tf.grad(loss((v) => tf.mean(v, [1, 2], keep)))(x);
          expect(maxAbs(g, gRef)).toBeLessThan(1e-6);
          expect(maxAbs(g, tf.zerosLike(g))).toBeGreaterThan(0);
        }
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('max pooling with a forward-op gradient', () => {
  const configs: { k: [number, number]; s: [number, number]; pad: ConvPad; h: number; w: number }[] = [
    { k: [2, 2], s: [2, 2], pad: 'valid', h: 8, w: 6 },
    { k: [3, 3], s: [2, 2], pad: 'same', h: 9, w: 7 },
    { k: [3, 3], s: [1, 1], pad: 'same', h: 5, w: 5 },
    { k: [3, 3], s: [2, 2], pad: [[1, 1], [1, 1]], h: 8, w: 8 },
  ];
  for (const c of configs) {
    it(`k${c.k} s${c.s} pad ${JSON.stringify(c.pad)}: value and gradient match the CPU engine's`, async () => {
      await tf.setBackend('cpu');
      // Distinct values so the maximum of every window is unique and both routings agree.
      const x = tf.tidy(() => tf.add(tf.randomUniform([1, c.h, c.w, 3], -1, 1, 'float32', 11), tf.range(0, c.h * c.w * 3).reshape([1, c.h, c.w, 3]).mul(1e-4))) as tf.Tensor4D;
      const dy = (o: tf.Tensor) => tf.sum(tf.mul(o, tf.sin(tf.range(0, o.size).reshape(o.shape))));
      const ref = tf.grad((v: tf.Tensor) => dy(Array.isArray(c.pad) ? tf.maxPool(tf.pad(v as tf.Tensor4D, [[0, 0], c.pad[0], c.pad[1], [0, 0]], -1e9), c.k, c.s, 'valid') : tf.maxPool(v as tf.Tensor4D, c.k, c.s, c.pad)))(x);
      const ours = tf.grad((v: tf.Tensor) => dy(maxPoolInputGrad(v as tf.Tensor4D, { kernel: c.k, strides: c.s, pad: c.pad })))(x);
      expect(maxAbs(ours, ref)).toBeLessThan(1e-6);
      const valRef = Array.isArray(c.pad) ? tf.maxPool(tf.pad(x, [[0, 0], c.pad[0], c.pad[1], [0, 0]], -1e9), c.k, c.s, 'valid') : tf.maxPool(x, c.k, c.s, c.pad);
      expect(maxAbs(maxPoolInputGrad(x, { kernel: c.k, strides: c.s, pad: c.pad }), valRef)).toBe(0);
      // The same on WebAssembly, whose own MaxPoolGrad kernel is wrong.
      const refData = ref.dataSync().slice();
      const xData = x.dataSync().slice();
      await tf.setBackend('wasm');
      const xw = tf.tensor4d(xData, x.shape);
      const oursWasm = tf.grad((v: tf.Tensor) => dy(maxPoolInputGrad(v as tf.Tensor4D, { kernel: c.k, strides: c.s, pad: c.pad })))(xw);
      const got = oursWasm.dataSync();
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - refData[i]));
      expect(worst).toBeLessThan(1e-5);
      tf.dispose([xw, oursWasm]);
      await tf.setBackend('cpu');
    });
  }
});

describe('batched input gradients', () => {
  it('strided, depthwise-multiplier and pooling gradients handle batches like single images', async () => {
    await tf.setBackend('cpu');
    const x = tf.randomUniform([3, 9, 8, 4], -1, 1, 'float32', 21) as tf.Tensor4D;
    const f = tf.randomUniform([3, 3, 4, 2], -1, 1, 'float32', 22) as tf.Tensor4D;
    const k = tf.randomUniform([3, 3, 8, 5], -1, 1, 'float32', 23) as tf.Tensor4D;
    const net = (v: tf.Tensor4D) => {
      const d = depthwiseConv2dInputGrad(v, f, { strides: [2, 2], pad: 'same' });
      const c = conv2dInputGrad(d, k, { strides: [2, 2], pad: [[1, 1], [1, 1]] });
      return maxPoolInputGrad(c, { kernel: [2, 2], strides: [1, 1] });
    };
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(net(v as tf.Tensor4D))))(x);
    for (let i = 0; i < 3; i++) {
      const xi = x.slice([i, 0, 0, 0], [1, 9, 8, 4]);
      const gi = tf.grad((v: tf.Tensor) => tf.sum(tf.square(net(v as tf.Tensor4D))))(xi);
      expect(maxAbs(gi, g.slice([i, 0, 0, 0], [1, 9, 8, 4]))).toBeLessThan(1e-5);
    }
  });
});
