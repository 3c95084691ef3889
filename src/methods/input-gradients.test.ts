import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '../core/tf.js';
import { gradient } from './gradient.js';
import { smoothgrad } from './smoothgrad.js';
import { integratedGradients, integratedGradientsAttribution } from './integrated-gradients.js';
import { refBilinear } from '../testing/toy-model.js';
import { functionModel, maxAbsDiff, seeded } from '../testing/method-models.js';

const S = 8;
const N = S * S * 3;
const U = [seeded(N, 11, -1, 1), seeded(N, 12, -1, 1)];
const B = [seeded(N, 13, -1, 1), seeded(N, 14, -1, 1)];
const x = seeded(N, 15, -1, 1);

/** logit_c = Σ U_c ⊙ x² / 2 + Σ B_c ⊙ x, so ∂logit_c/∂x = U_c ⊙ x + B_c, known in closed form. */
const quadratic = functionModel(S, (xb) =>
  tf.tidy(() => {
    const cols = [0, 1].map((c) => {
      const u = tf.tensor4d(Float32Array.from(U[c]), [1, S, S, 3]);
      const b = tf.tensor4d(Float32Array.from(B[c]), [1, S, S, 3]);
      return tf.add(tf.mul(u, tf.square(xb)).sum([1, 2, 3]).mul(0.5), tf.mul(b, xb).sum([1, 2, 3]));
    });
    return tf.stack(cols, 1) as tf.Tensor2D;
  }),
);

/** logit_c = Σ U_c ⊙ tanh(2x): no polynomial, so the trapezoid rule is only approximate. */
const saturating = functionModel(S, (xb) =>
  tf.tidy(() => tf.stack([0, 1].map((c) => tf.mul(tf.tensor4d(Float32Array.from(U[c]), [1, S, S, 3]), tf.tanh(tf.mul(xb, 2))).sum([1, 2, 3])), 1) as tf.Tensor2D),
);

const handGradient = (xs: Float64Array, c: number) => xs.map((v, i) => U[c][i] * v + B[c][i]);
const maxOverChannels = (t: Float64Array, f: (v: number) => number = Math.abs) =>
  Float64Array.from({ length: t.length / 3 }, (_, p) => Math.max(f(t[p * 3]), f(t[p * 3 + 1]), f(t[p * 3 + 2])));
const sumOverChannels = (t: Float64Array) => Float64Array.from({ length: t.length / 3 }, (_, p) => t[p * 3] + t[p * 3 + 1] + t[p * 3 + 2]);
const quadLogit = (xs: ArrayLike<number>, c: number) => Array.from(xs).reduce((s, v, i) => s + (U[c][i] * v * v) / 2 + B[c][i] * v, 0);

