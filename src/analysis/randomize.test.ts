import { describe, it, expect } from 'vitest';
import * as tf from '../core/tf.js';
import { gradcam } from '../methods/gradcam.js';
import { randomizable, glorotLimit, weightRole, LayersRandomizer } from './randomize.js';
import { modelRandomizationCheck } from './model-randomization.js';
import { mapSimilarity } from './similarity-scores.js';
import { sanityGrid, sanityPlotSvg } from './sanity-plot.js';
import { linearModel } from '../testing/analysis-models.js';
import { tinyBatchNormModel } from '../testing/layers-models.js';
import type { RgbImage } from '../core/types.js';

function weightsOf(m: unknown, layer: string): Float32Array[] {
  const model = (m as { layersModel: { getLayer(n: string): { getWeights(): tf.Tensor[] } } }).layersModel;
  return model.getLayer(layer).getWeights().map((w) => w.dataSync() as Float32Array).map((a) => Float32Array.from(a));
}

function same(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => v === b[i][j]));
}

function blobImage(size: number): RgbImage {
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = 255 * Math.exp(-((x - 5) ** 2 + (y - 9) ** 2) / (8 + 4 * c)) + 20 * c;
  return { width: size, height: size, channels: 3, data };
}

describe('weight randomisation', () => {
  it('lists weighted layers output → input and groups batch norm with its convolution', () => {
    const model = tinyBatchNormModel();
    const r = randomizable(model)!;
    expect(r).toBeInstanceOf(LayersRandomizer);
    expect(r.weightedLayers()).toEqual(['fc', 'c2', 'bn1', 'c1']);
    expect(r.blocks!()).toEqual([['fc'], ['c2'], ['c1', 'bn1']]);
    model.dispose();
  });

  it('changes exactly the requested layers, reproducibly, and leaves the original alone', async () => {
    const model = tinyBatchNormModel();
    const r = randomizable(model)!;
    const before = ['c1', 'bn1', 'c2', 'fc'].map((l) => weightsOf(model, l));
    const tensors = tf.memory().numTensors;
    const copy = await r.randomized(['fc', 'bn1'], 7);
    const again = await r.randomized(['fc', 'bn1'], 7);
    const other = await r.randomized(['fc', 'bn1'], 8);
    const after = ['c1', 'bn1', 'c2', 'fc'].map((l) => weightsOf(copy, l));
    expect(same(after[0], before[0])).toBe(true);
    expect(same(after[2], before[2])).toBe(true);
    expect(same(after[1], before[1])).toBe(false);
    expect(same(after[3], before[3])).toBe(false);
    // Batch norm re-initialised as Adebayo et al.: γ = 1, β = 0, mean 0, variance 1.
    expect(after[1].map((w) => [...w])).toEqual([[1, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]]);
    // Dense kernel: Glorot-uniform within ±√(6/(6+3)), not constant.
    const k = after[3][0];
    const lim = glorotLimit([6, 3]);
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(lim);
    expect(new Set(k).size).toBe(k.length);
    expect(same(weightsOf(again, 'fc'), after[3])).toBe(true);
    expect(same(weightsOf(other, 'fc'), after[3])).toBe(false);
    expect(['c1', 'bn1', 'c2', 'fc'].every((l, i) => same(weightsOf(model, l), before[i]))).toBe(true);
    for (const m of [copy, again, other]) m.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });

  it('rejects unknown layers and models it cannot clone', async () => {
    const model = tinyBatchNormModel();
    await expect(randomizable(model)!.randomized(['gap'], 1)).rejects.toThrow(/not a layer with weights/);
    expect(randomizable(linearModel(new Float32Array(12 * 2), [0, 0], 2))).toBeUndefined();
    expect(weightRole('conv1_bn/moving_variance')).toBe('moving_variance');
    expect(weightRole('conv_dw_1/depthwise_kernel_3')).toBe('kernel');
    model.dispose();
  });
});

describe('model randomisation check', () => {
  it('gives similarity 1 for identical maps', () => {
    const m = Float32Array.from({ length: 20 * 20 }, (_, i) => Math.sin(i / 7) + (i % 20) / 20);
    const s = mapSimilarity(m, m, 20, 20);
    expect(s.spearman).toBeCloseTo(1, 12);
    expect(s.spearmanAbs).toBeCloseTo(1, 12);
    expect(s.ssim).toBeCloseTo(1, 12);
    expect(s.hog).toBeCloseTo(1, 12);
    expect(() => mapSimilarity(m, m, 10, 10)).toThrow(RangeError);
  });

  it('runs cascading and independent steps; a fully random model changes the map', async () => {
    const model = tinyBatchNormModel();
    const image = blobImage(24);
    const tensors = tf.memory().numTensors;
    const seen: number[] = [];
    const report = await modelRandomizationCheck(model, image, { methods: { gradcam }, seed: 3, onStep: (_s, d) => seen.push(d) });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    const cascade = report.steps.filter((s) => s.variant === 'cascading');
    expect(cascade.map((s) => s.randomized)).toEqual([['fc'], ['fc', 'c2'], ['fc', 'c2', 'c1', 'bn1']]);
    expect(report.steps.filter((s) => s.variant === 'independent').map((s) => s.randomized)).toEqual([['fc'], ['c2'], ['c1', 'bn1']]);
    const orig = report.original.gradcam.map;
    const last = cascade[2].methods.gradcam;
    const maxDiff = Math.max(...last.map.map.map((v, i) => Math.abs(v - orig[i])));
    expect(maxDiff).toBeGreaterThan(0.1);
    expect(last.spearman).toBeLessThan(0.95);
    // The same step recomputed with the same seed gives the same numbers.
    const again = await modelRandomizationCheck(model, image, { methods: { gradcam }, seed: 3, variants: ['cascading'], maxSteps: 1 });
    expect(again.steps[0].methods.gradcam.spearman).toBe(cascade[0].methods.gradcam.spearman);
    const svg = sanityPlotSvg(report, 'cascading');
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect((svg.match(/<path /g) ?? []).length).toBe(4);
    const g = sanityGrid(report, 'cascading', 24);
    expect(g.height).toBeGreaterThan(24);
    expect(g.width).toBeGreaterThan(4 * 24);
    model.dispose();
  });

  it('refuses models without the capability and bad options', async () => {
    const lin = linearModel(new Float32Array(4 * 4 * 3 * 2), [0, 0], 4);
    await expect(modelRandomizationCheck(lin, blobImage(4), { methods: { gradcam } })).rejects.toThrow(/cannot be re-initialised/);
    const model = tinyBatchNormModel();
    await expect(modelRandomizationCheck(model, blobImage(24), { methods: {} })).rejects.toThrow(/no methods/);
    await expect(modelRandomizationCheck(model, blobImage(24), { methods: { gradcam }, maxSteps: 0 })).rejects.toThrow(RangeError);
    model.dispose();
    lin.dispose();
  });
});
