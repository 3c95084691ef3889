import { promises as fsp } from 'node:fs';
import sharp, { type Metadata, type SharpOptions } from 'sharp';
import type { RgbImage } from '../core/types.js';
import { decodeBmp } from '../image/bmp.js';
import { ImageError } from '../image/errors.js';
import { checkPng } from '../image/png-check.js';
import { toRgb8, type Rgb8Image } from '../image/rgb.js';
import { DECODABLE_FORMATS, sniffImageFormat, type ImageFormat } from '../image/sniff.js';
import { formatNames } from '../image/formats.js';
import { writeFileAtomic } from './atomic-write.js';

export { ImageError, isImageError, type ImageErrorCode } from '../image/errors.js';

/** Default decompression-bomb limit: 100 megapixels (a 12000×8000 photo still fits). */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** Default limit on the file size read into memory: 1 GiB. */
export const DEFAULT_MAX_BYTES = 1024 ** 3;

/** Options of {@link readImage} and {@link readImageBytes}. */
export interface ReadImageOptions {
  /**
   * Refuse images whose declared width × height exceeds this, checked from the header before any
   * pixel is decoded. Default {@link DEFAULT_MAX_PIXELS}; `Infinity` disables the check.
   */
  maxPixels?: number;
  /** Refuse files larger than this many bytes without reading them. Default {@link DEFAULT_MAX_BYTES}. */
  maxBytes?: number;
}

const SUPPORTED = formatNames();

const FORMAT_NAMES: Record<ImageFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  gif: 'GIF',
  webp: 'WebP',
  tiff: 'TIFF',
  bmp: 'BMP',
  avif: 'AVIF',
  heic: 'HEIC/HEIF',
  svg: 'SVG',
  ico: 'ICO',
  psd: 'Photoshop',
  jxl: 'JPEG XL',
  jp2: 'JPEG 2000',
};

function limits(options: ReadImageOptions): { maxPixels: number; maxBytes: number } {
  const { maxPixels = DEFAULT_MAX_PIXELS, maxBytes = DEFAULT_MAX_BYTES } = options;
  if (typeof maxPixels !== 'number' || !(maxPixels > 0)) throw new RangeError(`maxPixels must be a positive number, got ${maxPixels}`);
  if (typeof maxBytes !== 'number' || !(maxBytes > 0)) throw new RangeError(`maxBytes must be a positive number, got ${maxBytes}`);
  return { maxPixels, maxBytes };
}

