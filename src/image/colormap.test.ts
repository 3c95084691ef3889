import { describe, expect, it } from 'vitest';
import { applyColormap, colormapLut, COLORMAP_NAMES, isColormapName, type ColormapName } from './colormap.js';

/** CIE L* (D65) of an 8-bit sRGB colour: the lightness a viewer perceives. */
function lightness(r: number, g: number, b: number): number {
  const lin = (v: number): number => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const y = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return y > 216 / 24389 ? 116 * Math.cbrt(y) - 16 : (24389 / 27) * y;
}

function lightnessCurve(name: ColormapName): number[] {
  const lut = colormapLut(name);
  return Array.from({ length: 256 }, (_, i) => lightness(lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]));
}

function entry(name: ColormapName, i: number): number[] {
  return Array.from(colormapLut(name).subarray(3 * i, 3 * i + 3));
}

describe('colormaps', () => {
  it('has 256 RGB entries per map', () => {
    for (const name of COLORMAP_NAMES) expect(colormapLut(name).length).toBe(768);
  });

  it('matches the published endpoint colours', () => {
    // Published values: viridis #440154 → #fde725, inferno #000004 → #fcffa4,
    // turbo (0.18995, 0.07176, 0.23217) → (0.47960, 0.01583, 0.01055), matplotlib jet (0,0,.5) → (.5,0,0).
    expect(entry('viridis', 0)).toEqual([0x44, 0x01, 0x54]);
    expect(entry('viridis', 255)).toEqual([0xfd, 0xe7, 0x25]);
    expect(entry('inferno', 0)).toEqual([0, 0, 4]);
    expect(entry('inferno', 255)).toEqual([0xfc, 0xff, 0xa4]);
    expect(entry('turbo', 0)).toEqual([48, 18, 59]);
    expect(entry('turbo', 255)).toEqual([122, 4, 3]);
    expect(entry('jet', 0)).toEqual([0, 0, 128]);
    expect(entry('jet', 255)).toEqual([128, 0, 0]);
    expect(entry('gray', 0)).toEqual([0, 0, 0]);
    expect(entry('gray', 255)).toEqual([255, 255, 255]);
  });

  it('jet passes through cyan, green-yellow and yellow in order', () => {
    // matplotlib jet: green full between 0.375 and 0.64, red full from 0.66, blue zero from 0.65.
    const mid = entry('jet', 128);
    expect(mid[1]).toBe(255);
    expect(entry('jet', 64)[2]).toBe(255); // 0.25: blue still full
    expect(entry('jet', 191)).toEqual([255, expect.any(Number), 0]); // 0.75: red full, no blue
  });

  it('viridis, inferno and gray have rising lightness', () => {
    for (const name of ['viridis', 'inferno', 'gray'] as const) {
      const L = lightnessCurve(name);
      // 8-bit rounding can cost up to ~0.1 L* between neighbours; over 4 entries it must rise.
      for (let i = 1; i < 256; i++) expect(L[i], `${name} at ${i}`).toBeGreaterThan(L[i - 1] - 0.15);
      for (let i = 4; i < 256; i++) expect(L[i], `${name} at ${i}`).toBeGreaterThan(L[i - 4]);
      expect(L[255] - L[0]).toBeGreaterThan(name === 'gray' ? 99 : 75);
    }
  });

  it('turbo lightness rises to a single peak near the middle, then falls', () => {
    const L = lightnessCurve('turbo');
    const peak = L.indexOf(Math.max(...L));
    expect(peak / 255).toBeGreaterThan(0.35);
    expect(peak / 255).toBeLessThan(0.7);
    // Allow 8-bit rounding wiggle of 0.5 L* but no reversal beyond it on either side of the peak.
    for (let i = 1; i <= peak; i++) expect(L[i]).toBeGreaterThan(L[i - 1] - 0.5);
    for (let i = peak + 1; i < 256; i++) expect(L[i]).toBeLessThan(L[i - 1] + 0.5);
    expect(L[peak] - L[0]).toBeGreaterThan(50);
    expect(L[peak] - L[255]).toBeGreaterThan(50);
  });

  it('applyColormap quantises, clamps and draws NaN as 0', () => {
    const lut = colormapLut('viridis');
    const out = applyColormap(new Float32Array([0, 1, Number.NaN, -3, 7, 0.5, 0.2]), 'viridis');
    const idx = [0, 255, 0, 0, 255, 128, 51];
    expect(out.length).toBe(21);
    idx.forEach((k, i) => expect(Array.from(out.subarray(3 * i, 3 * i + 3))).toEqual(Array.from(lut.subarray(3 * k, 3 * k + 3))));
  });

  it('defaults to jet and returns LUT copies', () => {
    expect(Array.from(applyColormap([0]))).toEqual([0, 0, 128]);
    const copy = colormapLut('jet');
    copy.fill(7);
    expect(entry('jet', 0)).toEqual([0, 0, 128]);
  });

  it('rejects unknown names', () => {
    expect(isColormapName('turbo')).toBe(true);
    expect(isColormapName('hot')).toBe(false);
    expect(() => applyColormap([0.5], 'hot' as ColormapName)).toThrow(/unknown colormap "hot"/);
  });
});
