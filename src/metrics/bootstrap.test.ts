import { describe, expect, it } from 'vitest';
import { classMeanInterval, meanInterval, seededUniform } from './bootstrap.js';

describe('bootstrap intervals', () => {
  it('covers the mean, shrinks like 1/√n and is reproducible', () => {
    const u = seededUniform(7);
    const small = Array.from({ length: 50 }, () => u());
    const large = Array.from({ length: 2000 }, () => u());
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const a = meanInterval(small);
    const b = meanInterval(large);
    expect(a[0]).toBeLessThan(mean(small));
    expect(a[1]).toBeGreaterThan(mean(small));
    // Uniform(0,1): sd 0.289, so the 95 % half-width is about 1.96 · 0.289 / √n.
    expect((a[1] - a[0]) / 2).toBeCloseTo((1.96 * 0.2887) / Math.sqrt(50), 1);
    expect((b[1] - b[0]) / 2).toBeGreaterThan(0.8 * (1.96 * 0.2887) / Math.sqrt(2000));
    expect((b[1] - b[0]) / 2).toBeLessThan(1.2 * (1.96 * 0.2887) / Math.sqrt(2000));
    expect(meanInterval(small)).toEqual(a);
    expect(meanInterval([3, Number.NaN, 3])).toEqual([3, 3]);
    expect(meanInterval([Number.NaN]).every(Number.isNaN)).toBe(true);
    expect(() => meanInterval([1], { resamples: 0 })).toThrow(/resamples/);
  });

  it('resamples within classes for the mean of per-class accuracies', () => {
    // A class with every trial a hit never varies; the other (5 of 10) carries all the spread.
    const ci = classMeanInterval([{ hits: 20, total: 20 }, { hits: 5, total: 10 }, { hits: 0, total: 0 }]);
    expect(ci[0]).toBeGreaterThanOrEqual(0.5 + 0.1 / 2);
    expect(ci[1]).toBeLessThanOrEqual(1);
    expect(ci[0]).toBeLessThan(0.75);
    expect(ci[1]).toBeGreaterThan(0.75);
    // Binomial(10, 0.5)/10 has sd 0.158; halved by the two-class mean: 95 % half-width ≈ 0.155.
    expect((ci[1] - ci[0]) / 2).toBeCloseTo(0.155, 1);
    expect(classMeanInterval([{ hits: 3, total: 3 }])).toEqual([1, 1]);
  });
});
