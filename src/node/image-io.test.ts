import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng, ImageError, readImage, readImageBytes, writePng, type ImageErrorCode } from './image-io.js';
import { describeShared, itShared, sharedPath } from '../testing/shared.js';

const PHOTOS = sharedPath('data/photos');
const itPhotos = itShared('data/photos');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cameras-image-io-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, bytes: Uint8Array | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function codeOf(p: Promise<unknown>): Promise<ImageErrorCode | 'resolved'> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    expect(e).toBeInstanceOf(ImageError);
    const err = e as ImageError;
    expect(err.message).not.toMatch(/[\r\n]/);
    expect(err.message.startsWith(`${err.file}: `)).toBe(true);
    return err.code;
  }
}

/** A raw RGB image as sharp input. */
function raw(width: number, height: number, pixel: (x: number, y: number) => number[], channels: 3 | 4 = 3): Sharp {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * channels);
  return sharp(data, { raw: { width, height, channels } });
}

/** Four flat quadrants: red, green, blue, white. Exact through palette and lossless coders. */
const quadrants = (x: number, y: number): number[] =>
  y < 12 ? (x < 16 ? [255, 0, 0] : [0, 255, 0]) : x < 16 ? [0, 0, 255] : [255, 255, 255];

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

function pixel(img: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const o = (y * img.width + x) * 3;
  return Array.from(img.data.subarray(o, o + 3));
}

/** A PNG chunk with its CRC computed by zlib (independent of our own CRC code). */
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const body = Buffer.concat([head.subarray(4), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body), 0);
  return Buffer.concat([head.subarray(0, 4), body, crc]);
}

function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(64))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

describeShared('data/photos')('readImage on the shared photos', () => {
  const names = readdirSync(PHOTOS).filter((n) => /\.(jpe?g|png|bmp|webp|gif|tiff?)$/i.test(n));

  it('decodes every photo to 8-bit RGB of the right size', async () => {
    expect(names.length).toBeGreaterThanOrEqual(9);
    for (const name of names) {
      const img = await readImage(path.join(PHOTOS, name));
      expect(img.channels).toBe(3);
      expect(img.data).toBeInstanceOf(Uint8Array);
      expect(img.data.length).toBe(img.width * img.height * 3);
      if (!name.endsWith('.bmp')) {
        const meta = await sharp(path.join(PHOTOS, name)).metadata();
        expect([img.width, img.height], name).toEqual([meta.autoOrient.width, meta.autoOrient.height]);
        const ref = await sharp(path.join(PHOTOS, name), { autoOrient: true }).removeAlpha().raw().toBuffer();
        expect(meanAbsDiff(img.data, ref), name).toBeLessThan(1);
      }
      let sum = 0;
      for (const v of img.data) sum += v;
      expect(sum / img.data.length, name).toBeGreaterThan(30);
      expect(sum / img.data.length, name).toBeLessThan(220);
    }
  });

  it('reads the BMPs with their known sizes', async () => {
    const g = await readImage(path.join(PHOTOS, 'grace_hopper.bmp'));
    expect([g.width, g.height]).toEqual([512, 600]);
    const s = await readImage(path.join(PHOTOS, 'sunflower.bmp'));
    expect([s.width, s.height]).toEqual([512, 340]);
    // A sunflower photo: far more red+green than blue (yellow petals).
    let r = 0;
    let b = 0;
    for (let i = 0; i < s.data.length; i += 3) {
      r += s.data[i];
      b += s.data[i + 2];
    }
    expect(r).toBeGreaterThan(2 * b);
  });
});

