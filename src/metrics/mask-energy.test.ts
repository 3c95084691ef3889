import { describe, it, expect } from 'vitest';
import { maskEnergy } from './mask-energy.js';

describe('maskEnergy', () => {
  it('is the share of map mass inside the mask', () => {
    expect(maskEnergy([1, 1, 2, 0], [1, 0, 1, 0])).toBeCloseTo(3 / 4, 12);
    expect(maskEnergy([0, 0, 5], [0, 0, 1])).toBe(1);
    expect(maskEnergy([0, 0, 0], [1, 1, 1])).toBe(0);
  });
  it('refuses maps and masks of different sizes', () => {
    expect(() => maskEnergy([1, 2], [1])).toThrow(/differ/);
  });
});