function megapixels(n: number): string {
  if (n < 10_000) return `${n} pixels`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} MP`;
}

function tooLarge(name: string, width: number, height: number, maxPixels: number): ImageError {
  return new ImageError(
    name,
    'too_large',
    `declared size ${width}×${height} (${megapixels(width * height)}) exceeds the limit of ${megapixels(maxPixels)}`,
  );
}

/** Does the file stop before its format's end marker? Used to tell a cut file from a damaged one. */
function looksTruncated(bytes: Uint8Array, format: ImageFormat): boolean {
  const n = bytes.length;
  if (format === 'jpeg') {
    // EOI (FF D9), possibly followed by padding or trailing junk that decoders ignore.
    for (let i = n - 2; i >= Math.max(2, n - 4096); i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return false;
    return true;
  }
  if (format === 'gif') {
    for (let i = n - 1; i >= Math.max(0, n - 16); i--) if (bytes[i] === 0x3b) return false;
    return true;
  }
  if (format === 'webp' && n >= 8) {
    // The RIFF header states the file length.
    return n < new DataView(bytes.buffer, bytes.byteOffset, n).getUint32(4, true) + 8;
  }
  return false;
}

/** Map a libvips/sharp failure to our error kinds. */
function classify(name: string, bytes: Uint8Array, format: ImageFormat, error: unknown): ImageError {
  const message = error instanceof Error ? error.message : String(error);
  const label = FORMAT_NAMES[format];
  if (/pixel limit/i.test(message)) return new ImageError(name, 'too_large', `${label}: ${message}`, { cause: error });
  if (looksTruncated(bytes, format) || (/premature end|truncat|unexpected end/i.test(message) && !/corrupt/i.test(message))) {
    return new ImageError(name, 'truncated', `${label} data ends before the image does`, { cause: error });
  }
  const detail = message.split('\n')[0].replace(/^Input (buffer|file) (has|contains) /i, '');
  return new ImageError(name, 'corrupt', `${label} data is damaged (${detail})`, { cause: error });
}

function asUint8(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new TypeError('readImageBytes: bytes must be a Uint8Array, Buffer or ArrayBuffer');
}

/**
 * Decode an image held in memory into 8-bit sRGB RGB, identifying the format from its bytes (never
 * from `name`, which only labels errors).
 *
 * - JPEG, PNG, WebP, GIF, TIFF, AVIF via sharp (libvips); BMP via our own decoder.
 * - EXIF orientation is applied, so width/height are as the photo is meant to be viewed.
 * - CMYK, greyscale, palette, 16-bit and ICC-tagged images are converted to 8-bit sRGB.
 * - Alpha is dropped (not composited): the colour stored under transparent pixels is kept.
 * - Animated GIF/WebP and multi-page TIFF: the first frame/page.
 * - The declared size is checked against `maxPixels` before decoding (decompression bombs).
 *
 * @throws {ImageError} `empty`, `unrecognized`, `unsupported`, `truncated`, `corrupt`, `too_large`
 */
export async function readImageBytes(
  bytes: Uint8Array | ArrayBuffer,
  name = '<buffer>',
  options: ReadImageOptions = {},
): Promise<Rgb8Image> {
  const buf = asUint8(bytes);
  const { maxPixels, maxBytes } = limits(options);
  if (buf.length === 0) throw new ImageError(name, 'empty', 'file is empty (0 bytes)');
  if (buf.length > maxBytes) throw new ImageError(name, 'too_large', `file is ${buf.length} bytes, above the limit of ${maxBytes}`);
  const format = sniffImageFormat(buf);
  if (format === undefined) throw new ImageError(name, 'unrecognized', `not a recognised image (expected ${SUPPORTED})`);
  if (!DECODABLE_FORMATS.includes(format)) {
    throw new ImageError(name, 'unsupported', `${FORMAT_NAMES[format]} images are not supported (expected ${SUPPORTED})`);
  }
  if (format === 'bmp') return decodeBmp(buf, { name, maxPixels });
  if (format === 'png') {
    const check = checkPng(buf);
    if (!check.ok) throw new ImageError(name, check.code, check.reason);
    if (check.width * check.height > maxPixels) throw tooLarge(name, check.width, check.height, maxPixels);
  }

  const input = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const sharpOptions: SharpOptions = {
    // 'warning' is sharp's advice for untrusted input: damaged JPEG data fails instead of decoding grey.
    failOn: 'warning',
    limitInputPixels: Number.isFinite(maxPixels) ? Math.floor(maxPixels) : false,
    pages: 1,
    page: 0,
    autoOrient: true,
  };
  let meta: Metadata;
  try {
    // Header only: lift the limit here so that a bomb gets our precise message below.
    meta = await sharp(input, { ...sharpOptions, limitInputPixels: false }).metadata();
  } catch (e) {
    throw classify(name, buf, format, e);
  }
  const w = meta.width ?? 0;
  const h = meta.pageHeight ?? meta.height ?? 0;
  if (w * h > maxPixels) throw tooLarge(name, w, h, maxPixels);
  try {
    const { data, info } = await sharp(input, sharpOptions)
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new ImageError(name, 'unsupported', `decoder returned ${info.channels} channels`);
    }
    return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw classify(name, buf, format, e);
  }
}

/**
 * Read and decode an image file into 8-bit sRGB RGB. See {@link readImageBytes} for what is
 * decoded and how; this adds the file-system failures.
 *
 * @throws {ImageError} additionally `not_found`, `not_a_file`, `io`
 */
export async function readImage(file: string, options: ReadImageOptions = {}): Promise<Rgb8Image> {
  if (typeof file !== 'string' || file.length === 0) throw new TypeError('readImage: file must be a non-empty path');
  const { maxBytes } = limits(options);
  let bytes: Buffer;
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) throw new ImageError(file, 'not_a_file', st.isDirectory() ? 'is a directory, not an image file' : 'is not a regular file');
    if (st.size === 0) throw new ImageError(file, 'empty', 'file is empty (0 bytes)');
    if (st.size > maxBytes) throw new ImageError(file, 'too_large', `file is ${st.size} bytes, above the limit of ${maxBytes}`);
    bytes = await fsp.readFile(file);
  } catch (e) {
    if (e instanceof ImageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ImageError(file, 'not_found', 'no such file', { cause: e });
    if (code === 'EISDIR') throw new ImageError(file, 'not_a_file', 'is a directory, not an image file', { cause: e });
    if (code === 'EACCES' || code === 'EPERM') throw new ImageError(file, 'io', 'permission denied', { cause: e });
    throw new ImageError(file, 'io', `cannot read the file (${code ?? (e as Error).message})`, { cause: e });
  }
  return readImageBytes(bytes, file, options);
}

/**
 * Encode an image as PNG (8-bit RGB; alpha of 4-channel input is dropped, float values are rounded
 * and clamped to 0..255).
 */
export async function encodePng(image: RgbImage): Promise<Buffer> {
  const img = toRgb8(image);
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
    limitInputPixels: false,
  })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** Write an image as a PNG file, atomically (see {@link writeFileAtomic}). */
export async function writePng(file: string, image: RgbImage): Promise<void> {
  await writeFileAtomic(file, await encodePng(image));
}
