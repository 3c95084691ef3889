import { describe, it, expect } from 'vitest';
import * as tf from '../core/tf.js';
import { pgd, workingImage } from './pgd.js';
import { focusedAttack, massOutside, summarizeFocusedAttack } from './focused-attack.js';
import { adversarialCheck, randomMask, summarizeAdversarialCheck, topKMask } from './adversarial-check.js';
import { fixedMethod, grayImage, linearModel } from '../testing/analysis-models.js';

/**
 * Two classes, logit₁ − logit₀ = Σ u·(x − 128)/255 − margin with u the given per-entry weights:
 * on the gray-128 image class 0 leads by `margin`.
 */
function twoClass(u: Float32Array, margin: number, size: number) {
  const w = new Float32Array(u.length * 2);
  u.forEach((v, i) => (w[2 * i + 1] = v));
  const offset = u.reduce((a, b) => a + b, 0) * (128 / 255);
  return linearModel(w, [margin + offset, 0], size);
}

describe('PGD', () => {
  it('flips a linear model to the target in the predicted number of steps and respects ε', async () => {
    const size = 4;
    const u = Float32Array.from({ length: size * size * 3 }, (_, i) => (i % 2 ? -1 : 1));
    const model = twoClass(u, 0.5, size);
    const image = grayImage(size, size);
    const tensors = tf.memory().numTensors;
    // Each step gains 48/255 ≈ 0.188 of logit margin: 3 steps beat 0.5.
    const r = await pgd(model, image, { epsilon: 16, stepSize: 1, steps: 100, target: 1 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(r.fooled).toBe(true);
    expect(r.predicted).toBe(1);
    expect(r.steps).toBe(3);
    expect([...r.perturbation]).toEqual([...u].map((v) => 3 * v));
    expect(r.linf).toBeCloseTo(3 / 255, 6);
    // Out of reach: stops at the budget, every entry at the ε bound, never beyond.
    const far = await pgd(twoClass(u, 10, size), image, { epsilon: 16, stepSize: 1, steps: 40, target: 1 });
    expect(far.fooled).toBe(false);
    expect(far.steps).toBe(40);
    expect(Math.max(...far.perturbation.map(Math.abs))).toBe(16);
    expect(far.linf).toBeCloseTo(16 / 255, 6);
    // Untargeted moves away from the source the same way.
    const un = await pgd(model, image, { epsilon: 16, stepSize: 1, steps: 100, source: 0 });
    expect(un.fooled).toBe(true);
    expect(un.steps).toBe(3);
    model.dispose();
  });

  it('with minConfidence keeps stepping until the target is that probable', async () => {
    const size = 4;
    const u = Float32Array.from({ length: size * size * 3 }, (_, i) => (i % 2 ? -1 : 1));
    const model = twoClass(u, 0.5, size);
    // Margin after k steps: 48k/255 − 0.5; p(target) = σ(margin) ≥ 0.9 needs margin ≥ ln 9: k = 15.
    const r = await pgd(model, grayImage(size, size), { epsilon: 16, stepSize: 1, steps: 100, target: 1, minConfidence: 0.9 });
    expect(r.fooled).toBe(true);
    expect(r.steps).toBe(15);
    expect(r.probability).toBeGreaterThanOrEqual(0.9);
    // Top-1 reached but not the confidence: not fooled.
    const short = await pgd(model, grayImage(size, size), { epsilon: 16, stepSize: 1, steps: 10, target: 1, minConfidence: 0.9 });
    expect(short.predicted).toBe(1);
    expect(short.fooled).toBe(false);
    await expect(pgd(model, grayImage(size, size), { epsilon: 1, stepSize: 1, steps: 1, target: 1, minConfidence: 1 })).rejects.toThrow(/minConfidence/);
    model.dispose();
  });

  it('starts at a seeded random point of the ε-ball when asked (Madry et al.)', async () => {
    const size = 4;
    const u = Float32Array.from({ length: size * size * 3 }, (_, i) => (i % 2 ? -1 : 1));
    // Unreachable margin and no step: the result is the start itself.
    const model = twoClass(u, 1000, size);
    const tensors = tf.memory().numTensors;
    const r = await pgd(model, grayImage(size, size), { epsilon: 8, stepSize: 1, steps: 0, target: 1, start: 'random', seed: 3 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Math.max(...r.perturbation.map(Math.abs))).toBeLessThanOrEqual(8);
    expect(new Set(r.perturbation).size).toBe(r.perturbation.length);
    const again = await pgd(model, grayImage(size, size), { epsilon: 8, stepSize: 1, steps: 0, target: 1, start: 'random', seed: 3 });
    expect([...again.perturbation]).toEqual([...r.perturbation]);
    const other = await pgd(model, grayImage(size, size), { epsilon: 8, stepSize: 1, steps: 0, target: 1, start: 'random', seed: 4 });
    expect([...other.perturbation]).not.toEqual([...r.perturbation]);
    // L2: inside the ball of radius ε; masked entries stay 0.
    const mask = Float32Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 0));
    const l2 = await pgd(model, grayImage(size, size), { norm: 'l2', epsilon: 20, stepSize: 1, steps: 0, target: 1, start: 'random', seed: 5, mask });
    expect(l2.l2 * 255).toBeLessThanOrEqual(20 + 1e-4);
    expect(l2.l2).toBeGreaterThan(0);
    for (let i = 8; i < 16; i++) for (let c = 0; c < 3; c++) expect(l2.perturbation[3 * i + c]).toBe(0);
    await expect(pgd(model, grayImage(size, size), { epsilon: 8, stepSize: 1, steps: 1, target: 1, start: 'middle' as 'zero' })).rejects.toThrow(/start must be/);
    model.dispose();
  });

  it('keeps pixels in range and confines the perturbation to a mask', async () => {
    const size = 4;
    const u = new Float32Array(size * size * 3).fill(1);
    const model = twoClass(u, 100, size);
    const bright = grayImage(size, size, 250);
    const r = await pgd(model, bright, { epsilon: 16, stepSize: 2, steps: 20, target: 1 });
    expect(Math.max(...r.perturbation)).toBe(5);
    const mask = Float32Array.from({ length: 16 }, (_, i) => (i < 4 ? 1 : 0));
    const m = await pgd(model, grayImage(size, size), { epsilon: 8, stepSize: 2, steps: 20, target: 1, mask });
    for (let i = 0; i < 16; i++) for (let c = 0; c < 3; c++) expect(m.perturbation[3 * i + c]).toBe(i < 4 ? 8 : 0);
    model.dispose();
  });

  it('rejects bad options', async () => {
    const model = twoClass(new Float32Array(12), 0, 2);
    const img = grayImage(2, 2);
    await expect(pgd(model, img, { epsilon: 1, stepSize: 1, steps: 1 })).rejects.toThrow(/exactly one/);
    await expect(pgd(model, img, { epsilon: -1, stepSize: 1, steps: 1, target: 1 })).rejects.toThrow(RangeError);
    await expect(pgd(model, img, { epsilon: 1, stepSize: 1, steps: 1, target: 5 })).rejects.toThrow(/out of range/);
    await expect(pgd(model, img, { epsilon: 1, stepSize: 1, steps: 1, target: 1, beta: 50 })).rejects.toThrow(/saliency/);
    await expect(pgd(model, img, { epsilon: 1, stepSize: 1, steps: 1, target: 1, mask: [1] })).rejects.toThrow(/mask has 1 values/);
  });

  it('L2 steps follow the gradient and stay in the L2 ball', async () => {
    const size = 4;
    // Weights 1 on the first half of the entries, 3 on the rest: δ ∝ (1, …, 3, …).
    const u = Float32Array.from({ length: size * size * 3 }, (_, i) => (i < 24 ? 1 : 3));
    const far = await pgd(twoClass(u, 100, size), grayImage(size, size), { norm: 'l2', epsilon: 20, stepSize: 6, steps: 10, target: 1 });
    expect(far.fooled).toBe(false);
    expect(far.l2 * 255).toBeCloseTo(20, 3);
    expect(far.perturbation[30] / far.perturbation[0]).toBeCloseTo(3, 4);
    const model = twoClass(u, 1, size);
    const r = await pgd(model, grayImage(size, size), { norm: 'l2', epsilon: 100, stepSize: 5, steps: 50, target: 1 });
    expect(r.fooled).toBe(true);
    // Gain per step α·‖u‖₂/255 = 5·√240/255 ≈ 0.304: 4 steps beat the margin 1.
    expect(r.steps).toBe(4);
    await expect(pgd(model, grayImage(size, size), { norm: 'l1' as 'l2', epsilon: 1, stepSize: 1, steps: 1, target: 1 })).rejects.toThrow(/norm/);
    model.dispose();
  });

  it('workingImage keeps the aspect ratio at the shorter side', () => {
    const w = workingImage(grayImage(20, 10, 77), 5);
    expect([w.width, w.height]).toEqual([10, 5]);
    expect(Math.max(...w.data)).toBeCloseTo(77, 4);
  });
});

describe('focused attack (Eq. 4)', () => {
  it('puts less of the perturbation outside the salient region than plain PGD', async () => {
    const size = 8;
    // Every pixel matters equally, so only the penalty can steer the perturbation.
    const model = twoClass(new Float32Array(size * size * 3).fill(1), 2, size);
    const psi = (w: number, h: number) => Float32Array.from({ length: w * h }, (_, i) => (i % w < w / 2 ? 1 : 0));
    const tensors = tf.memory().numTensors;
    const rec = await focusedAttack(model, grayImage(size, size), { method: fixedMethod('half', psi), epsilon: 16, stepSize: 1, steps: 100 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(rec.target).toBe(1);
    expect(rec.plain.fooled && rec.focused.fooled).toBe(true);
    expect(rec.plain.massOutside).toBeCloseTo(0.5, 6);
    expect(rec.focused.massOutside).toBeLessThan(0.35);
    expect(rec.focused.l2).toBeLessThan(rec.plain.l2 * 1.5);
    const s = summarizeFocusedAttack([rec, { ...rec, focused: { ...rec.focused, fooled: false } }]);
    expect(s.both).toBe(1);
    expect(s.foolingRate).toEqual({ plain: 1, focused: 0.5 });
    expect(s.reductionPercent.l2).toBeCloseTo(100 * (1 - rec.focused.l2 / rec.plain.l2), 9);
    model.dispose();
  });

  it('summarises with counts and paired bootstrap intervals', () => {
    const side = (fooled: boolean, l2: number, linf: number) => ({ fooled, steps: 1, predicted: 1, probability: 1, l2, linf, massOutside: 0 });
    // Every image: focused L2 = half of plain's, so every resample's reduction is exactly 50 %.
    const recs = [1, 2, 3, 4, 6].map((v) => ({ width: 1, height: 1, clean: 0, target: 1, plain: side(true, v, 0.1), focused: side(true, v / 2, 0.1 * (v % 2 ? 1 : 0.5)) }));
    recs.push({ ...recs[0]!, plain: side(false, 9, 1) });
    const s = summarizeFocusedAttack(recs);
    expect(s.images).toBe(6);
    expect(s.fooled).toEqual({ plain: 5, focused: 6 });
    expect(s.both).toBe(5);
    expect(s.plain.l2).toBeCloseTo(16 / 5, 12);
    expect(s.reductionPercent.l2).toBeCloseTo(50, 12);
    expect(s.intervals.reductionPercent.l2[0]).toBeCloseTo(50, 9);
    expect(s.intervals.reductionPercent.l2[1]).toBeCloseTo(50, 9);
    // Norms vary across images: a real interval around the mean, inside the data's range.
    const [lo, hi] = s.intervals.plain.l2;
    expect(lo).toBeLessThan(s.plain.l2);
    expect(hi).toBeGreaterThan(s.plain.l2);
    expect(lo).toBeGreaterThanOrEqual(1);
    expect(hi).toBeLessThanOrEqual(6);
    // L∞ halves on 3 of 5 images (the even ones): 1 − 3.5/5 = 30 %, strictly inside its interval.
    expect(s.reductionPercent.linf).toBeCloseTo(30, 9);
    expect(s.intervals.reductionPercent.linf[0]).toBeLessThan(30);
    expect(s.intervals.reductionPercent.linf[1]).toBeGreaterThan(30);
    const none = summarizeFocusedAttack([]);
    expect(none.intervals.reductionPercent.l2.every(Number.isNaN)).toBe(true);
  });

  it('measures mass outside on a hand example', () => {
    expect(massOutside([1, 1, 1, 3, 0, 0], [1, 0.2])).toBeCloseTo(0.5, 12);
  });
});

describe('adversarial sanity check', () => {
  const size = 10;
  // Only the last column (10 % of the pixels) drives the decision.
  const inR = (i: number) => i % size === size - 1;
  const u = Float32Array.from({ length: size * size * 3 }, (_, j) => (inR(Math.floor(j / 3)) ? 1 : 0));
  const oracle = fixedMethod('oracle', (w, h) => Float32Array.from({ length: w * h }, (_, i) => (inR(i) ? 1 : 0)));
  const anti = fixedMethod('anti', (w, h) => Float32Array.from({ length: w * h }, (_, i) => (inR(i) ? 0 : 1)));

  it('gives the known answers on a model whose evidence is one column', async () => {
    // Margin 0.3 needs ε > 0.3·255/30 = 2.55: the grid's 4 is the smallest that flips.
    const model = twoClass(u, 0.3, size);
    const tensors = tf.memory().numTensors;
    const rec = await adversarialCheck(model, grayImage(size, size), { methods: { oracle, anti }, norm: 'linf', epsilons: [1, 2, 4, 8], steps: 20, stepFraction: 1 / 8, restrictedBudget: 'same', randomMasks: 3, seed: 1 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(rec.flipped).toBe(true);
    expect(rec.epsilon).toBe(4);
    expect(rec.methods.oracle.spearman).toBeCloseTo(1, 12);
    expect(rec.methods.anti.spearman).toBeCloseTo(-1, 12);
    expect(rec.methods.oracle.top['10']).toEqual({ transfer: 1, reattack: 1 });
    expect(rec.methods.oracle.top['20']).toEqual({ transfer: 1, reattack: 1 });
    expect(rec.methods.anti.top['10']).toEqual({ transfer: 0, reattack: 0 });
    expect(rec.random['10']).toEqual({ transfer: 0, reattack: 0 });
    const s = summarizeAdversarialCheck([rec, { ...rec, flipped: false }]);
    expect(s.images).toBe(2);
    expect(s.flipped).toBe(1);
    expect(s.methods.oracle.k['10'].dropTop).toEqual({ transfer: 0, reattack: 0 });
    expect(s.methods.oracle.k['10'].dropRandom).toEqual({ transfer: 1, reattack: 1 });
    expect(s.methods.anti.k['10'].dropTop).toEqual({ transfer: 1, reattack: 1 });
    // One flipped image: every interval is a point; the oracle's top pixels matter by 1 more than random.
    expect(s.methods.oracle.n).toEqual({ spearman: 1, k: 1 });
    expect(s.methods.oracle.intervals.k['10'].topMinusRandom).toEqual({ transfer: [-1, -1], reattack: [-1, -1] });
    expect(s.methods.oracle.intervals.k['10'].dropRandom.reattack).toEqual([1, 1]);
    expect(s.methods.anti.intervals.k['10'].topMinusRandom.reattack).toEqual([0, 0]);
    // Four flipped images, the top restriction fooling on two of them: the drop's interval spans its
    // mean 0.5 inside [0, 1], and the paired difference's interval is the same shifted by dropRandom.
    const mixed = [0, 1, 0, 1].map((f) => ({ ...rec, methods: { ...rec.methods, oracle: { ...rec.methods.oracle, top: { ...rec.methods.oracle.top, '10': { transfer: f, reattack: f } } } } }));
    const m = summarizeAdversarialCheck(mixed).methods.oracle;
    expect(m.k['10'].dropTop.reattack).toBe(0.5);
    const [lo, hi] = m.intervals.k['10'].dropTop.reattack;
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(lo).toBeLessThan(0.5);
    expect(hi).toBeGreaterThan(0.5);
    expect(hi).toBeLessThanOrEqual(1);
    const [dLo, dHi] = m.intervals.k['10'].topMinusRandom.reattack;
    expect(dLo).toBeCloseTo(lo - 1, 9);
    expect(dHi).toBeCloseTo(hi - 1, 9);
    // Same L1 budget (ε/k per pixel): the oracle still fools, the anti-map still cannot.
    const l1 = await adversarialCheck(model, grayImage(size, size), { methods: { oracle, anti }, norm: 'linf', epsilons: [1, 2, 4, 8], topK: [0.1] });
    expect(l1.methods.oracle.top['10'].reattack).toBe(1);
    expect(l1.methods.anti.top['10'].reattack).toBe(0);
    expect(l1.random['10'].reattack).toBeGreaterThanOrEqual(0);
    expect(l1.random['10'].reattack).toBeLessThanOrEqual(1);
    // L2 (the default): δ ∝ the gradient, so the magnitude map is the column exactly. The margin
    // 0.3 needs ‖δ‖₂ > 0.3·255/√30 ≈ 14.0 on the 0..255 scale: 16 is the grid's first that flips.
    const l2 = await adversarialCheck(model, grayImage(size, size), { methods: { oracle, anti }, epsilons: [8, 16, 32], steps: 20, randomMasks: 3, seed: 2 });
    expect(l2.norm).toBe('l2');
    expect(l2.epsilon).toBe(16);
    expect(l2.methods.oracle.spearman).toBeCloseTo(1, 12);
    expect(l2.methods.anti.spearman).toBeCloseTo(-1, 12);
    expect(l2.methods.oracle.top['10']).toEqual({ transfer: 1, reattack: 1 });
    expect(l2.methods.anti.top['10']).toEqual({ transfer: 0, reattack: 0 });
    model.dispose();
  });

  it('reports images no budget flips', async () => {
    const model = twoClass(u, 50, size);
    const rec = await adversarialCheck(model, grayImage(size, size), { methods: { oracle }, epsilons: [1, 2] });
    expect(rec.flipped).toBe(false);
    expect(summarizeAdversarialCheck([rec]).flipped).toBe(0);
    await expect(adversarialCheck(model, grayImage(size, size), { methods: { oracle }, topK: [0] })).rejects.toThrow(RangeError);
    model.dispose();
  });

  it('builds top-k and random masks of the right size', () => {
    expect([...topKMask([0.1, 0.9, 0.5, 0.9, 0], 0.4)]).toEqual([0, 1, 0, 1, 0]);
    const m = randomMask(100, 0.2, 5);
    expect(m.reduce((a, b) => a + b, 0)).toBe(20);
    expect([...randomMask(100, 0.2, 5)]).toEqual([...m]);
    expect([...randomMask(100, 0.2, 6)]).not.toEqual([...m]);
  });
});
