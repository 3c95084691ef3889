import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeBmp, readBmpHeader } from './bmp.js';
import { ImageError } from './errors.js';
import { itShared, sharedPath } from '../testing/shared.js';

interface BmpSpec {
  width: number;
  height: number;
  bpp: number;
  headerSize?: 12 | 40 | 108 | 124;
  topDown?: boolean;
  compression?: number;
  masks?: [number, number, number, number?];
  /** Palette as [r, g, b] entries. */
  palette?: number[][];
  /** Pixel array exactly as stored in the file (rows padded by the caller, or an RLE stream). */
  pixels: Uint8Array;
}

/** Assemble a BMP file from its parts, following the published layout. */
function buildBmp(s: BmpSpec): Uint8Array {
  const headerSize = s.headerSize ?? 40;
  const core = headerSize === 12;
  const maskBytes = headerSize === 40 && s.masks ? 4 * s.masks.length : 0;
  const entry = core ? 3 : 4;
  const paletteBytes = (s.palette?.length ?? 0) * entry;
  const dataOffset = 14 + headerSize + maskBytes + paletteBytes;
  const out = new Uint8Array(dataOffset + s.pixels.length);
  const dv = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  dv.setUint32(2, out.length, true);
  dv.setUint32(10, dataOffset, true);
  dv.setUint32(14, headerSize, true);
  if (core) {
    dv.setUint16(18, s.width, true);
    dv.setInt16(20, s.topDown ? -s.height : s.height, true);
    dv.setUint16(22, 1, true);
    dv.setUint16(24, s.bpp, true);
  } else {
    dv.setInt32(18, s.width, true);
    dv.setInt32(22, s.topDown ? -s.height : s.height, true);
    dv.setUint16(26, 1, true);
    dv.setUint16(28, s.bpp, true);
    dv.setUint32(30, s.compression ?? 0, true);
    dv.setUint32(34, s.pixels.length, true);
    dv.setUint32(46, s.palette?.length ?? 0, true);
    s.masks?.forEach((m, i) => m !== undefined && dv.setUint32(54 + 4 * i, m, true));
  }
  s.palette?.forEach(([r, g, b], i) => {
    const o = 14 + headerSize + maskBytes + i * entry;
    out[o] = b;
    out[o + 1] = g;
    out[o + 2] = r;
  });
  out.set(s.pixels, dataOffset);
  return out;
}

const rgb = (img: { data: Uint8Array }): number[] => Array.from(img.data);