describe('readImage on hostile and unusual files', () => {
  it('reports missing, empty and non-file paths', async () => {
    expect(await codeOf(readImage(path.join(dir, 'nope.jpg')))).toBe('not_found');
    expect(await codeOf(readImage(file('empty.jpg', new Uint8Array(0))))).toBe('empty');
    mkdirSync(path.join(dir, 'folder.png'));
    expect(await codeOf(readImage(path.join(dir, 'folder.png')))).toBe('not_a_file');
    await expect(readImage(path.join(dir, 'nope.jpg'))).rejects.toThrow(`${path.join(dir, 'nope.jpg')}: no such file`);
  });

  itPhotos('reports truncated JPEG and PNG files', async () => {
    const jpg = readFileSync(path.join(PHOTOS, 'cat_720p.jpg'));
    expect(await codeOf(readImage(file('half.jpg', jpg.subarray(0, jpg.length >> 1))))).toBe('truncated');
    expect(await codeOf(readImage(file('head.jpg', jpg.subarray(0, 600))))).toBe('truncated');
    const png = readFileSync(path.join(PHOTOS, 'chelsea.png'));
    expect(await codeOf(readImage(file('half.png', png.subarray(0, png.length >> 1))))).toBe('truncated');
  });

  itPhotos('reports damaged data as corrupt', async () => {
    // chelsea.png: iCCP, pHYs, iTXt chunks, then IDAT from byte 5825. Damage inside the image data:
    const png = Buffer.from(readFileSync(path.join(PHOTOS, 'chelsea.png')));
    for (let i = 30000; i < 30200; i++) png[i] ^= 0x5a;
    expect(await codeOf(readImage(file('damaged.png', png)))).toBe('corrupt');
    // Damage inside an ancillary text chunk only: ignored (as libpng does), the image is intact.
    const text = Buffer.from(readFileSync(path.join(PHOTOS, 'chelsea.png')));
    for (let i = 5000; i < 5200; i++) text[i] ^= 0x5a;
    const intact = await readImage(path.join(PHOTOS, 'chelsea.png'));
    expect(Buffer.from((await readImage(file('damaged-text.png', text))).data).equals(Buffer.from(intact.data))).toBe(true);
    const jpg = Buffer.from(readFileSync(path.join(PHOTOS, 'cat_720p.jpg')));
    for (let i = 5000; i < 5200; i++) jpg[i] ^= 0x5a;
    expect(await codeOf(readImage(file('damaged.jpg', jpg)))).toBe('corrupt');
  });

  itPhotos('identifies formats by content, not by extension', async () => {
    expect(await codeOf(readImage(file('garbage.png', 'this is not an image at all, just text\n'.repeat(20))))).toBe('unrecognized');
    const png = readFileSync(path.join(PHOTOS, 'chelsea.png'));
    const asJpg = await readImage(file('really-a-png.jpg', png));
    const asPng = await readImage(path.join(PHOTOS, 'chelsea.png'));
    expect(Buffer.from(asJpg.data).equals(Buffer.from(asPng.data))).toBe(true);
    expect(await codeOf(readImage(file('x.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')))).toBe('unsupported');
  });

  itPhotos('converts CMYK, 16-bit, palette, greyscale and RGBA to 8-bit RGB', async () => {
    const base = raw(32, 24, quadrants);
    const rgbRef = await base.clone().raw().toBuffer();

    // CMYK from a photo (saturated primaries lie outside the CMYK gamut): through two ICC
    // transforms the colours come back close, not exact.
    const photo = sharp(path.join(PHOTOS, 'chelsea.png')).resize(64, 48);
    const photoRef = await photo.clone().raw().toBuffer();
    const cmyk = await readImage(file('cmyk.jpg', await photo.clone().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer()));
    expect((await sharp(path.join(dir, 'cmyk.jpg')).metadata()).space).toBe('cmyk');
    expect([cmyk.width, cmyk.height, cmyk.channels]).toEqual([64, 48, 3]);
    expect(meanAbsDiff(cmyk.data, photoRef)).toBeLessThan(15);

    const png16 = file('rgb16.png', await base.clone().toColourspace('rgb16').png().toBuffer());
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    expect(Array.from((await readImage(png16)).data)).toEqual(Array.from(rgbRef));

    const palBytes = await base.clone().png({ palette: true, colours: 4, dither: 0 }).toBuffer();
    expect(palBytes[25]).toBe(3); // IHDR colour type 3: indexed colour
    const pal = file('palette.png', palBytes);
    expect(Array.from((await readImage(pal)).data)).toEqual(Array.from(rgbRef));

    const greyBuf = await raw(8, 2, (x) => [x * 30, x * 30, x * 30]).toColourspace('b-w').png().toBuffer();
    expect((await sharp(greyBuf).metadata()).channels).toBe(1);
    const grey = await readImageBytes(greyBuf, 'grey.png');
    for (let x = 0; x < 8; x++) expect(pixel(grey, x, 1)).toEqual([x * 30, x * 30, x * 30]);

    // RGBA with alpha 0 and 128: alpha is dropped, the stored colour kept (documented choice).
    const rgba = await raw(2, 1, (x) => (x === 0 ? [10, 20, 30, 0] : [200, 100, 50, 128]), 4).png().toBuffer();
    expect(Array.from((await readImageBytes(rgba, 'rgba.png')).data)).toEqual([10, 20, 30, 200, 100, 50]);
  });

  it('takes the first frame of animated GIF and WebP', async () => {
    const red = await raw(20, 10, () => [255, 0, 0]).png().toBuffer();
    const blue = await raw(20, 10, () => [0, 0, 255]).png().toBuffer();
    const gif = await sharp([red, blue], { join: { animated: true } }).gif().toBuffer();
    const webp = await sharp([red, blue], { join: { animated: true } }).webp({ lossless: true }).toBuffer();
    for (const [name, bytes] of [['anim.gif', gif], ['anim.webp', webp]] as const) {
      expect((await sharp(bytes).metadata()).pages, name).toBe(2);
      const img = await readImage(file(name, bytes));
      expect([img.width, img.height], name).toEqual([20, 10]);
      expect(pixel(img, 10, 5), name).toEqual([255, 0, 0]);
    }
  });

  it('honours EXIF orientation 6 (rotate 90° clockwise): dimensions swap, content turns', async () => {
    // Stored 40×30: left half red, right half blue. Displayed: 30×40 with red on top.
    const stored = raw(40, 30, (x) => (x < 20 ? [255, 0, 0] : [0, 0, 255]));
    const jpg = await stored.jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(jpg).metadata()).orientation).toBe(6);
    const img = await readImage(file('rotated.jpg', jpg));
    expect([img.width, img.height]).toEqual([30, 40]);
    const top = pixel(img, 15, 5);
    const bottom = pixel(img, 15, 35);
    expect(top[0]).toBeGreaterThan(200);
    expect(top[2]).toBeLessThan(60);
    expect(bottom[2]).toBeGreaterThan(200);
    expect(bottom[0]).toBeLessThan(60);
  });

  it('reads TIFF and AVIF too', async () => {
    const base = raw(32, 24, quadrants);
    const tif = await readImage(file('q.tiff', await base.clone().tiff({ compression: 'lzw' }).toBuffer()));
    expect(Array.from(tif.data)).toEqual(Array.from(await base.clone().raw().toBuffer()));
    const avif = await readImageBytes(await base.clone().avif({ lossless: true }).toBuffer(), 'q.avif');
    expect([avif.width, avif.height]).toEqual([32, 24]);
  });

  it('refuses decompression bombs from the header, quickly and without allocating', async () => {
    const bombs: [string, Buffer][] = [['bomb.png', pngDeclaring(100_000, 100_000)]];
    // A real 16×16 JPEG whose frame header (SOF0) is patched to claim 60000×60000.
    const jpg = Buffer.from(await raw(16, 16, () => [90, 90, 90]).jpeg().toBuffer());
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    jpg.writeUInt16BE(60_000, sof + 5);
    jpg.writeUInt16BE(60_000, sof + 7);
    bombs.push(['bomb.jpg', jpg]);
    // A GIF whose screen and frame claim 65535×65535.
    const gif = Buffer.from(await raw(8, 8, () => [0, 0, 0]).gif().toBuffer());
    gif.writeUInt16LE(65535, 6);
    gif.writeUInt16LE(65535, 8);
    const desc = gif.indexOf(0x2c, 13);
    gif.writeUInt16LE(65535, desc + 5);
    gif.writeUInt16LE(65535, desc + 7);
    bombs.push(['bomb.gif', gif]);

    for (const [name, bytes] of bombs) {
      const rssBefore = process.memoryUsage().rss;
      const t = performance.now();
      const err = await readImage(file(name, bytes)).catch((e: unknown) => e);
      const ms = performance.now() - t;
      expect(err, name).toBeInstanceOf(ImageError);
      expect((err as ImageError).code, `${name}: ${(err as Error).message}`).toBe('too_large');
      expect((err as ImageError).message).toMatch(/exceeds the limit of 100\.0 MP/);
      expect(ms, name).toBeLessThan(1000);
      expect(process.memoryUsage().rss - rssBefore, name).toBeLessThan(200 * 1024 * 1024);
    }
  });

  it('applies a configurable pixel limit and byte limit', async () => {
    const p = file('small.png', await raw(20, 10, () => [1, 2, 3]).png().toBuffer());
    expect(await codeOf(readImage(p, { maxPixels: 199 }))).toBe('too_large');
    expect((await readImage(p, { maxPixels: 200 })).width).toBe(20);
    expect((await readImage(pngDeclaringOk(), { maxPixels: Infinity })).width).toBe(3);
    expect(await codeOf(readImage(p, { maxBytes: 10 }))).toBe('too_large');
    await expect(readImage(p, { maxPixels: 0 })).rejects.toThrow(RangeError);
  });

  it('rejects bad arguments with TypeError', async () => {
    await expect(readImage('')).rejects.toThrow(TypeError);
    await expect(readImageBytes('abc' as unknown as Uint8Array)).rejects.toThrow(TypeError);
  });

  it('survives random damage to real files: an image or an ImageError, nothing else', async () => {
    const seeds = [
      await raw(24, 16, quadrants).png().toBuffer(),
      await raw(24, 16, quadrants).jpeg().toBuffer(),
      await raw(24, 16, quadrants).gif().toBuffer(),
      await raw(24, 16, quadrants).webp().toBuffer(),
      await raw(24, 16, quadrants).tiff().toBuffer(),
    ];
    let state = 987654321;
    const rand = (n: number): number => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % n;
    };
    const seen = new Set<string>();
    for (let trial = 0; trial < 100; trial++) {
      const bytes = Buffer.from(seeds[trial % seeds.length]);
      const mode = rand(3);
      let input: Buffer = bytes;
      if (mode === 0) input = bytes.subarray(0, 1 + rand(bytes.length - 1));
      else for (let k = 0; k <= rand(6); k++) bytes[8 + rand(bytes.length - 8)] = rand(256);
      try {
        const img = await readImageBytes(input, `fuzz-${trial}`);
        expect(img.data.length).toBe(img.width * img.height * 3);
        seen.add('ok');
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(ImageError);
        seen.add((e as ImageError).code);
      }
    }
    expect(seen.size).toBeGreaterThan(1);
  });
});

