import * as tf from './tf.js';

/**
 * A model output as class scores `[N, classes]`. Accepts `[N, C]` and shapes whose other axes are
 * all 1 (`[N, 1, 1, C]` from a 1×1-conv classifier); refuses anything with a spatial extent, such
 * as a segmentation map, whose "classes" would really be pixels.
 */
export function asClassScores(t: tf.Tensor, what = 'the model output'): tf.Tensor2D {
  if (t.rank === 2) return t as tf.Tensor2D;
  const extents = t.shape.slice(1).filter((d) => d !== 1);
  if (t.rank < 2 || extents.length > 1) {
    throw new Error(`${what} has shape [${t.shape.join(', ')}], not a vector of class scores: only classifiers are supported`);
  }
  return t.reshape([t.shape[0], -1]) as tf.Tensor2D;
}
