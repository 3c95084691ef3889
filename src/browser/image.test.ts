import { describe, expect, it } from 'vitest';
import { UnsupportedImageError, decodeImageFile, limitSize, rgbaToRgb } from './image.js';

describe('browser image helpers', () => {
  it('drops alpha from RGBA pixels', () => {
    const rgba = Uint8ClampedArray.from([1, 2, 3, 255, 4, 5, 6, 0]);
    expect(rgbaToRgb(rgba, 2, 1)).toEqual({ width: 2, height: 1, channels: 3, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
  });

  it('downscales only images larger than the limit, keeping the aspect ratio', () => {
    const big = { width: 400, height: 100, channels: 3 as const, data: new Uint8Array(400 * 100 * 3).fill(77) };
    const r = limitSize(big, 200);
    expect([r.image.width, r.image.height, r.downscaled, r.originalWidth, r.originalHeight]).toEqual([200, 50, true, 400, 100]);
    expect(r.image.data.every((v) => v === 77)).toBe(true);
    const same = limitSize(big, 400);
    expect([same.image.width, same.image.height, same.downscaled]).toEqual([400, 100, false]);
  });

  it('refuses a file that is not an image, and a format the runtime cannot decode, with a message', async () => {
    await expect(decodeImageFile(new File(['{"a": 1}'], 'package.json'))).rejects.toThrow(/"package\.json" is not an image this page can read/);
    // Node has no createImageBitmap: a real PNG header reaches the decoder and is reported as undecodable.
    const png = new File([Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])], 'x.png');
    const e = await decodeImageFile(png).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnsupportedImageError);
    expect((e as Error).message).toMatch(/"x\.png" looks like PNG but this browser cannot decode it/);
  });
});
