import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '../core/tf.js';
import type { ExplainOptions } from '../core/method.js';
import { occlusion } from './occlusion.js';
import { rise, riseMasks } from './rise.js';
import { center } from './center.js';
import { METHODS, getMethod } from './index.js';
import { createRng } from '../scenes/rng.js';
import { functionModel, maxAbsDiff, pooledLinearModel, seeded } from '../testing/method-models.js';
import { refBilinear } from '../testing/toy-model.js';

const S = 8;
const N = S * S * 3;
const Wt = seeded(N, 31, -0.5, 0.5);
const x = seeded(N, 32, 0, 1);

/** logit₀ = Σ W ⊙ x, logit₁ = 0: p₀ = sigmoid(logit₀). */
const linear = functionModel(S, (xb) =>
  tf.tidy(() => {
    const l0 = tf.mul(tf.tensor4d(Float32Array.from(Wt), [1, S, S, 3]), xb).sum([1, 2, 3]);
    return tf.stack([l0, tf.zerosLike(l0)], 1) as tf.Tensor2D;
  }),
);
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const p0 = (xs: ArrayLike<number>) => sigmoid(Array.from(xs).reduce((s, v, i) => s + Wt[i] * v, 0));

/** A model that only looks at the top-left quadrant of channel 0: logit₀ = 8·mean − 4, logit₁ = 0. */
function quadrantModel(size: number) {
  const q = size / 2;
  return functionModel(size, (xb) =>
    tf.tidy(() => {
      const l0 = xb.slice([0, 0, 0, 0], [xb.shape[0], q, q, 1]).mean([1, 2, 3]).mul(8).sub(4);
      return tf.stack([l0, tf.zerosLike(l0)], 1) as tf.Tensor2D;
    }),
  );
}

/** Row and column of the first maximum. */
function argmax2d(map: Float32Array, w: number): [number, number] {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
  return [Math.floor(best / w), best % w];
}

