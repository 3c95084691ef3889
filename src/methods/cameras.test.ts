import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '../core/tf.js';
import { cameras, camerasSizes } from './cameras.js';
import { gradcam } from './gradcam.js';
import { refBilinear, toyModel } from '../testing/toy-model.js';

/** A seeded image, channel 0 around 1 and channel 1 around 0 so class 0 wins at the base size. */
function image(h: number, w: number): Float64Array {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const x = new Float64Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    x[i * 3] = 0.5 + rnd();
    x[i * 3 + 1] = rnd() - 0.5;
    x[i * 3 + 2] = rnd();
  }
  return x;
}

/** Algorithm 1 for the toy model, computed by hand in float64. */
function handCameras(x: Float64Array, H: number, W: number, sizes: number[], g: [number, number]): Float64Array {
  const aSum = new Float64Array(H * W * 2);
  const gSum = [0, 0];
  for (const s of sizes) {
    const r = refBilinear(x, H, W, 3, s, s);
    const h = s / 2;
    const a = new Float64Array(h * h * 2);
    for (let i = 0; i < h; i++)
      for (let j = 0; j < h; j++)
        for (let k = 0; k < 2; k++) {
          const v = (yy: number, xx: number) => r[(yy * s + xx) * 3 + k];
          a[(i * h + j) * 2 + k] = (v(2 * i, 2 * j) + v(2 * i + 1, 2 * j) + v(2 * i, 2 * j + 1) + v(2 * i + 1, 2 * j + 1)) / 4;
        }
    const up = refBilinear(a, h, h, 2, H, W);
    up.forEach((v, i) => (aSum[i] += v));
    // d logit / d A is constant: the coefficient over the number of positions.
    gSum[0] += g[0] / (h * h);
    gSum[1] += g[1] / (h * h);
  }
  const n = sizes.length;
  const map = new Float64Array(H * W);
  for (let i = 0; i < H * W; i++) map[i] = Math.max(0, (aSum[i * 2] / n) * (gSum[0] / n) + (aSum[i * 2 + 1] / n) * (gSum[1] / n));
  return map;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('CAMERAS, Algorithm 1', () => {
  const H = 8;
  const W = 8;
  const x = image(H, W);
  let input: tf.Tensor4D;
  const model = toyModel(0.045);

  beforeAll(async () => {
    await tf.setBackend('cpu');
    input = tf.tensor4d(Float32Array.from(x), [1, H, W, 3]);
  });

  it('matches the map computed by hand, and rejects the size whose prediction changes', async () => {
    const before = tf.memory().numTensors;
    const r = await cameras(model, input, { sizes: [8, 12, 16] });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.sizesUsed).toEqual([8, 12]);
    expect(r.sizesRejected).toEqual([16]);
    expect(r.predicted.index).toBe(0);
    expect(r.target.index).toBe(0);
    expect([r.width, r.height]).toEqual([W, H]);
    const hand = handCameras(x, H, W, [8, 12], [2, -1]);
    expect(maxAbsDiff(r.raw, hand)).toBeLessThan(1e-5);
    const lo = Math.min(...hand);
    const hi = Math.max(...hand);
    expect(maxAbsDiff(r.map, hand.map((v) => (v - lo) / (hi - lo)))).toBeLessThan(1e-4);
    expect(Math.max(...r.map)).toBeCloseTo(1, 6);
  });

  it('uses every size when the prediction check is off', async () => {
    const r = await cameras(model, input, { sizes: [8, 12, 16], checkPrediction: false });
    expect(r.sizesUsed).toEqual([8, 12, 16]);
    expect(maxAbsDiff(r.raw, handCameras(x, H, W, [8, 12, 16], [2, -1]))).toBeLessThan(1e-5);
  });

  it('keeps the check against the base prediction when a target class is given', async () => {
    const byIndex = await cameras(model, input, { sizes: [8, 12, 16], target: 1 });
    expect(byIndex.sizesUsed).toEqual([8, 12]);
    expect(byIndex.target.index).toBe(1);
    expect(byIndex.predicted.index).toBe(0);
    expect(maxAbsDiff(byIndex.raw, handCameras(x, H, W, [8, 12], [0, 0.5]))).toBeLessThan(1e-5);
    const byLabel = await cameras(model, input, { sizes: [8, 12, 16], target: 'one' });
    expect(Array.from(byLabel.raw)).toEqual(Array.from(byIndex.raw));
    expect(byLabel.target.label).toBe('one');
  });

  it('acceptance policies: the paper\'s rule, the authors\' code, top-K and all', async () => {
    const sizes = [8, 12, 16];
    // Class 1 wins at 16 (see toyModel): explaining class 1, `target` keeps 16, `prediction` does not.
    const paper = await cameras(model, input, { sizes, target: 1 });
    expect(paper.accept).toBe('prediction');
    expect(paper.sizesUsed).toEqual([8, 12]);
    const authors = await cameras(model, input, { sizes, target: 1, accept: 'target' });
    expect(authors.accept).toBe('target');
    expect(authors.sizesUsed).toEqual([8, 12, 16]);
    expect(maxAbsDiff(authors.raw, handCameras(x, H, W, [8, 12, 16], [0, 0.5]))).toBeLessThan(1e-5);
    // Explaining class 0: top:1 keeps the sizes where class 0 is first; top:2 keeps all of a 2-class model.
    expect((await cameras(model, input, { sizes, accept: 'top:1' })).sizesUsed).toEqual([8, 12]);
    expect((await cameras(model, input, { sizes, accept: 'top:2' })).sizesUsed).toEqual([8, 12, 16]);
    expect((await cameras(model, input, { sizes, accept: 'all' })).sizesUsed).toEqual([8, 12, 16]);
    // `accept` wins over the older `checkPrediction`.
    expect((await cameras(model, input, { sizes, checkPrediction: false, accept: 'prediction' })).sizesUsed).toEqual([8, 12]);
    await expect(cameras(model, input, { sizes, accept: 'top:0' as never })).rejects.toThrow(/unknown acceptance policy/);
  });

  it('warns when fewer than half of the sizes are kept, single-scale when one is', async () => {
    expect((await cameras(model, input, { sizes: [8, 12, 16] })).warnings).toEqual([]);
    const few = await cameras(model, input, { sizes: [8, 12, 16, 20, 24] });
    expect(few.sizesUsed).toEqual([8, 12]);
    expect(few.warnings).toHaveLength(1);
    expect(few.warnings[0]).toMatch(/^CAMERAS kept only 2 of 5 sizes \(8, 12\); dropped 16, 20, 24 because the prediction changed there \(16 → "one"/);
    expect(few.warnings[0]).toMatch(/--accept top:5/);
    const one = await cameras(model, input, { sizes: [8, 16, 20] });
    expect(one.sizesUsed).toEqual([8]);
    expect(one.warnings[0]).toMatch(/^single-scale: CAMERAS kept 1 of 3 sizes \(8\)/);
    const top = await cameras(model, input, { sizes: [8, 16, 20], accept: 'top:1' });
    expect(top.warnings[0]).toMatch(/fell out of the top 1 there \(16: rank 2, 20: rank 2\)/);
    expect((await gradcam(model, input)).warnings).toEqual([]);
  });

  it('gives an all-zero map, not NaN, when nothing is salient', async () => {
    // Channel 0 zero, channel 1 one: for class 0, Σ Ā·W̄ = 1·(−1/hw) < 0 everywhere, so ReLU leaves zeros.
    const flat = tf.tensor4d(Float32Array.from({ length: H * W * 3 }, (_, i) => (i % 3 === 1 ? 1 : 0)), [1, H, W, 3]);
    const r = await cameras(model, flat, { sizes: [8, 12], target: 0 });
    flat.dispose();
    expect(r.map.every((v) => v === 0)).toBe(true);
    expect(r.raw.every((v) => v === 0)).toBe(true);
  });

  it('reports progress once per forward pass', async () => {
    const seen: string[] = [];
    await cameras(model, input, { sizes: [8, 12, 16], onProgress: (d, n, m) => seen.push(`${d}/${n} ${m}`) });
    expect(seen).toHaveLength(3);
    expect(seen[2]).toMatch(/^3\/3 size 16/);
  });

  it('rejects bad input with clear errors and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    await expect(cameras(model, input, { target: 7 })).rejects.toThrow(/out of range/);
    await expect(cameras(model, input, { target: 'three' })).rejects.toThrow(/unknown label/);
    await expect(cameras(model, input, { layer: 'nope' })).rejects.toThrow(/unknown layer/);
    await expect(cameras(model, input, { sizes: [0] })).rejects.toThrow(/invalid size/);
    const bad = tf.zeros([1, 8, 8, 2]) as tf.Tensor4D;
    await expect(cameras(model, bad)).rejects.toThrow(/\[1, H, W, 3\]/);
    bad.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('expands schedules: the authors list and the paper setting', () => {
    expect(camerasSizes({ ...model, inputSize: 224 })).toEqual([224, 324, 424, 524, 624, 724, 824, 924]);
    expect(camerasSizes({ ...model, inputSize: 224 }, { schedule: { maxSize: 1000, steps: 7 } })).toEqual([224, 353, 483, 612, 741, 871, 1000]);
  });
});

describe('Grad-CAM', () => {
  it('matches the hand computation: spatially averaged gradients weight the activations', async () => {
    await tf.setBackend('cpu');
    const H = 8;
    const x = image(H, H);
    const input = tf.tensor4d(Float32Array.from(x), [1, H, H, 3]);
    const before = tf.memory().numTensors;
    const r = await gradcam(toyModel(0.045), input);
    expect(tf.memory().numTensors).toBe(before);
    // At the base size A is the 4×4 pool of the input; α = (2, −1)/16.
    const a = new Float64Array(16);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        const v = (k: number) => (x[((2 * i) * H + 2 * j) * 3 + k] + x[((2 * i + 1) * H + 2 * j) * 3 + k] + x[((2 * i) * H + 2 * j + 1) * 3 + k] + x[((2 * i + 1) * H + 2 * j + 1) * 3 + k]) / 4;
        a[i * 4 + j] = Math.max(0, (2 * v(0) - v(1)) / 16);
      }
    const hand = refBilinear(a, 4, 4, 1, H, H);
    expect(maxAbsDiff(r.raw, hand)).toBeLessThan(1e-5);
    expect(r.sizesUsed).toEqual([8]);
    input.dispose();
  });
});

describe('CAMERAS fusion', () => {
  it('takes the channel-reduced path for constant gradients and matches the general fusion', async () => {
    await tf.setBackend('cpu');
    const { fuseScales } = await import('../core/fuse.js');
    const acts = [tf.randomNormal([1, 3, 4, 5], 0, 1, 'float32', 1), tf.randomNormal([1, 5, 6, 5], 0, 1, 'float32', 2)] as tf.Tensor4D[];
    const constant = [tf.randomNormal([1, 1, 1, 5], 0, 1, 'float32', 3).tile([1, 3, 4, 1]), tf.randomNormal([1, 1, 1, 5], 0, 1, 'float32', 4).tile([1, 5, 6, 1])] as tf.Tensor4D[];
    // A gradient that varies by one ulp-scale amount takes the general path; the results must agree.
    const nudged = constant.map((g, i) => (i === 0 ? tf.add(g, tf.oneHot([0], 12).reshape([1, 3, 4, 1]).mul(0.5)) : g.clone())) as tf.Tensor4D[];
    const before = tf.memory().numTensors;
    const fast = fuseScales(acts, constant, [11, 13]);
    const slow = fuseScales(acts, nudged, [11, 13]);
    const blocked = fuseScales(acts, nudged, [11, 13], 11 * 13 * 2);
    const direct = (grads: tf.Tensor4D[]) =>
      tf.tidy(() => {
        const mean = (ts: tf.Tensor4D[]) => tf.div(tf.addN(ts.map((t) => tf.image.resizeBilinear(t, [11, 13], false, true))), ts.length);
        return tf.sum(tf.mul(mean(acts), mean(grads)), 3).reshape([11, 13]);
      });
    const reference = direct(constant);
    const referenceNudged = direct(nudged);
    expect(tf.memory().numTensors).toBe(before + 5);
    expect(maxAbsDiff(fast.dataSync(), reference.dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(slow.dataSync(), referenceNudged.dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(blocked.dataSync(), referenceNudged.dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(slow.dataSync(), reference.dataSync())).toBeGreaterThan(1e-3);
    tf.dispose([fast, slow, blocked, reference, referenceNudged, ...acts, ...constant, ...nudged]);
  });

  it('holds a few full-resolution channel blocks at a time, whatever the channel count and number of scales', async () => {
    await tf.setBackend('cpu');
    const { fuseScales } = await import('../core/fuse.js');
    const [H, W] = [40, 50];
    const budget = H * W * 4; // four channels per block
    const extra = async (channels: number, scales: number) => {
      const acts = Array.from({ length: scales }, (_, i) => tf.randomNormal([1, 3 + i, 4 + i, channels], 0, 1, 'float32', i) as tf.Tensor4D);
      const grads = Array.from({ length: scales }, (_, i) => tf.randomNormal([1, 3 + i, 4 + i, channels], 0, 1, 'float32', 100 + i) as tf.Tensor4D);
      const before = tf.memory().numBytes;
      let map: tf.Tensor | undefined;
      const profile = await tf.profile(() => {
        map = fuseScales(acts, grads, [H, W], budget);
      });
      tf.dispose([map!, ...acts, ...grads]);
      return (profile.peakBytes - before) / (budget * 4);
    };
    // Measured in blocks of `budget` float32 values: the sums of both means, one upsampled term,
    // their product (and the map): about five, never one per scale or per channel.
    const small = await extra(8, 8);
    const large = await extra(64, 8);
    expect(small).toBeLessThanOrEqual(6);
    expect(large).toBeLessThanOrEqual(6);
    expect(Math.abs(large - small)).toBeLessThan(0.5);
  });
});
