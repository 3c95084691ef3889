import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../core/types.js';
import { colormapLut } from './colormap.js';
import { colorizeMap, overlay } from './overlay.js';
import { toRgb8 } from './rgb.js';

// 2×2 image: black, white, (100, 50, 200), (10, 20, 30).
const image: RgbImage = {
  width: 2,
  height: 2,
  channels: 3,
  data: new Uint8Array([0, 0, 0, 255, 255, 255, 100, 50, 200, 10, 20, 30]),
};

describe('overlay', () => {
  it('blends (1 - alpha) * image + alpha * colormap(map) per channel', () => {
    // gray colormap: 0 -> 0, 1 -> 255, 0.5 -> entry 128, 0.25 -> entry 64 (63.75 rounded).
    const out = overlay(image, new Float32Array([0, 1, 0.5, 0.25]), { colormap: 'gray', alpha: 0.3 });
    expect(out.width).toBe(2);
    expect(out.height).toBe(2);
    expect(out.channels).toBe(3);
    // By hand: 0.7*100 + 0.3*128 = 108.4 -> 108; 0.7*50 + 38.4 = 73.4 -> 73; 0.7*200 + 38.4 = 178.4 -> 178;
    // 0.7*10 + 0.3*64 = 26.2 -> 26; 14 + 19.2 = 33.2 -> 33; 21 + 19.2 = 40.2 -> 40.
    expect(Array.from(out.data)).toEqual([0, 0, 0, 255, 255, 255, 108, 73, 178, 26, 33, 40]);
  });

  it('alpha 0 gives the image and alpha 1 the colormap; default is jet at 0.5', () => {
    const map = new Float32Array([0.1, 0.9, 0.4, 0.6]);
    expect(Array.from(overlay(image, map, { alpha: 0 }).data)).toEqual(Array.from(image.data));
    const lut = colormapLut('turbo');
    const pure = overlay(image, map, { colormap: 'turbo', alpha: 1 });
    map.forEach((v, i) => {
      const k = Math.round(v * 255);
      expect(Array.from(pure.data.subarray(3 * i, 3 * i + 3))).toEqual(Array.from(lut.subarray(3 * k, 3 * k + 3)));
    });
    const jet = colormapLut('jet');
    const dflt = overlay(image, map);
    const k = Math.round(map[1] * 255); // float32 0.9 is just below 0.9: entry 229
    expect(dflt.data[3]).toBe(Math.round(0.5 * 255 + 0.5 * jet[3 * k]));
  });

  it('accepts RGBA and float images (alpha ignored, floats rounded)', () => {
    const rgba: RgbImage = { width: 1, height: 1, channels: 4, data: new Uint8Array([200, 100, 50, 0]) };
    const f32: RgbImage = { width: 1, height: 1, channels: 3, data: new Float32Array([200.4, 99.6, 300]) };
    expect(Array.from(overlay(rgba, [0], { colormap: 'gray', alpha: 0.5 }).data)).toEqual([100, 50, 25]);
    expect(Array.from(toRgb8(f32).data)).toEqual([200, 100, 255]);
    expect(Array.from(overlay(f32, [1], { colormap: 'gray', alpha: 0.5 }).data)).toEqual([228, 178, 255]);
  });

  it('does not modify its inputs', () => {
    const before = Array.from(image.data);
    const map = new Float32Array([0.2, 0.4, 0.6, 0.8]);
    overlay(image, map, { alpha: 0.7 });
    expect(Array.from(image.data)).toEqual(before);
    expect(Array.from(map)).toEqual(Array.from(new Float32Array([0.2, 0.4, 0.6, 0.8])));
  });

  it('rejects a map of the wrong size, a bad alpha and a malformed image', () => {
    expect(() => overlay(image, new Float32Array(3))).toThrow(/map has 3 values but the image is 2x2/);
    expect(() => overlay(image, new Float32Array(4), { alpha: 1.5 })).toThrow(/alpha/);
    expect(() => overlay(image, new Float32Array(4), { alpha: Number.NaN })).toThrow(/alpha/);
    expect(() => overlay({ ...image, data: new Uint8Array(5) }, new Float32Array(4))).toThrow(/data has 5 values/);
    expect(() => overlay({ ...image, width: 0 }, new Float32Array(0))).toThrow(/positive integers/);
  });
});

describe('colorizeMap', () => {
  it('draws the map alone through the colormap', () => {
    const out = colorizeMap(new Float32Array([0, 1]), 2, 1, 'inferno');
    expect(Array.from(out.data)).toEqual([0, 0, 4, 0xfc, 0xff, 0xa4]);
    expect(() => colorizeMap(new Float32Array(3), 2, 1)).toThrow(/map has 3 values/);
  });
});
