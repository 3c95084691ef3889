import { describe, expect, it } from 'vitest';
import { colorBar, figureFontScale, withColorBar } from './colorbar.js';
import { colormapLut } from './colormap.js';
import { createRgb8 } from './rgb.js';

const pixel = (img: { width: number; data: Uint8Array }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('colorBar', () => {
  it('runs through the colormap from 0 at the left to 1 at the right, with 0, 1 and the label below', () => {
    for (const name of ['jet', 'viridis', 'gray'] as const) {
      const bar = colorBar(name, 300, { fontScale: 1 });
      expect(bar.width).toBe(300);
      expect(bar.height).toBe(2 + 8 + 2 + 7 + 2);
      const lut = colormapLut(name);
      const y = 2 + 4;
      expect(pixel(bar, 2, y)).toEqual(Array.from(lut.subarray(0, 3)));
      expect(pixel(bar, 297, y)).toEqual(Array.from(lut.subarray(765, 768)));
      expect(pixel(bar, 150, y)).toEqual(Array.from(lut.subarray(3 * 128, 3 * 128 + 3)));
      // Text rows: dark pixels at both ends ("0", "1") and in the middle (the label).
      const dark = (x0: number, x1: number) => {
        let n = 0;
        for (let yy = 12; yy < 19; yy++) for (let x = x0; x < x1; x++) if (pixel(bar, x, yy)[0] < 50) n++;
        return n;
      };
      expect(dark(0, 10)).toBeGreaterThan(5);
      expect(dark(290, 300)).toBeGreaterThan(3);
      expect(dark(100, 200)).toBeGreaterThan(20);
    }
  });

  it('leaves the label out where it would not fit, and rejects bad sizes', () => {
    const narrow = colorBar('jet', 40, { fontScale: 1 });
    let dark = 0;
    for (let y = 12; y < 19; y++) for (let x = 10; x < 30; x++) if (pixel(narrow, x, y)[0] < 50) dark++;
    expect(dark).toBe(0);
    expect(() => colorBar('jet', 0)).toThrow(/positive integer/);
    expect(() => colorBar('jet', 10, { fontScale: 0 })).toThrow(/positive integer/);
  });

  it('goes under a figure of the same width; the font grows with the figure', () => {
    const fig = createRgb8(500, 20, [9, 9, 9]);
    const out = withColorBar(fig, 'turbo');
    expect(out.width).toBe(500);
    expect(out.height).toBe(20 + colorBar('turbo', 500).height);
    expect(pixel(out, 250, 10)).toEqual([9, 9, 9]);
    expect([figureFontScale(200), figureFontScale(500), figureFontScale(4000)]).toEqual([1, 2, 4]);
  });
});
