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

  it('resamples classes, then outcomes within them, for the mean of per-class accuracies', () => {
    // One class: only the within-class stage varies; all hits never vary.
    expect(classMeanInterval([{ hits: 3, total: 3 }])).toEqual([1, 1]);
    const one = classMeanInterval([{ hits: 5, total: 10 }]);
    // Binomial(10, 0.5)/10 has sd 0.158: 95 % half-width ≈ 0.3.
    expect((one[1] - one[0]) / 2).toBeCloseTo(0.3, 1);
    // 100 classes of one item each, half of them hits: within-class resampling alone would give a
    // zero-width interval; the class stage gives the binomial spread of 100 items, half-width ≈ 0.098.
    const many = classMeanInterval(Array.from({ length: 100 }, (_, i) => ({ hits: i % 2, total: 1 })));
    expect(many[0]).toBeLessThan(0.5);
    expect(many[1]).toBeGreaterThan(0.5);
    expect((many[1] - many[0]) / 2).toBeCloseTo(0.098, 1);
    // Classes with no trial are left out.
    expect(classMeanInterval([{ hits: 3, total: 3 }, { hits: 0, total: 0 }])).toEqual([1, 1]);
  });
});