describe('perturbation methods and the centre baseline', () => {
  let input: tf.Tensor4D;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    input = tf.tensor4d(Float32Array.from(x), [1, S, S, 3]);
  });

  it('occlusion matches the mean probability drop computed by hand (patch 4, stride 2, grey fill)', async () => {
    const before = tf.memory().numTensors;
    const r = await occlusion(linear, input, { target: 0, patch: 4, stride: 2, batchSize: 4 });
    expect(tf.memory().numTensors).toBe(before);
    const ref = p0(x);
    const sum = new Float64Array(S * S);
    const count = new Float64Array(S * S);
    for (const y0 of [0, 2, 4])
      for (const x0 of [0, 2, 4]) {
        const inside = (p: number) => Math.floor(p / S) >= y0 && Math.floor(p / S) < y0 + 4 && p % S >= x0 && p % S < x0 + 4;
        const drop = ref - p0(x.map((v, i) => (inside(Math.floor(i / 3)) ? 0.5 : v)));
        for (let p = 0; p < S * S; p++) if (inside(p)) (sum[p] += drop), (count[p] += 1);
      }
    const expected = sum.map((v, p) => Math.max(0, v / count[p]));
    expect(Math.max(...expected)).toBeGreaterThan(0);
    expect(maxAbsDiff(r.raw, expected)).toBeLessThan(1e-5);
    expect(r.target.probability).toBeCloseTo(ref, 5);
    // Batching does not change the result; a zero fill does.
    const one = await occlusion(linear, input, { target: 0, patch: 4, stride: 2, batchSize: 1 });
    expect(maxAbsDiff(one.raw, r.raw)).toBeLessThan(1e-6);
    const zero = await occlusion(linear, input, { target: 0, patch: 4, stride: 2, fill: 'zero' });
    expect(maxAbsDiff(zero.raw, r.raw)).toBeGreaterThan(1e-3);
  });

  it('riseMasks: smooth masks in [0, 1], reproducible from the seed, all ones when p = 1', async () => {
    const a = riseMasks(createRng(3), 6, 16, 12, 7, 0.5);
    const b = riseMasks(createRng(3), 6, 16, 12, 7, 0.5);
    const ones = riseMasks(createRng(3), 2, 16, 12, 7, 1);
    expect(a.shape).toEqual([6, 16, 12, 1]);
    const av = await a.data();
    expect(Array.from(av)).toEqual(Array.from(await b.data()));
    expect(Math.min(...av)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...av)).toBeLessThanOrEqual(1);
    // Bilinear upsampling gives intermediate values, not a binary grid.
    expect(Array.from(av).some((v) => v > 0.05 && v < 0.95)).toBe(true);
    expect(Array.from(await ones.data()).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
    tf.dispose([a, b, ones]);
    // By hand: per mask, 7·7 cell draws then the two shifts; grid upsampled to 8·⌈16/7⌉ × 8·⌈12/7⌉ = 24×16, cropped.
    const rng = createRng(3);
    for (let i = 0; i < 6; i++) {
      const grid = Float64Array.from({ length: 49 }, () => (rng.next() < 0.5 ? 1 : 0));
      const [dy, dx] = [rng.int(3), rng.int(2)];
      const up = refBilinear(grid, 7, 7, 1, 24, 16);
      const crop = Array.from({ length: 16 * 12 }, (_, q) => up[(Math.floor(q / 12) + dy) * 16 + (q % 12) + dx]);
      expect(maxAbsDiff(av.subarray(i * 192, (i + 1) * 192), crop)).toBeLessThan(1e-6);
    }
  });

  it('RISE is Σ P(x ⊙ M_i) M_i / (N p) over the seeded masks, whatever the batching', async () => {
    const masks = riseMasks(createRng(7), 20, S, S, 3, 0.5);
    const m = Float64Array.from(await masks.data());
    masks.dispose();
    const expected = new Float64Array(S * S);
    for (let i = 0; i < 20; i++) {
      const mi = m.subarray(i * S * S, (i + 1) * S * S);
      const p = p0(x.map((v, j) => v * mi[Math.floor(j / 3)]));
      for (let q = 0; q < S * S; q++) expected[q] += (p * mi[q]) / (20 * 0.5);
    }
    const before = tf.memory().numTensors;
    const r = await rise(linear, input, { target: 0, n: 20, cells: 3, seed: 7, batchSize: 6 });
    expect(tf.memory().numTensors).toBe(before);
    expect(maxAbsDiff(r.raw, expected)).toBeLessThan(1e-5);
    const whole = await rise(linear, input, { target: 0, n: 20, cells: 3, seed: 7, batchSize: 20 });
    expect(maxAbsDiff(whole.raw, r.raw)).toBeLessThan(1e-5);
    const other = await rise(linear, input, { target: 0, n: 20, cells: 3, seed: 8 });
    expect(maxAbsDiff(other.raw, r.raw)).toBeGreaterThan(1e-3);
  });

  it('occlusion and RISE put the maximum in the only quadrant the model looks at', async () => {
    const size = 64;
    const model = quadrantModel(size);
    const image = { width: size, height: size, channels: 3 as const, data: new Uint8Array(size * size * 3).fill(255) };
    const inQuadrant = ([y, xx]: [number, number]) => y < size / 2 && xx < size / 2;
    const occ = await occlusion(model, image);
    expect(inQuadrant(argmax2d(occ.map, size))).toBe(true);
    // Far from the quadrant (beyond one default patch, 9 px) no patch changes the score.
    for (let y = 0; y < size; y++) for (let xx = 0; xx < size; xx++) if (y >= size / 2 + 9 || xx >= size / 2 + 9) expect(occ.map[y * size + xx]).toBe(0);
    const r = await rise(model, image, { n: 160, batchSize: 40 });
    expect(inQuadrant(argmax2d(r.map, size))).toBe(true);
    let inside = 0;
    let outside = 0;
    r.map.forEach((v, i) => (inQuadrant([Math.floor(i / size), i % size]) ? (inside += v) : (outside += v)));
    const meanInside = inside / ((size * size) / 4);
    const meanOutside = outside / ((3 * size * size) / 4);
    expect(meanInside).toBeGreaterThan(1.5 * meanOutside);
  });

  it('center peaks at the image centre, whatever the model', async () => {
    const image = { width: 13, height: 9, channels: 3 as const, data: new Uint8Array(9 * 13 * 3).fill(40) };
    const before = tf.memory().numTensors;
    const r = await center(quadrantModel(8), image);
    expect(tf.memory().numTensors).toBe(before);
    expect(argmax2d(r.map, 13)).toEqual([4, 6]);
    expect(r.map[4 * 13 + 6]).toBe(1);
    for (let y = 0; y < 9; y++) for (let xx = 0; xx < 13; xx++) expect(r.map[y * 13 + xx]).toBeCloseTo(r.map[(8 - y) * 13 + (12 - xx)], 6);
    const sd = 0.25 * 9;
    expect(r.raw[0]).toBeCloseTo(Math.exp(-(16 + 36) / (2 * sd * sd)), 6);
    const wide = await center(quadrantModel(8), image, { sigma: 1 });
    expect(wide.raw[0]).toBeGreaterThan(r.raw[0]);
    expect(r.target.index).toBe(r.predicted.index);
  });

  it('reject unknown targets and bad options without leaking', async () => {
    const before = tf.memory().numTensors;
    for (const method of [occlusion, rise, center]) {
      await expect(method(linear, input, { target: 5 })).rejects.toThrow(/out of range/);
      await expect(method(linear, input, { target: 'walrus' })).rejects.toThrow(/unknown label/);
    }
    await expect(rise(linear, input, { n: 0 })).rejects.toThrow(/n must/);
    await expect(rise(linear, input, { p: 0 })).rejects.toThrow(/p must/);
    await expect(occlusion(linear, input, { stride: -2 })).rejects.toThrow(/stride/);
    await expect(occlusion(linear, input, { fill: 'pink' as 'grey' })).rejects.toThrow(/unknown fill/);
    await expect(center(linear, input, { sigma: 0 })).rejects.toThrow(/sigma/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the METHODS registry', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('every method runs on a small model: a finite [0, 1] map of the image size, no leaks', async () => {
    const model = pooledLinearModel(S, [seeded(48, 41, -0.1, 0.1), seeded(48, 42, -0.1, 0.1)]);
    const image = { width: 11, height: 8, channels: 3 as const, data: Uint8Array.from(seeded(8 * 11 * 3, 43, 0, 255)) };
    // Every method gets every option and ignores those it does not use, as the CLI passes them.
    const opts: ExplainOptions & Record<string, unknown> = { sizes: [8], n: 16, samples: 2, steps: 2, square: true };
    expect(Object.keys(METHODS)).toEqual(
      expect.arrayContaining(['cameras', 'gradcam', 'gradcampp', 'hirescam', 'layercam', 'xgradcam', 'scorecam', 'normgrad', 'gradient', 'smoothgrad', 'integrated-gradients', 'rise', 'occlusion', 'center']),
    );
    for (const [name, method] of Object.entries(METHODS)) {
      const before = tf.memory().numTensors;
      const r = await method(model, image, opts);
      expect(tf.memory().numTensors, name).toBe(before);
      expect(r.method).toBe(name);
      expect([r.width, r.height, r.map.length], name).toEqual([11, 8, 88]);
      expect(r.map.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), name).toBe(true);
      expect(Math.max(...r.map), name).toBeCloseTo(1, 5);
      await expect(method(model, image, { ...opts, target: 9 }), name).rejects.toThrow(/out of range/);
    }
    expect(() => getMethod('nonsense')).toThrow(/known: cameras/);
  });
});
