/** Drawing the library's RGB images on canvases and saving them. */
import { overlay, type ColormapName, type Rgb8Image } from '../../src/image/index.js';
import type { RgbImage } from '../../src/core/types.js';

/** Puts an 8-bit RGB image on a canvas at its own pixel size. */
export function drawRgb(canvas: HTMLCanvasElement, image: RgbImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const out = ctx.createImageData(image.width, image.height);
  const n = image.width * image.height;
  const c = image.channels;
  for (let i = 0; i < n; i++) {
    out.data[4 * i] = image.data[c * i];
    out.data[4 * i + 1] = image.data[c * i + 1];
    out.data[4 * i + 2] = image.data[c * i + 2];
    out.data[4 * i + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
}

/** The map blended over the image with the library's overlay, drawn on the canvas. */
export function drawOverlay(canvas: HTMLCanvasElement, image: Rgb8Image, map: Float32Array, colormap: ColormapName, alpha: number): void {
  drawRgb(canvas, overlay(image, map, { colormap, alpha }));
}

/** Offers bytes or a blob as a download with the given file name. */
export function download(data: Blob | Uint8Array, name: string, type = 'application/octet-stream'): void {
  const blob = data instanceof Blob ? data : new Blob([data as Uint8Array<ArrayBuffer>], { type });
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A canvas's pixels as a PNG blob. */
export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas could not be encoded as PNG'))), 'image/png'));
}