/** A valid 3×1 PNG written by hand (so the "no limit" path is exercised on a real decode). */
function pngDeclaringOk(): string {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(3, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const scanline = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
  const bytes = Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(scanline)),
    chunk('IEND', new Uint8Array(0)),
  ]);
  return file('hand.png', bytes);
}

describe('encodePng / writePng', () => {
  it('round-trips pixels exactly, dropping alpha and rounding floats', async () => {
    const img = { width: 3, height: 2, channels: 3 as const, data: Uint8Array.from({ length: 18 }, (_, i) => i * 13) };
    const back = await readImageBytes(await encodePng(img), 'rt.png');
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
    const rgba = { width: 1, height: 1, channels: 4 as const, data: new Uint8Array([1, 2, 3, 0]) };
    expect(Array.from((await readImageBytes(await encodePng(rgba))).data)).toEqual([1, 2, 3]);
    const f = { width: 1, height: 1, channels: 3 as const, data: new Float32Array([-5, 127.6, 999]) };
    expect(Array.from((await readImageBytes(await encodePng(f))).data)).toEqual([0, 128, 255]);
  });

  it('writes the file atomically and leaves no temp file', async () => {
    const out = path.join(dir, 'written');
    mkdirSync(out);
    const img = { width: 2, height: 2, channels: 3 as const, data: new Uint8Array(12).fill(200) };
    await writePng(path.join(out, 'a.png'), img);
    expect(readdirSync(out)).toEqual(['a.png']);
    expect(Array.from((await readImage(path.join(out, 'a.png'))).data)).toEqual(Array.from(img.data));
    await expect(writePng(path.join(out, 'missing-dir', 'b.png'), img)).rejects.toThrow();
    await expect(encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(3) })).rejects.toThrow(/data has 3 values/);
    expect(readdirSync(out)).toEqual(['a.png']);
  });
});