describe('decodeBmp', () => {
  // Target image, 3×2, top row first: red green blue / white black (10,20,30).
  const TOP = [255, 0, 0, 0, 255, 0, 0, 0, 255];
  const BOTTOM = [255, 255, 255, 0, 0, 0, 10, 20, 30];
  const bgrRow = (row: number[]): number[] => {
    const out: number[] = [];
    for (let i = 0; i < row.length; i += 3) out.push(row[i + 2], row[i + 1], row[i]);
    return [...out, 0, 0, 0]; // 9 bytes padded to 12
  };

  it('decodes 24-bit bottom-up and top-down rows with padding', () => {
    const bottomUp = buildBmp({ width: 3, height: 2, bpp: 24, pixels: Uint8Array.from([...bgrRow(BOTTOM), ...bgrRow(TOP)]) });
    const topDown = buildBmp({ width: 3, height: 2, bpp: 24, topDown: true, pixels: Uint8Array.from([...bgrRow(TOP), ...bgrRow(BOTTOM)]) });
    for (const file of [bottomUp, topDown]) {
      const img = decodeBmp(file);
      expect([img.width, img.height, img.channels]).toEqual([3, 2, 3]);
      expect(rgb(img)).toEqual([...TOP, ...BOTTOM]);
    }
    expect(readBmpHeader(topDown).topDown).toBe(true);
  });

  it('decodes 32-bit BGRX and 32-bit bit fields in a V5 header, dropping alpha', () => {
    const bgrx = Uint8Array.from([30, 20, 10, 99, 0, 0, 255, 7]);
    expect(rgb(decodeBmp(buildBmp({ width: 2, height: 1, bpp: 32, pixels: bgrx })))).toEqual([10, 20, 30, 255, 0, 0]);
    // RGBA byte order through masks: R in the low byte.
    const px = Uint8Array.from([10, 20, 30, 128, 255, 0, 0, 0]);
    const v5 = buildBmp({
      width: 2, height: 1, bpp: 32, headerSize: 124, compression: 3,
      masks: [0x000000ff, 0x0000ff00, 0x00ff0000, 0xff000000], pixels: px,
    });
    expect(rgb(decodeBmp(v5))).toEqual([10, 20, 30, 255, 0, 0]);
  });

  it('decodes 16-bit 5-5-5 by default and 5-6-5 through bit fields, scaled to 8 bits', () => {
    // 555: 0x7fff = white, 0x001f = blue, 0x7c00 = red, 0x0210 = green 16/31.
    const p555 = new Uint8Array(8);
    new DataView(p555.buffer).setUint16(0, 0x7fff, true);
    new DataView(p555.buffer).setUint16(2, 0x001f, true);
    new DataView(p555.buffer).setUint16(4, 0x7c00, true);
    new DataView(p555.buffer).setUint16(6, 0x0200, true);
    expect(rgb(decodeBmp(buildBmp({ width: 4, height: 1, bpp: 16, pixels: p555 })))).toEqual([
      255, 255, 255, 0, 0, 255, 255, 0, 0, 0, Math.round((16 * 255) / 31), 0,
    ]);
    const p565 = new Uint8Array(4);
    new DataView(p565.buffer).setUint16(0, 0x07e0, true); // green 63/63
    new DataView(p565.buffer).setUint16(2, 0x0020, true); // green 1/63
    const bmp565 = buildBmp({ width: 2, height: 1, bpp: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f], pixels: p565 });
    expect(rgb(decodeBmp(bmp565))).toEqual([0, 255, 0, 0, 4, 0]);
  });

  it('decodes 8-, 4- and 1-bit palette images, including the 12-byte core header', () => {
    const palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
    const p8 = Uint8Array.from([2, 0, 1, 0]); // 3 indices + 1 pad byte
    for (const headerSize of [40, 12] as const) {
      expect(rgb(decodeBmp(buildBmp({ width: 3, height: 1, bpp: 8, headerSize, palette, pixels: p8 })))).toEqual([
        0, 0, 255, 255, 0, 0, 0, 255, 0,
      ]);
    }
    const p4 = Uint8Array.from([0x21, 0x00, 0, 0]); // indices 2, 1, 0
    expect(rgb(decodeBmp(buildBmp({ width: 3, height: 1, bpp: 4, palette, pixels: p4 })))).toEqual([0, 0, 255, 0, 255, 0, 255, 0, 0]);
    const p1 = Uint8Array.from([0b10100000, 0, 0, 0]); // 1 0 1
    const bw = [[0, 0, 0], [255, 255, 255]];
    expect(rgb(decodeBmp(buildBmp({ width: 3, height: 1, bpp: 1, palette: bw, pixels: p1 })))).toEqual([
      255, 255, 255, 0, 0, 0, 255, 255, 255,
    ]);
  });

  it('decodes RLE8 (runs, absolute mode, delta, end of line) and RLE4', () => {
    const palette = [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]];
    // 5×2 bottom-up. File row 0 (bottom): run of 2 × index 1, absolute run [2, 3, 1] (odd: one pad
    // byte), end of line. File row 1 (top): delta (+2, +0), run of 2 × index 3, end of bitmap.
    const rle8 = Uint8Array.from([2, 1, 0, 3, 2, 3, 1, 0, 0, 0, 0, 2, 2, 0, 2, 3, 0, 1]);
    const img = decodeBmp(buildBmp({ width: 5, height: 2, bpp: 8, compression: 1, palette, pixels: rle8 }));
    expect(rgb(img)).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 0, // top: pixels the data skips stay black
      255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 0, 0,
    ]);
    // RLE4, 4×1: run of 3 alternating 1, 2, 1 (byte 0x12); absolute run of 3 nibbles [3, 0, 0] (the
    // last two fall outside the row and are ignored; 2 data bytes, already even); end of bitmap.
    const rle4 = Uint8Array.from([3, 0x12, 0, 3, 0x30, 0x00, 0, 1]);
    const img4 = decodeBmp(buildBmp({ width: 4, height: 1, bpp: 4, compression: 2, palette, pixels: rle4 }));
    expect(rgb(img4).slice(0, 9)).toEqual([255, 0, 0, 0, 255, 0, 255, 0, 0]);
    expect(rgb(img4).slice(9, 12)).toEqual([0, 0, 255]);
  });

  itShared('data/photos/grace_hopper.bmp', 'data/photos/sunflower.bmp')('matches an independent decode of the shared BMP photos', async () => {
    for (const name of ['grace_hopper.bmp', 'sunflower.bmp']) {
      const bytes = new Uint8Array(readFileSync(sharedPath('data/photos', name)));
      const h = readBmpHeader(bytes);
      expect(h.bitsPerPixel).toBe(24);
      expect(h.headerSize).toBe(124);
      const img = decodeBmp(bytes, { name });
      expect([img.width, img.height]).toEqual(name === 'grace_hopper.bmp' ? [512, 600] : [512, 340]);
      // Other route: hand the stored rows to sharp as raw BGR, flip them upright, swap B and R.
      const stride = Math.floor((24 * h.width + 31) / 32) * 4;
      expect(stride).toBe(h.width * 3); // no row padding at width 512, so the rows are one raw block
      const raw = Buffer.from(bytes.subarray(h.dataOffset, h.dataOffset + stride * h.height));
      const ref = await sharp(raw, { raw: { width: h.width, height: h.height, channels: 3 } })
        .flip()
        .recomb([[0, 0, 1], [0, 1, 0], [1, 0, 0]])
        .raw()
        .toBuffer();
      expect(Buffer.from(img.data).equals(ref)).toBe(true);
      // Sanity of the content: a real photo, not a constant or a stripe pattern.
      let sum = 0;
      for (const v of img.data) sum += v;
      const mean = sum / img.data.length;
      expect(mean).toBeGreaterThan(40);
      expect(mean).toBeLessThan(200);
    }
  });

  describe('hostile files', () => {
    const ok = (): Uint8Array => buildBmp({ width: 3, height: 2, bpp: 24, pixels: new Uint8Array(24) });
    const codeOf = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ImageError);
        expect((e as ImageError).message).toMatch(/^t\.bmp: BMP: /);
        expect((e as ImageError).message).not.toContain('\n');
        return (e as ImageError).code;
      }
      return undefined;
    };

    it('refuses a huge declared size before allocating', () => {
      const bomb = buildBmp({ width: 100_000, height: 100_000, bpp: 24, pixels: new Uint8Array(16) });
      const t = performance.now();
      expect(() => decodeBmp(bomb, { name: 't.bmp' })).toThrow(/100000×100000 .* exceeds the limit of 100\.0 MP/);
      expect(performance.now() - t).toBeLessThan(100);
      const small = buildBmp({ width: 20, height: 20, bpp: 24, pixels: new Uint8Array(20 * 60) });
      expect(() => decodeBmp(small, { maxPixels: 399 })).toThrow(/too|exceeds/);
      expect(decodeBmp(small, { maxPixels: 400 }).width).toBe(20);
    });

    it('reports truncated, corrupt and unsupported files with the right code', () => {
      const full = ok();
      expect(codeOf(() => decodeBmp(full.subarray(0, full.length - 5), { name: 't.bmp' }))).toBe('truncated');
      expect(codeOf(() => decodeBmp(full.subarray(0, 20), { name: 't.bmp' }))).toBe('truncated');
      const badHeader = full.slice();
      new DataView(badHeader.buffer).setUint32(14, 77, true);
      expect(codeOf(() => decodeBmp(badHeader, { name: 't.bmp' }))).toBe('unsupported');
      const twoBit = full.slice();
      new DataView(twoBit.buffer).setUint16(28, 2, true);
      expect(codeOf(() => decodeBmp(twoBit, { name: 't.bmp' }))).toBe('unsupported');
      const jpeg = full.slice();
      new DataView(jpeg.buffer).setUint32(30, 4, true);
      expect(codeOf(() => decodeBmp(jpeg, { name: 't.bmp' }))).toBe('unsupported');
      const negWidth = full.slice();
      new DataView(negWidth.buffer).setInt32(18, -3, true);
      expect(codeOf(() => decodeBmp(negWidth, { name: 't.bmp' }))).toBe('corrupt');
      const noPalette = buildBmp({ width: 2, height: 1, bpp: 8, pixels: new Uint8Array(4) });
      expect(codeOf(() => decodeBmp(noPalette, { name: 't.bmp' }))).toBe('corrupt');
      const rleNoEnd = buildBmp({ width: 4, height: 2, bpp: 8, compression: 1, palette: [[1, 2, 3]], pixels: Uint8Array.from([2, 0]) });
      expect(codeOf(() => decodeBmp(rleNoEnd, { name: 't.bmp' }))).toBe('truncated');
      const offsetPastEnd = full.slice();
      new DataView(offsetPastEnd.buffer).setUint32(10, 10_000, true);
      expect(codeOf(() => decodeBmp(offsetPastEnd, { name: 't.bmp' }))).toBe('truncated');
    });

    it('survives random byte damage: decodes or throws ImageError, never anything else', () => {
      const palette = Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 16, i]);
      const seeds = [
        ok(),
        buildBmp({ width: 5, height: 3, bpp: 4, compression: 2, palette, pixels: Uint8Array.from([5, 0x12, 0, 0, 3, 0x45, 0, 1]) }),
        buildBmp({ width: 5, height: 3, bpp: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f], pixels: new Uint8Array(36) }),
      ];
      let state = 12345;
      const rand = (n: number): number => {
        state = (state * 1103515245 + 12345) & 0x7fffffff;
        return state % n;
      };
      for (let trial = 0; trial < 600; trial++) {
        const file = seeds[trial % seeds.length].slice();
        for (let k = 0; k <= rand(4); k++) file[rand(file.length)] = rand(256);
        const cut = rand(3) === 0 ? file.subarray(0, rand(file.length)) : file;
        try {
          const img = decodeBmp(cut, { maxPixels: 1e6 });
          expect(img.data.length).toBe(img.width * img.height * 3);
        } catch (e) {
          expect(e).toBeInstanceOf(ImageError);
        }
      }
    });
  });
});
