import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../core/types.js';
import { gaussianBlur, gaussianKernel } from './blur.js';
import { mapDensity } from './density.js';
import { curveKey, deletionCurve, insertionCurve, insertionDeletion, saliencyOrder, trapezoidAuc } from './insertion-deletion.js';
import { maskImage } from './pixels.js';

function uniform(width: number, height: number, value: number, channels: 3 | 4 = 3): RgbImage {
  return { width, height, channels, data: new Uint8Array(width * height * channels).fill(value) };
}

/** Toy model: its "probability" is the red value of pixel (0, 0) over 255. */
const pixel00 = async (im: RgbImage) => im.data[0]! / 255;

describe('mapDensity', () => {
  it('matches the hand-computed ρ⁺ and ρ⁻ of a 2×2 map', async () => {
    const map = [0.8, 0.2, 0.2, 0.2];
    const r = await mapDensity(uniform(2, 2, 255), map, pixel00);
    // ρ⁺ = P(I⊙Ψ)·hw/ΣΨ = 0.8·4/1.4; ρ⁻ = P(I⊙(1−Ψ))·hw/Σ(1−Ψ) = 0.2·4/2.6.
    expect(r.pPositive).toBeCloseTo(0.8, 6);
    expect(r.pNegative).toBeCloseTo(0.2, 6);
    expect(r.rhoPlus).toBeCloseTo((0.8 * 4) / 1.4, 6);
    expect(r.rhoMinus).toBeCloseTo((0.2 * 4) / 2.6, 6);
    expect(r.mapMean).toBeCloseTo(0.35, 6);
  });

  it('gives the model confidence for an all-ones map and NaN where undefined', async () => {
    const conf = async () => 0.37;
    const ones = await mapDensity(uniform(3, 2, 100, 4), new Array(6).fill(1), conf);
    expect(ones.rhoPlus).toBeCloseTo(0.37, 12);
    expect(Number.isNaN(ones.rhoMinus)).toBe(true);
    const zeros = await mapDensity(uniform(3, 2, 100), new Array(6).fill(0), conf);
    expect(Number.isNaN(zeros.rhoPlus)).toBe(true);
    expect(zeros.rhoMinus).toBeCloseTo(0.37, 12);
  });

  it('masks in pixel space and rejects bad maps and callbacks', async () => {
    const m = maskImage({ width: 2, height: 1, channels: 4, data: new Uint8Array([200, 100, 50, 255, 10, 20, 30, 255]) }, [0.5, 0]);
    expect(m.channels).toBe(3);
    expect(Array.from(m.data)).toEqual([100, 50, 25, 0, 0, 0]);
    await expect(mapDensity(uniform(2, 2, 1), [0, 0, 0], pixel00)).rejects.toThrow(/resize/);
    await expect(mapDensity(uniform(2, 2, 1), [0, 0, 0, 2], pixel00)).rejects.toThrow(/normalise/);
    await expect(mapDensity(uniform(2, 2, 1), [0, 0, 0, Number.NaN], pixel00)).rejects.toThrow(RangeError);
    await expect(mapDensity(uniform(2, 2, 1), [0, 0, 0, 1], async () => 1.5)).rejects.toThrow(/probability/);
    await expect(mapDensity({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) }, [0, 0, 0, 1], pixel00)).rejects.toThrow(RangeError);
  });
});

describe('gaussianBlur', () => {
  it('uses normalised Gaussian taps, keeps uniform images and spreads an impulse by the kernel', () => {
    const k = gaussianKernel(5, 5);
    const raw = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / 50));
    const s = raw.reduce((a, b) => a + b, 0);
    k.forEach((v, i) => expect(v).toBeCloseTo(raw[i]! / s, 12));
    const flat = gaussianBlur(uniform(7, 5, 90));
    expect(Array.from(flat.data).every((v) => Math.abs(v - 90) < 1e-4)).toBe(true);
    const im = uniform(21, 21, 0);
    (im.data as Uint8Array)[3 * (10 * 21 + 10)] = 255;
    const b = gaussianBlur(im);
    expect(b.data[3 * (10 * 21 + 10)]).toBeCloseTo(255 * k[5]! * k[5]!, 3);
    expect(b.data[3 * (8 * 21 + 13)]).toBeCloseTo(255 * k[3]! * k[8]!, 3);
    const total = Array.from(b.data).filter((_, i) => i % 3 === 0).reduce((a, v) => a + v, 0);
    expect(total).toBeCloseTo(255, 2);
    expect(() => gaussianKernel(0, 5)).toThrow(RangeError);
  });
});

