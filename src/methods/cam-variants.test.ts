import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '../core/tf.js';
import { gradcam } from './gradcam.js';
import { gradcampp } from './gradcampp.js';
import { hirescam } from './hirescam.js';
import { layercam } from './layercam.js';
import { xgradcam } from './xgradcam.js';
import { normgrad } from './normgrad.js';
import { scorecam } from './scorecam.js';
import { refBilinear, toyModel } from '../testing/toy-model.js';
import { maxAbsDiff, pooledLinearModel, refPool, seeded } from '../testing/method-models.js';

const S = 8;
const h = S / 2;
const C = 3;
/** Positive input (post-ReLU-like activations), V small enough that Grad-CAM++'s 2 + ΣA·g stays > 0. */
const x = seeded(S * S * C, 1, 0, 1);
const V = [seeded(h * h * C, 2, -0.1, 0.1), seeded(h * h * C, 3, -0.1, 0.1)];
const A = refPool(x, S, C);

type Cam = (a: Float64Array, g: Float64Array) => Float64Array;

/** ReLU at the layer's resolution, then the PyTorch-rule bilinear upsampling to S×S. */
function finish(cam: Float64Array): Float64Array {
  return refBilinear(cam.map((v) => Math.max(0, v)), h, h, 1, S, S);
}

const at = (t: Float64Array, p: number, k: number) => t[p * C + k];
const channelSum = (t: Float64Array, k: number) => Array.from({ length: h * h }, (_, p) => at(t, p, k)).reduce((s, v) => s + v, 0);
const weighted = (a: Float64Array, w: number[]) => Float64Array.from({ length: h * h }, (_, p) => w.reduce((s, wk, k) => s + wk * at(a, p, k), 0));

const hand: Record<string, Cam> = {
  gradcam: (a, g) => weighted(a, [0, 1, 2].map((k) => channelSum(g, k) / (h * h))),
  gradcampp: (a, g) =>
    weighted(
      a,
      [0, 1, 2].map((k) => {
        const sumA = channelSum(a, k);
        let w = 0;
        for (let p = 0; p < h * h; p++) {
          const gv = at(g, p, k);
          if (gv === 0) continue;
          w += ((gv * gv) / (2 * gv * gv + sumA * gv ** 3 + 1e-6)) * Math.max(0, gv);
        }
        return w;
      }),
    ),
  hirescam: (a, g) => Float64Array.from({ length: h * h }, (_, p) => [0, 1, 2].reduce((s, k) => s + at(a, p, k) * at(g, p, k), 0)),
  layercam: (a, g) => Float64Array.from({ length: h * h }, (_, p) => [0, 1, 2].reduce((s, k) => s + at(a, p, k) * Math.max(0, at(g, p, k)), 0)),
  xgradcam: (a, g) =>
    weighted(
      a,
      [0, 1, 2].map((k) => {
        let num = 0;
        for (let p = 0; p < h * h; p++) num += at(a, p, k) * at(g, p, k);
        return num / (channelSum(a, k) + 1e-7);
      }),
    ),
  normgrad: (a, g) =>
    Float64Array.from({ length: h * h }, (_, p) => {
      const n = (t: Float64Array) => Math.sqrt([0, 1, 2].reduce((s, k) => s + at(t, p, k) ** 2, 0));
      return n(a) * n(g);
    }),
};

/** Score-CAM by hand: each normalised, upsampled channel masks the input; weight = softmax of the target. */
function handScorecam(target: number, channels = [0, 1, 2]): Float64Array {
  const w = [0, 0, 0];
  for (const k of channels) {
    const up = refBilinear(Float64Array.from({ length: h * h }, (_, p) => at(A, p, k)), h, h, 1, S, S);
    const lo = Math.min(...up);
    const hi = Math.max(...up);
    const masked = x.map((v, i) => v * ((up[Math.floor(i / C)] - lo) / (hi - lo)));
    const a2 = refPool(masked, S, C);
    const logits = V.map((vc) => vc.reduce((s, vv, i) => s + vv * a2[i], 0));
    const e = logits.map((l) => Math.exp(l - Math.max(...logits)));
    w[k] = e[target] / e.reduce((s, v) => s + v, 0);
  }
  return finish(weighted(A, w));
}

const methods = { gradcam, gradcampp, hirescam, layercam, xgradcam, normgrad };

