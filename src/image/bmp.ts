import { ImageError } from './errors.js';
import type { Rgb8Image } from './rgb.js';

/**
 * Windows BMP decoder, written from the format's public description (BITMAPFILEHEADER followed by
 * a BITMAPCOREHEADER, BITMAPINFOHEADER or its V2–V5 extensions), because sharp/libvips has no BMP
 * loader. Supports 1/4/8-bit palette images (uncompressed, RLE4, RLE8), 16- and 32-bit with or
 * without bit-field masks, 24-bit, bottom-up and top-down rows. Alpha is dropped; embedded colour
 * profiles are ignored (pixels are taken as sRGB). Pixels that RLE data skips stay black.
 */

/** What the headers of a BMP say, read without touching the pixel data. */
export interface BmpHeader {
  readonly width: number;
  readonly height: number;
  /** Rows stored top row first (negative height in the file). */
  readonly topDown: boolean;
  readonly bitsPerPixel: number;
  /** 0 none, 1 RLE8, 2 RLE4, 3 bit fields, 4 JPEG, 5 PNG, 6 alpha bit fields. */
  readonly compression: number;
  /** Size of the DIB header: 12, 40, 52, 56, 64, 108 or 124. */
  readonly headerSize: number;
  /** Offset of the pixel array from the start of the file. */
  readonly dataOffset: number;
}

/** Options of {@link decodeBmp}. */
export interface DecodeBmpOptions {
  /** Name used in error messages. Default `<bmp>`. */
  name?: string;
  /** Refuse images with more pixels than this before allocating anything. Default 100 megapixels. */
  maxPixels?: number;
}

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

/**
 * Read and validate the BMP headers. Throws {@link ImageError} (`truncated`, `corrupt`,
 * `unsupported`) when they cannot describe a decodable image.
 */
