import * as tf from '../core/tf.js';
import type { ModelAdapter, RgbImage } from '../core/types.js';
import { imageToTensor, normalizeInput } from '../core/preprocess.js';
import { resizeImage } from '../core/resize.js';
import { scaledShape } from '../core/schedule.js';
import { softmax } from '../core/target.js';
import type { InputResize } from '../methods/types.js';

/** One class of a top-k list. */
export interface Prediction {
  readonly index: number;
  readonly label?: string;
  readonly probability: number;
  readonly logit: number;
}

/** Options of {@link topPredictions}. */
export interface TopOptions {
  /** How many classes (default 5). */
  k?: number;
  /** Input size (shorter side) of the pass; default the model's native size, as explanations use. */
  size?: number;
  /** Stretch to a square (as `square` in the methods' options). */
  square?: boolean;
  inputResize?: InputResize;
}

/**
 * The model's k most probable classes for an image, computed the way an explanation's reference pass
 * is: the same preprocessing, the same resize to the base size, softmax over the logits.
 */
export async function topPredictions(model: ModelAdapter, image: RgbImage, options: TopOptions = {}): Promise<Prediction[]> {
  const k = options.k ?? 5;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const size = options.size ?? model.inputSize;
  const shape = scaledShape(image.height, image.width, size, options.square);
  const x = tf.tidy(() => resizeImage(normalizeInput(imageToTensor(image), model.preprocess), shape, options.inputResize ?? 'bilinear'));
  let logits: Float32Array;
  try {
    const out = await model.predict(x);
    logits = (await out.data()) as Float32Array;
    out.dispose();
  } finally {
    x.dispose();
  }
  const p = softmax(logits);
  return Array.from(p.keys())
    .sort((a, b) => p[b] - p[a] || a - b)
    .slice(0, Math.min(k, p.length))
    .map((i) => ({ index: i, label: model.labels?.[i], probability: p[i], logit: logits[i] }));
}