describe('CAM variants on a model whose gradient varies over positions', () => {
  const model = pooledLinearModel(S, V);
  let input: tf.Tensor4D;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    input = tf.tensor4d(Float32Array.from(x), [1, S, S, C]);
  });

  for (const [name, method] of Object.entries(methods)) {
    it(`${name} matches the map computed by hand for both classes, without leaks`, async () => {
      for (const target of [0, 1]) {
        const before = tf.memory().numTensors;
        const r = await method(model, input, { target });
        expect(tf.memory().numTensors).toBe(before);
        const expected = finish(hand[name](A, V[target]));
        expect(Math.max(...expected)).toBeGreaterThan(0);
        expect(maxAbsDiff(r.raw, expected)).toBeLessThan(1e-5 * Math.max(1, Math.max(...expected)));
        expect(r.method).toBe(name);
        expect(r.target.index).toBe(target);
        expect(r.layer).toBe('pool');
        expect([r.width, r.height, r.map.length]).toEqual([S, S, S * S]);
        expect(Math.max(...r.map)).toBeCloseTo(1, 6);
      }
    });
  }

  it('each variant differs from Grad-CAM here, where the gradient is not constant per channel', async () => {
    const base = await gradcam(model, input, { target: 0 });
    for (const [name, method] of Object.entries(methods)) {
      if (name === 'gradcam') continue;
      const r = await method(model, input, { target: 0 });
      expect(maxAbsDiff(r.map, base.map), name).toBeGreaterThan(0.02);
    }
  });

  it('scorecam matches the hand computation (all channels, and the top-1 channel by mean)', async () => {
    for (const target of [0, 1]) {
      const before = tf.memory().numTensors;
      const r = await scorecam(model, input, { target, batchSize: 2 });
      expect(tf.memory().numTensors).toBe(before);
      expect(maxAbsDiff(r.raw, handScorecam(target))).toBeLessThan(1e-5);
    }
    const means = [0, 1, 2].map((k) => channelSum(A, k));
    const top = means.indexOf(Math.max(...means));
    const r1 = await scorecam(model, input, { target: 0, topK: 1 });
    expect(maxAbsDiff(r1.raw, handScorecam(0, [top]))).toBeLessThan(1e-5);
    const seen: string[] = [];
    await scorecam(model, input, { batchSize: 2, onProgress: (d, n) => seen.push(`${d}/${n}`) });
    expect(seen).toEqual(['1/1', '2/3', '3/3']);
  });

  it('resolves labels and rejects unknown targets, layers and options without leaking', async () => {
    const byLabel = await hirescam(model, input, { target: 'class1' });
    const byIndex = await hirescam(model, input, { target: 1 });
    expect(Array.from(byLabel.raw)).toEqual(Array.from(byIndex.raw));
    expect(byLabel.target.label).toBe('class1');
    const before = tf.memory().numTensors;
    for (const method of [...Object.values(methods), scorecam]) {
      await expect(method(model, input, { target: 7 })).rejects.toThrow(/out of range/);
      await expect(method(model, input, { target: 'zebra' })).rejects.toThrow(/unknown label/);
      await expect(method(model, input, { layer: 'nope' })).rejects.toThrow(/unknown layer/);
    }
    await expect(scorecam(model, input, { topK: 0 })).rejects.toThrow(/topK/);
    await expect(scorecam(model, input, { batchSize: 1.5 })).rejects.toThrow(/batchSize/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('CAM variants where the gradient is constant per channel (toy model)', () => {
  const model = toyModel(0.045);
  let input: tf.Tensor4D;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    input = tf.tensor4d(Float32Array.from(seeded(S * S * 3, 9, -0.5, 1.5)), [1, S, S, 3]);
  });

  it('HiResCAM and XGrad-CAM reduce to Grad-CAM; Layer-CAM drops the negatively weighted channel', async () => {
    const base = await gradcam(model, input, { target: 0 });
    expect(maxAbsDiff((await hirescam(model, input, { target: 0 })).raw, base.raw)).toBeLessThan(1e-5);
    expect(maxAbsDiff((await xgradcam(model, input, { target: 0 })).raw, base.raw)).toBeLessThan(1e-4);
    // Class 0: G₀ = 2/hw > 0, G₁ = −1/hw < 0, so Layer-CAM = ReLU(G₀ A₀) while Grad-CAM = ReLU(G₀ A₀ + G₁ A₁).
    const xs = await input.data();
    const a = refPool(Float64Array.from(xs), S, 3);
    const a0 = Float64Array.from({ length: h * h }, (_, p) => (2 / (h * h)) * a[p * 3]);
    const lc = await layercam(model, input, { target: 0 });
    expect(maxAbsDiff(lc.raw, finish(a0))).toBeLessThan(1e-5);
    expect(maxAbsDiff(lc.map, base.map)).toBeGreaterThan(0.02);
  });
});