export function readBmpHeader(bytes: Uint8Array, name = '<bmp>'): BmpHeader {
  const fail = (code: 'truncated' | 'corrupt' | 'unsupported', reason: string): never => {
    throw new ImageError(name, code, `BMP: ${reason}`);
  };
  if (bytes.length < 2 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) fail('corrupt', 'missing "BM" signature');
  if (bytes.length < 18) fail('truncated', 'file ends inside the header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  if (![12, 16, 40, 52, 56, 64, 108, 124].includes(headerSize)) fail('unsupported', `unknown header size ${headerSize}`);
  if (bytes.length < 14 + headerSize) fail('truncated', 'file ends inside the header');
  let width: number;
  let height: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  if (headerSize === 12) {
    width = dv.getUint16(18, true);
    height = dv.getInt16(20, true);
    bitsPerPixel = dv.getUint16(24, true);
  } else {
    width = dv.getInt32(18, true);
    height = dv.getInt32(22, true);
    bitsPerPixel = dv.getUint16(28, true);
    if (headerSize >= 20) compression = dv.getUint32(30, true);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height <= 0) fail('corrupt', `invalid size ${width}×${height}`);
  if (headerSize === 64 && compression >= 3) fail('unsupported', `OS/2 compression type ${compression}`);
  if (compression === 4 || compression === 5) fail('unsupported', `embedded ${compression === 4 ? 'JPEG' : 'PNG'} data`);
  if (![BI_RGB, BI_RLE8, BI_RLE4, BI_BITFIELDS, BI_ALPHABITFIELDS].includes(compression)) {
    fail('unsupported', `compression type ${compression}`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) fail('unsupported', `${bitsPerPixel} bits per pixel`);
  if (compression === BI_RLE8 && bitsPerPixel !== 8) fail('corrupt', 'RLE8 needs 8 bits per pixel');
  if (compression === BI_RLE4 && bitsPerPixel !== 4) fail('corrupt', 'RLE4 needs 4 bits per pixel');
  if ((compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) && bitsPerPixel !== 16 && bitsPerPixel !== 32) {
    fail('unsupported', `bit fields with ${bitsPerPixel} bits per pixel`);
  }
  if (dataOffset < 14 + headerSize || dataOffset > bytes.length) {
    fail(dataOffset > bytes.length ? 'truncated' : 'corrupt', `pixel data offset ${dataOffset} is out of range`);
  }
  return { width, height, topDown, bitsPerPixel, compression, headerSize, dataOffset };
}

/** A channel mask turned into shift + scale to 8 bits. */
interface Channel {
  readonly mask: number;
  readonly shift: number;
  readonly max: number;
}

function channel(mask: number): Channel {
  const m = mask >>> 0;
  if (m === 0) return { mask: 0, shift: 0, max: 0 };
  let shift = 0;
  while (((m >>> shift) & 1) === 0) shift++;
  const max = m >>> shift;
  return { mask: m, shift, max };
}

function extract(px: number, ch: Channel): number {
  if (ch.max === 0) return 0;
  const v = ((px & ch.mask) >>> 0) >>> ch.shift;
  return ch.max === 255 ? v : Math.round((v * 255) / ch.max);
}

/** Decode a BMP file held in memory into 8-bit RGB. */
export function decodeBmp(bytes: Uint8Array, options: DecodeBmpOptions = {}): Rgb8Image {
  const name = options.name ?? '<bmp>';
  const maxPixels = options.maxPixels ?? 100_000_000;
  const h = readBmpHeader(bytes, name);
  const { width, height, bitsPerPixel: bpp, compression } = h;
  if (width * height > maxPixels) {
    throw new ImageError(
      name,
      'too_large',
      `declared size ${width}×${height} (${(width * height / 1e6).toFixed(1)} MP) exceeds the limit of ${(maxPixels / 1e6).toFixed(1)} MP`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (compression !== BI_RLE8 && compression !== BI_RLE4 && h.dataOffset + stride * height > bytes.length) {
    throw new ImageError(name, 'truncated', `BMP: pixel data needs ${stride * height} bytes, file has ${bytes.length - h.dataOffset}`);
  }

  // Masks: inside V2+ headers, after a 40-byte header for bit-field compression, else defaults.
  let masks: [number, number, number];
  const bitfields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (bitfields) {
    if (bytes.length < 66) throw new ImageError(name, 'truncated', 'BMP: file ends inside the colour masks');
    masks = [dv.getUint32(54, true), dv.getUint32(58, true), dv.getUint32(62, true)];
  } else if (bpp === 16) {
    masks = [0x7c00, 0x03e0, 0x001f];
  } else {
    masks = [0xff0000, 0x00ff00, 0x0000ff];
  }
  const [cr, cg, cb] = masks.map(channel);

  // Palette, for 1/4/8 bits: BGR triples after a core header, BGRx quads otherwise.
  let palette = new Uint8Array(0);
  if (bpp <= 8) {
    const entrySize = h.headerSize === 12 ? 3 : 4;
    let paletteStart = 14 + h.headerSize;
    if (h.headerSize === 40 && bitfields) paletteStart += compression === BI_ALPHABITFIELDS ? 16 : 12;
    const declared = h.headerSize >= 40 ? dv.getUint32(46, true) : 0;
    const wanted = declared > 0 && declared <= 1 << bpp ? declared : 1 << bpp;
    const available = Math.max(0, Math.floor((h.dataOffset - paletteStart) / entrySize));
    const n = Math.min(wanted, available);
    if (n === 0) throw new ImageError(name, 'corrupt', `BMP: ${bpp}-bit image without a colour table`);
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < n; i++) {
      const o = paletteStart + i * entrySize;
      palette[3 * i] = bytes[o + 2];
      palette[3 * i + 1] = bytes[o + 1];
      palette[3 * i + 2] = bytes[o];
    }
  }

  const out = new Uint8Array(width * height * 3);
  const rowOf = (fileRow: number): number => (h.topDown ? fileRow : height - 1 - fileRow);
  const putIndex = (x: number, y: number, idx: number): void => {
    const d = (y * width + x) * 3;
    out[d] = palette[3 * idx];
    out[d + 1] = palette[3 * idx + 1];
    out[d + 2] = palette[3 * idx + 2];
  };

  if (compression === BI_RLE8 || compression === BI_RLE4) {
    decodeRle(bytes, h, name, (x, fileRow, idx) => putIndex(x, rowOf(fileRow), idx));
    return { width, height, channels: 3, data: out };
  }

  for (let fy = 0; fy < height; fy++) {
    const y = rowOf(fy);
    const row = h.dataOffset + fy * stride;
    if (bpp === 24) {
      for (let x = 0, s = row, d = y * width * 3; x < width; x++, s += 3, d += 3) {
        out[d] = bytes[s + 2];
        out[d + 1] = bytes[s + 1];
        out[d + 2] = bytes[s];
      }
    } else if (bpp === 32 || bpp === 16) {
      for (let x = 0; x < width; x++) {
        const px = bpp === 32 ? dv.getUint32(row + 4 * x, true) : dv.getUint16(row + 2 * x, true);
        const d = (y * width + x) * 3;
        out[d] = extract(px, cr);
        out[d + 1] = extract(px, cg);
        out[d + 2] = extract(px, cb);
      }
    } else {
      const perByte = 8 / bpp;
      const mask = (1 << bpp) - 1;
      for (let x = 0; x < width; x++) {
        const byte = bytes[row + Math.floor(x / perByte)];
        const idx = (byte >> (8 - bpp * ((x % perByte) + 1))) & mask;
        putIndex(x, y, idx);
      }
    }
  }
  return { width, height, channels: 3, data: out };
}

/**
 * Run-length decoding (RLE8 / RLE4): pairs (count, index) or escapes 0 0 end of line, 0 1 end of
 * bitmap, 0 2 dx dy delta, 0 n absolute run of n indices padded to 16 bits. Writes outside the
 * image are ignored; running out of data before "end of bitmap" is a truncated file.
 */
function decodeRle(bytes: Uint8Array, h: BmpHeader, name: string, put: (x: number, fileRow: number, idx: number) => void): void {
  const four = h.compression === BI_RLE4;
  let p = h.dataOffset;
  let x = 0;
  let row = 0;
  const emit = (idx: number): void => {
    if (x < h.width && row < h.height) put(x, row, idx);
    x++;
  };
  const need = (n: number): void => {
    if (p + n > bytes.length) throw new ImageError(name, 'truncated', 'BMP: run-length data ends before the image does');
  };
  for (;;) {
    need(2);
    const a = bytes[p];
    const b = bytes[p + 1];
    p += 2;
    if (a > 0) {
      for (let i = 0; i < a; i++) emit(four ? (i % 2 === 0 ? b >> 4 : b & 15) : b);
    } else if (b === 0) {
      x = 0;
      row++;
    } else if (b === 1) {
      return;
    } else if (b === 2) {
      need(2);
      x += bytes[p];
      row += bytes[p + 1];
      p += 2;
    } else {
      const nBytes = four ? Math.ceil(b / 2) : b;
      need(nBytes);
      for (let i = 0; i < b; i++) emit(four ? (i % 2 === 0 ? bytes[p + (i >> 1)] >> 4 : bytes[p + (i >> 1)] & 15) : bytes[p + i]);
      p += nBytes + (nBytes % 2);
    }
    if (row >= h.height) return;
  }
}
