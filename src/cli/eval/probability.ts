/**
 * The model as the metrics see it: softmax probabilities of one class for images in pixel space,
 * each preprocessed exactly like the base-size pass of a saliency method (normalised at full
 * resolution, then resized so that the shorter side is the base size), in batches.
 */
import * as tf from '../../core/tf.js';
import type { ModelAdapter, RgbImage } from '../../core/types.js';
import { normalizedBatch } from '../../core/preprocess.js';
import { resizeImage } from '../../core/resize.js';
import { scaledShape } from '../../core/schedule.js';
import type { ProbabilityFn } from '../../metrics/pixels.js';

/** How images are brought to the model: the session options that matter for the base pass. */
export interface ScorerOptions {
  /** Base size ζ₀ (default the model's input size). */
  baseSize?: number;
  /** Stretch to a square (as `--square`). */
  square?: boolean;
  /** Input resize (default bilinear). */
  inputResize?: 'bilinear' | 'bicubic';
}

/** Batched scoring of images by one model. */
export class ModelScorer {
  readonly baseSize: number;

  constructor(
    readonly model: ModelAdapter,
    readonly options: ScorerOptions = {},
  ) {
    this.baseSize = options.baseSize ?? model.inputSize;
  }

  /** Shape `[H, W]` the base pass feeds the model for an `height × width` image. */
  baseShape(height: number, width: number): [number, number] {
    return scaledShape(height, width, this.baseSize, this.options.square);
  }

  /** Preprocessed `[B, H', W', 3]` batch of same-size images. */
  private batch(images: readonly RgbImage[]): tf.Tensor4D {
    const { width, height } = images[0]!;
    for (const im of images) {
      if (im.width !== width || im.height !== height) throw new RangeError('ModelScorer: images of one batch must have the same size');
    }
    const normalised = normalizedBatch(images, this.model.preprocess);
    const shape = this.baseShape(height, width);
    if (shape[0] === height && shape[1] === width) return normalised;
    try {
      return resizeImage(normalised, shape, this.options.inputResize ?? 'bilinear');
    } finally {
      normalised.dispose();
    }
  }

  /** Logits `[B][classes]` for same-size images. */
  async logits(images: readonly RgbImage[]): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const x = this.batch(images);
    let out: tf.Tensor2D;
    try {
      out = await this.model.predict(x);
    } finally {
      x.dispose();
    }
    try {
      if (out.shape[0] !== images.length) throw new Error(`model returned ${out.shape[0]} rows for a batch of ${images.length}`);
      const data = (await out.data()) as Float32Array;
      const c = out.shape[1];
      return images.map((_, i) => data.slice(i * c, (i + 1) * c));
    } finally {
      out.dispose();
    }
  }

  /** Softmax probability of class `target` for each image (same size). */
  async probabilities(images: readonly RgbImage[], target: number): Promise<number[]> {
    const rows = await this.logits(images);
    return rows.map((row) => {
      if (!Number.isInteger(target) || target < 0 || target >= row.length) throw new RangeError(`target ${target} outside ${row.length} classes`);
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let sum = 0;
      for (const v of row) sum += Math.exp(v - max);
      return Math.min(1, Math.max(0, Math.exp(row[target]! - max) / sum));
    });
  }

  /** A one-image {@link ProbabilityFn} for the metrics' callbacks. */
  probabilityFn(target: number): ProbabilityFn {
    return async (image) => (await this.probabilities([image], target))[0]!;
  }
}
