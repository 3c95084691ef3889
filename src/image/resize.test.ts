import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../core/types.js';
import { fitWithin, resizeRgb } from './resize.js';

function gray(values: number[], width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  values.forEach((v, i) => data.fill(v, 3 * i, 3 * i + 3));
  return { width, height, channels: 3, data };
}

function red(img: { data: Uint8Array }): number[] {
  return Array.from(img.data.filter((_, i) => i % 3 === 0));
}

describe('resizeRgb', () => {
  it('enlarges with bilinear interpolation and half-pixel centres', () => {
    // Output centres 0.25, 0.75, 1.25, 1.75 in source pixels (source centres at 0.5 and 1.5):
    // 0.25 clamps to the first pixel; 0.75 = 0.75*0 + 0.25*100; 1.25 = 0.25*0 + 0.75*100.
    expect(red(resizeRgb(gray([0, 100], 2, 1), 4, 1))).toEqual([0, 25, 75, 100]);
    expect(red(resizeRgb(gray([0, 100], 1, 2), 1, 4))).toEqual([0, 25, 75, 100]);
  });

  it('keeps constant images constant at any size', () => {
    const img = gray(new Array(35).fill(77), 7, 5);
    for (const [w, h] of [[3, 2], [1, 1], [20, 13], [7, 1]]) {
      const out = resizeRgb(img, w, h);
      expect(out.width).toBe(w);
      expect(out.height).toBe(h);
      expect(out.data.every((v) => v === 77)).toBe(true);
    }
  });

  it('antialiases when shrinking: a 1-pixel checkerboard becomes flat grey', () => {
    const n = 32;
    const values = Array.from({ length: n * n }, (_, i) => ((i % n) + Math.floor(i / n)) % 2 === 0 ? 0 : 255);
    const out = resizeRgb(gray(values, n, n), 8, 8);
    for (const v of out.data) expect(Math.abs(v - 127.5)).toBeLessThan(20);
  });

  it('keeps channels apart', () => {
    const img: RgbImage = { width: 2, height: 1, channels: 3, data: new Uint8Array([255, 0, 10, 255, 0, 10]) };
    expect(Array.from(resizeRgb(img, 3, 2).data)).toEqual([255, 0, 10, 255, 0, 10, 255, 0, 10, 255, 0, 10, 255, 0, 10, 255, 0, 10]);
  });

  it('returns a copy at the same size and rejects bad sizes', () => {
    const img = gray([1, 2, 3, 4], 2, 2);
    const same = resizeRgb(img, 2, 2);
    expect(same.data).not.toBe(img.data);
    expect(Array.from(same.data)).toEqual(Array.from(img.data));
    expect(() => resizeRgb(img, 0, 2)).toThrow(/positive integers/);
    expect(() => resizeRgb(img, 2.5, 2)).toThrow(/positive integers/);
  });
});

describe('fitWithin', () => {
  it('shrinks the longer side to the limit, keeping the aspect ratio', () => {
    const img = gray(new Array(400 * 100).fill(9), 400, 100);
    const out = fitWithin(img, 100);
    expect([out.width, out.height]).toEqual([100, 25]);
    expect(fitWithin(img, 1000)).toBe(img);
    expect(() => fitWithin(img, 0)).toThrow(/maxSide/);
  });
});
