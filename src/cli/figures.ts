/**
 * The captions of the PNG figures (`explain --side-by-side`, `compare`): each map panel says which
 * model, class and probability it shows and which sizes CAMERAS kept, so the picture stands alone.
 */
import * as path from 'node:path';
import type { RgbImage } from '../core/types.js';
import type { SaliencyResult } from '../methods/types.js';

/** Lines under a map: model; class index and label; probability (top-1 or not); sizes kept. */
export function mapCaption(r: SaliencyResult, model: string): string[] {
  const t = r.target;
  // Methods with one pass report no sizes: the base size alone.
  const sizes = r.sizesUsed.length ? r.sizesUsed.join(',') : 'none';
  return [
    model,
    `${t.index}${t.label ? ` ${t.label.split(',')[0]}` : ''}`,
    `p=${t.probability.toFixed(3)}${r.predicted.index === t.index ? ' (top-1)' : ''}`,
    `sizes ${sizes}${r.sizesRejected.length ? ` (${r.sizesRejected.length} rejected)` : ''}`,
  ];
}

/** Lines under the input image, as many as under a map so that the panels line up. */
export function imageCaption(file: string, image: RgbImage, lines = 4): string[] {
  return [path.basename(file), `${image.width}×${image.height}`, ...Array.from({ length: Math.max(0, lines - 2) }, () => '')];
}