describe('input-gradient methods', () => {
  let input: tf.Tensor4D;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    input = tf.tensor4d(Float32Array.from(x), [1, S, S, 3]);
  });

  it('vanilla gradient is max_c |∂logit/∂x| for the target (closed form), without leaks', async () => {
    for (const target of [0, 1]) {
      const before = tf.memory().numTensors;
      const r = await gradient(quadratic, input, { target });
      expect(tf.memory().numTensors).toBe(before);
      expect(maxAbsDiff(r.raw, maxOverChannels(handGradient(x, target)))).toBeLessThan(1e-5);
      expect(r.target.index).toBe(target);
      expect(r.layer).toBeUndefined();
      expect(r.target.logit).toBeCloseTo(quadLogit(x, target), 4);
    }
    const r = await gradient(quadratic, input);
    const predicted = quadLogit(x, 0) > quadLogit(x, 1) ? 0 : 1;
    expect(r.predicted.index).toBe(predicted);
    expect(r.target.index).toBe(predicted);
  });

  it('runs at the base size and upsamples the map to the image size', async () => {
    // A 16×16 RGB image (0..255, unit preprocessing): the method sees its bilinear 8×8 version.
    const big = seeded(16 * 16 * 3, 21, 0, 255);
    const image = { width: 16, height: 16, channels: 3 as const, data: Float32Array.from(big) };
    const r = await gradient(quadratic, image, { target: 1 });
    const base = refBilinear(big.map((v) => v / 255), 16, 16, 3, S, S);
    const expected = refBilinear(maxOverChannels(handGradient(base, 1)), S, S, 1, 16, 16);
    expect([r.width, r.height, r.raw.length]).toEqual([16, 16, 256]);
    expect(maxAbsDiff(r.raw, expected)).toBeLessThan(1e-4);
  });

  it('SmoothGrad with σ = 0 is the vanilla gradient; with noise it differs, reproducibly, whatever the batching', async () => {
    const vanilla = await gradient(quadratic, input, { target: 0 });
    const before = tf.memory().numTensors;
    const flat = await smoothgrad(quadratic, input, { target: 0, noise: 0, samples: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(maxAbsDiff(flat.raw, vanilla.raw)).toBeLessThan(1e-5);
    const a = await smoothgrad(quadratic, input, { target: 0, samples: 6, batchSize: 4 });
    const b = await smoothgrad(quadratic, input, { target: 0, samples: 6, batchSize: 6 });
    const c = await smoothgrad(quadratic, input, { target: 0, samples: 6, seed: 1 });
    expect(maxAbsDiff(a.raw, b.raw)).toBeLessThan(1e-5);
    expect(maxAbsDiff(a.raw, vanilla.raw)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(a.raw, c.raw)).toBeGreaterThan(1e-3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('SmoothGrad averages the per-sample maps (checked against the same noise drawn by hand)', async () => {
    // σ = 0.15·(max − min); sample i of seed 5 is x + randomNormal(seed 5·65536 + i + 1).
    const lo = Math.min(...Float32Array.from(x));
    const hi = Math.max(...Float32Array.from(x));
    const sigma = 0.15 * (hi - lo);
    const sum = new Float64Array(S * S);
    for (let i = 0; i < 2; i++) {
      const n = tf.randomNormal([1, S, S, 3], 0, sigma, 'float32', 5 * 65536 + i + 1);
      const noisy = Float64Array.from(await n.data()).map((v, j) => v + Math.fround(x[j]));
      n.dispose();
      maxOverChannels(handGradient(noisy, 1)).forEach((v, p) => (sum[p] += v / 2));
    }
    const r = await smoothgrad(quadratic, input, { target: 1, samples: 2, seed: 5 });
    expect(maxAbsDiff(r.raw, sum)).toBeLessThan(1e-4);
  });

  it('Integrated Gradients: closed form on the quadratic model, completeness, absolute value', async () => {
    // Black baseline = 0 with unit preprocessing: IG = x ⊙ ∫₀¹ (U αx + B) dα = x ⊙ (U x / 2 + B) exactly
    // (the trapezoid rule is exact for a gradient linear in α).
    for (const target of [0, 1]) {
      const ig = x.map((v, i) => v * ((U[target][i] * v) / 2 + B[target][i]));
      const summed = sumOverChannels(ig);
      const before = tf.memory().numTensors;
      const abs = await integratedGradients(quadratic, input, { target, steps: 4, batchSize: 2 });
      const signed = await integratedGradients(quadratic, input, { target, steps: 4, absolute: false });
      expect(tf.memory().numTensors).toBe(before);
      expect(maxAbsDiff(abs.raw, summed.map(Math.abs))).toBeLessThan(1e-4);
      expect(maxAbsDiff(signed.raw, summed.map((v) => Math.max(0, v)))).toBeLessThan(1e-4);
      const total = summed.reduce((s, v) => s + v, 0);
      expect(total).toBeCloseTo(quadLogit(x, target) - quadLogit(new Float64Array(N), target), 3);
    }
    // Grey baseline x′ = 0.5: IG = (x − x′) ⊙ (U (x + x′) / 2 + B).
    const grey = sumOverChannels(x.map((v, i) => (v - 0.5) * ((U[1][i] * (v + 0.5)) / 2 + B[1][i])));
    const r = await integratedGradients(quadratic, input, { target: 1, steps: 2, baseline: 'grey' });
    expect(maxAbsDiff(r.raw, grey.map(Math.abs))).toBeLessThan(1e-4);
  });

  it('Integrated Gradients completeness on a saturating model improves with the number of steps', async () => {
    const zero = tf.zeros([1, 1, 1, 3]) as tf.Tensor4D;
    const exact = Array.from(x).reduce((s, v, i) => s + U[0][i] * Math.tanh(2 * Math.fround(v)), 0);
    const errors: number[] = [];
    for (const steps of [4, 32]) {
      const before = tf.memory().numTensors;
      const attr = integratedGradientsAttribution(saturating, input, zero, 0, steps, 5);
      const sum = attr.sum();
      const total = (await sum.data())[0];
      tf.dispose([attr, sum]);
      expect(tf.memory().numTensors).toBe(before);
      errors.push(Math.abs(total - exact));
    }
    zero.dispose();
    expect(errors[1]).toBeLessThan(errors[0] / 10);
    expect(errors[1]).toBeLessThan(1e-2 * Math.abs(exact));
  });

  it('rejects unknown targets and bad options without leaking', async () => {
    const before = tf.memory().numTensors;
    for (const method of [gradient, smoothgrad, integratedGradients]) {
      await expect(method(quadratic, input, { target: 2 })).rejects.toThrow(/out of range/);
      await expect(method(quadratic, input, { target: 'giraffe' })).rejects.toThrow(/unknown label/);
    }
    await expect(smoothgrad(quadratic, input, { samples: 0 })).rejects.toThrow(/samples/);
    await expect(smoothgrad(quadratic, input, { noise: -1 })).rejects.toThrow(/noise/);
    await expect(integratedGradients(quadratic, input, { steps: 0 })).rejects.toThrow(/steps/);
    const bad = tf.zeros([1, S, S, 4]) as tf.Tensor4D;
    await expect(gradient(quadratic, bad)).rejects.toThrow(/\[1, H, W, 3\]/);
    bad.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
