import { describe, expect, it } from 'vitest';
import { averageRanks, hogDescriptor, hogSimilarity, pearson, spearman, ssim } from './similarity.js';

/** Deterministic pseudo-random values in [0, 1). */
function lcg(n: number, seed = 1): Float64Array {
  const out = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) % 4294967296;
    out[i] = s / 4294967296;
  }
  return out;
}

/** A smooth blob map centred at (cx, cy). */
function blob(w: number, h: number, cx: number, cy: number, r: number): Float64Array {
  const m = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) m[y * w + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r));
  return m;
}

describe('rank correlations', () => {
  it('averages tied ranks and matches hand values', () => {
    expect(Array.from(averageRanks([5, 6, 7, 8, 7]))).toEqual([1, 2, 3.5, 5, 3.5]);
    // Σdxdy = 8, Σdx² = 10, Σdy² = 9.5.
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(8 / Math.sqrt(95), 12);
    expect(spearman([1, 2, 3], [30, 20, 10])).toBeCloseTo(-1, 12);
    // Σdxdy = 10.75, Σdx² = 5, Σdy² = 23.1875.
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8.5])).toBeCloseTo(10.75 / Math.sqrt(5 * 23.1875), 12);
  });

  it('takes absolute values when asked', () => {
    expect(spearman([-3, 1, 2], [3, 1, 2])).toBeCloseTo(-0.5, 12);
    expect(spearman([-3, 1, 2], [3, 1, 2], { absolute: true })).toBeCloseTo(1, 12);
  });

  it('returns NaN for constant input and rejects bad input', () => {
    expect(Number.isNaN(spearman([1, 1, 1], [1, 2, 3]))).toBe(true);
    expect(() => spearman([1, 2], [1, 2, 3])).toThrow(RangeError);
    expect(() => pearson([1], [1])).toThrow(RangeError);
    expect(() => pearson([1, Number.NaN], [1, 2])).toThrow(/non-finite/);
  });
});

describe('ssim', () => {
  const W = 24;
  const H = 20;

  it('is 1 for identical maps and the closed form for constant maps', () => {
    const x = lcg(W * H, 3);
    expect(ssim(x, x, W, H)).toBeCloseTo(1, 12);
    const a = 0.7, b = 0.2, C1 = 0.0001;
    const expected = (2 * a * b + C1) / (a * a + b * b + C1);
    expect(ssim(new Float64Array(W * H).fill(a), new Float64Array(W * H).fill(b), W, H)).toBeCloseTo(expected, 10);
  });

  it('matches a direct 2-D window computation on random maps', () => {
    const x = lcg(W * H, 5);
    const y = x.map((v, i) => 0.6 * v + 0.4 * lcg(W * H, 9)[i]!);
    const g = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
    const gs = g.reduce((s, v) => s + v, 0);
    let total = 0;
    let count = 0;
    for (let oy = 0; oy + 11 <= H; oy++) {
      for (let ox = 0; ox + 11 <= W; ox++) {
        let mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
        for (let j = 0; j < 11; j++) for (let i = 0; i < 11; i++) {
          const w = (g[j]! * g[i]!) / (gs * gs);
          const p = (oy + j) * W + ox + i;
          mx += w * x[p]!; my += w * y[p]!; xx += w * x[p]! ** 2; yy += w * y[p]! ** 2; xy += w * x[p]! * y[p]!;
        }
        const vx = xx - mx * mx, vy = yy - my * my, cxy = xy - mx * my;
        total += ((2 * mx * my + 1e-4) * (2 * cxy + 9e-4)) / ((mx * mx + my * my + 1e-4) * (vx + vy + 9e-4));
        count++;
      }
    }
    const s = ssim(x, y, W, H);
    expect(s).toBeCloseTo(total / count, 10);
    expect(s).toBeLessThan(0.95);
    expect(s).toBeGreaterThan(0.2);
  });

  it('rejects maps smaller than the window', () => {
    expect(() => ssim(new Float64Array(100), new Float64Array(100), 10, 10)).toThrow(/window/);
    expect(() => ssim(new Float64Array(100), new Float64Array(100), 20, 20)).toThrow(RangeError);
  });
});

describe('HOG similarity', () => {
  const W = 64;
  const H = 48;

  it('has Dalal–Triggs layout and L2-Hys-normalised blocks', () => {
    const d = hogDescriptor(blob(W, H, 30, 20, 8), W, H);
    // 8×6 cells → 7×5 blocks of 2×2 cells × 9 bins.
    expect(d.length).toBe(7 * 5 * 36);
    for (let b = 0; b < 35; b++) {
      const v = d.subarray(b * 36, b * 36 + 36);
      const norm = Math.hypot(...v);
      if (norm > 0) expect(norm).toBeCloseTo(1, 6);
    }
    // A vertical edge: gradients along x only → all votes in the bins around 0°/180° (bins 0 and 8).
    const edge = new Float64Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 32; x < W; x++) edge[y * W + x] = 1;
    const e = hogDescriptor(edge, W, H);
    for (let i = 0; i < e.length; i++) if (i % 9 !== 0 && i % 9 !== 8) expect(e[i]).toBe(0);
  });

  it('is 1 with itself and lower for a shifted map', () => {
    const a = blob(W, H, 30, 20, 8);
    const shifted = blob(W, H, 38, 26, 8);
    expect(hogSimilarity(a, a, W, H)).toBeCloseTo(1, 12);
    const s = hogSimilarity(a, shifted, W, H);
    expect(s).toBeLessThan(0.9);
    expect(hogSimilarity(a, blob(W, H, 31, 20, 8), W, H)).toBeGreaterThan(s);
    expect(() => hogDescriptor(new Float64Array(100), 10, 10)).toThrow(/cells/);
  });
});
