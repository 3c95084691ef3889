import type { RgbImage } from '../core/types.js';
import { fitWithin, formatNames, sniffImageFormat, type Rgb8Image } from '../image/index.js';

/** Longest side the page computes on by default: larger photos are shrunk first (memory, time). */
export const DEFAULT_MAX_SIDE = 1600;

/** A decoded image, with what was done to it. */
export interface DecodedImage {
  readonly image: Rgb8Image;
  /** Size of the file's pixels before any downscaling. */
  readonly originalWidth: number;
  readonly originalHeight: number;
  /** True when the image was shrunk to fit `maxSide`. */
  readonly downscaled: boolean;
}

/** A file the browser cannot turn into pixels. */
export class UnsupportedImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedImageError';
  }
}

/** RGBA pixels (e.g. `ImageData.data`) to 8-bit RGB. */
export function rgbaToRgb(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Rgb8Image {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 4) {
    data[i] = rgba[j];
    data[i + 1] = rgba[j + 1];
    data[i + 2] = rgba[j + 2];
  }
  return { width, height, channels: 3, data };
}

/**
 * Shrinks an image whose longer side exceeds `maxSide` with the library's own resampler (the same
 * one the CLI uses), reporting whether it did.
 */
export function limitSize(image: RgbImage, maxSide = DEFAULT_MAX_SIDE): DecodedImage {
  const out = fitWithin(image, maxSide);
  return { image: out, originalWidth: image.width, originalHeight: image.height, downscaled: out.width !== image.width || out.height !== image.height };
}

/**
 * Decodes an image file in the browser (main thread or worker) to 8-bit RGB, exactly as stored:
 * no colour-space conversion and no alpha premultiplication, so that a PNG gives the same pixels as
 * the Node reader. Images larger than `maxSide` are downscaled (see {@link limitSize}). Files that
 * are not images, or formats this browser cannot decode, throw {@link UnsupportedImageError}.
 */
export async function decodeImageFile(file: Blob & { name?: string }, maxSide = DEFAULT_MAX_SIDE): Promise<DecodedImage> {
  const what = file.name ? `"${file.name}"` : 'the file';
  const head = new Uint8Array(await file.slice(0, 64).arrayBuffer());
  const format = sniffImageFormat(head);
  if (!format) throw new UnsupportedImageError(`${what} is not an image this page can read (${formatNames('browser')})`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new UnsupportedImageError(`${what} looks like ${format.toUpperCase()} but this browser cannot decode it (${(e as Error).message})`);
  }
  try {
    return limitSize(bitmapToRgb(bitmap), maxSide);
  } finally {
    bitmap.close();
  }
}

/** Pixels of an ImageBitmap, video frame or canvas via an (Offscreen)Canvas, as 8-bit RGB. */
export function bitmapToRgb(source: CanvasImageSource & { width: number; height: number }, width = source.width, height = source.height): Rgb8Image {
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new UnsupportedImageError('this browser gives no 2D canvas to read pixels with');
  ctx.drawImage(source, 0, 0, width, height);
  return rgbaToRgb(ctx.getImageData(0, 0, width, height).data, width, height);
}