describe('insertion and deletion', () => {
  const W = 4;
  const H = 4;

  it('orders pixels by decreasing saliency, ties in row-major order', () => {
    expect(Array.from(saliencyOrder([0.5, 1, 0.5, Number.NaN, 1]))).toEqual([1, 4, 0, 2, 3]);
    expect(trapezoidAuc([0, 0.5, 1], [1, 0, 0])).toBeCloseTo(0.25, 12);
    expect(() => trapezoidAuc([0], [1])).toThrow(RangeError);
  });

  it('deletion AUC of a one-pixel model: 1/8 when its pixel goes first, 7/8 when last', async () => {
    const image = uniform(W, H, 255);
    const first = new Array(16).fill(0.5);
    first[0] = 1;
    const last = new Array(16).fill(0.5);
    last[0] = 0;
    // 16 pixels, 4 per step: 5 points at x = 0, 1/4, …, 1.
    const a = await deletionCurve(image, first, pixel00, { pixelsPerStep: 4 });
    expect(a.scores).toEqual([1, 0, 0, 0, 0]);
    expect(a.fractions).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(a.auc).toBeCloseTo(1 / 8, 12);
    const b = await deletionCurve(image, last, pixel00, { steps: 4 });
    expect(b.scores).toEqual([1, 1, 1, 1, 0]);
    expect(b.auc).toBeCloseTo(7 / 8, 12);
  });

  it('insertion of a model counting restored pixels is linear (AUC 1/2), and steps that do not divide h·w end at x = 1', async () => {
    // A pattern the blur changes at every pixel.
    const data = new Uint8Array(W * H * 3);
    for (let p = 0; p < W * H; p++) data.fill(((p * 7) % 5) * 60 + (p % 2) * 13, 3 * p, 3 * p + 3);
    const image: RgbImage = { width: W, height: H, channels: 3, data };
    const blurred = gaussianBlur(image);
    for (let p = 0; p < W * H; p++) expect(Math.abs(blurred.data[3 * p]! - data[3 * p]!)).toBeGreaterThan(1e-3);
    const restored = async (im: RgbImage) => {
      let n = 0;
      for (let p = 0; p < W * H; p++) if (im.data[3 * p] === data[3 * p]) n++;
      return n / (W * H);
    };
    const map = Array.from({ length: 16 }, (_, i) => (i * 5) % 16 / 16);
    const r = await insertionCurve(image, map, restored, { pixelsPerStep: 4 });
    expect(r.scores).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(r.auc).toBeCloseTo(0.5, 12);
    const odd = await insertionCurve(image, map, restored, { pixelsPerStep: 5 });
    expect(odd.fractions).toEqual([0, 5 / 16, 10 / 16, 15 / 16, 1]);
    expect(odd.auc).toBeCloseTo(0.5, 12);
    let calls = 0;
    const both = await insertionDeletion(image, map, restored, { steps: 2, onStep: () => calls++ });
    expect(both.insertion.scores).toHaveLength(3);
    expect(both.deletion.scores[0]).toBe(1);
    expect(calls).toBe(6);
  });

  it('gives maps equal curve keys exactly when every step changes the same pixels, and then equal curves', async () => {
    const data = new Uint8Array(W * H * 3);
    for (let p = 0; p < W * H; p++) data.fill((p * 37) % 251, 3 * p, 3 * p + 3);
    const image: RgbImage = { width: W, height: H, channels: 3, data };
    // A model that sees where the pixels went: any change of the pixel sets changes its score.
    const weighted = async (im: RgbImage) => {
      let s = 0;
      for (let p = 0; p < W * H; p++) s += (im.data[3 * p]! * (p + 1)) / (255 * 136);
      return Math.min(1, s);
    };
    const map = Array.from({ length: 16 }, (_, i) => 1 - i / 16);
    // Pixels 0 and 1 swap places: both are in the first step of 4.
    const within = map.slice();
    [within[0], within[1]] = [map[1]!, map[0]!];
    // Pixels 3 and 4 swap places: across the first step's boundary.
    const across = map.slice();
    [across[3], across[4]] = [map[4]!, map[3]!];
    const opts = { pixelsPerStep: 4 };
    expect(Array.from(curveKey(within, opts))).toEqual(Array.from(curveKey(map, opts)));
    expect(Array.from(curveKey(across, opts))).not.toEqual(Array.from(curveKey(map, opts)));
    const a = await insertionDeletion(image, map, weighted, opts);
    expect(await insertionDeletion(image, within, weighted, opts)).toEqual(a);
    const b = await insertionDeletion(image, across, weighted, opts);
    expect(b.deletion.scores).not.toEqual(a.deletion.scores);
    expect(() => curveKey(map, { steps: 0 })).toThrow(/steps/);
  });

  it('rejects bad options and maps', async () => {
    const image = uniform(W, H, 255);
    await expect(deletionCurve(image, new Array(15).fill(0), pixel00)).rejects.toThrow(RangeError);
    await expect(deletionCurve(image, new Array(16).fill(0), pixel00, { pixelsPerStep: 0 })).rejects.toThrow(/pixelsPerStep/);
    await expect(insertionCurve(image, new Array(16).fill(0), pixel00, { steps: 1.5 })).rejects.toThrow(/steps/);
  });
});
