import { describe, it, expect } from 'vitest';
import { captionBelow, classContrast, differenceImage, divergingColors } from './contrast.js';
import { createRgb8 } from '../image/rgb.js';
import { grid } from '../image/layout.js';

describe('class contrast', () => {
  it('puts both maps on one scale and signs the difference A − B', () => {
    const a = [0, 2, 4, 1];
    const b = [1, 2, 0, 8];
    const c = classContrast(a, b);
    expect(c.scale).toBe(8);
    expect([...c.a]).toEqual([0, 0.25, 0.5, 0.125]);
    expect([...c.b]).toEqual([0.125, 0.25, 0, 1]);
    expect([...c.difference]).toEqual([-0.125, 0, 0.5, -0.875]);
    expect(c.differenceRange).toBe(0.875);
    const img = differenceImage(c.difference, 2, 2, c.differenceRange);
    const px = (i: number) => [...img.data.subarray(3 * i, 3 * i + 3)];
    // A > B is red (R high, B low), B > A blue, equal white.
    expect(px(2)[0]).toBeGreaterThan(px(2)[2]);
    expect(px(3)[2]).toBeGreaterThan(px(3)[0]);
    expect(px(1)).toEqual([247, 247, 247]);
    expect(px(3)).toEqual([33, 102, 172]);
  });

  it('handles all-zero maps and rejects bad input', () => {
    const c = classContrast([0, 0], [0, 0]);
    expect(c.scale).toBe(0);
    expect([...c.difference]).toEqual([0, 0]);
    expect(() => classContrast([1], [1, 2])).toThrow(RangeError);
    expect(() => classContrast([NaN], [1])).toThrow(RangeError);
    expect(() => divergingColors([1], 0)).toThrow(RangeError);
    expect(() => differenceImage([1, 2], 3, 1, 1)).toThrow(RangeError);
    expect([...divergingColors([5, -5], 1)]).toEqual([178, 24, 43, 33, 102, 172]);
  });
});

describe('captioned cells in a grid', () => {
  it('adds one text line per caption below the image and lays cells out by the tallest', () => {
    const img = createRgb8(60, 40, [200, 200, 200]);
    const cell = captionBelow(img, ['model', 'class 3', 'p=0.5', 'sizes 224']);
    expect(cell.width).toBe(60);
    expect(cell.height).toBe(40 + 4 * 9 + 2);
    expect([...cell.data.subarray(0, 3)]).toEqual([200, 200, 200]);
    const band = (line: number) => {
      let dark = 0;
      for (let y = 40 + 2 + line * 9; y < 40 + 2 + line * 9 + 7; y++) for (let x = 0; x < 60; x++) if (cell.data[(y * 60 + x) * 3] === 0) dark++;
      return dark;
    };
    for (let l = 0; l < 4; l++) expect(band(l)).toBeGreaterThan(5);
    const g = grid([[cell, cell], [cell, captionBelow(img, [])]], { colLabels: ['cameras', 'gradcam'], gap: 6 });
    expect(g.width).toBe(60 + 6 + 60);
    expect(g.height).toBe(11 + 6 + cell.height + 6 + cell.height);
    // Long captions are shortened to the cell width rather than spilling over.
    const long = captionBelow(img, ['x'.repeat(100)]);
    expect(long.width).toBe(60);
    expect(() => captionBelow(img, ['a'], { fontScale: 0 })).toThrow(RangeError);
  });
});
