import * as tf from '../core/tf.js';
import type { ModelAdapter, PreprocessSpec } from '../core/types.js';
import { normalizeInput } from '../core/preprocess.js';

/**
 * What a masked-out pixel becomes: `zero` is 0 in the model's (preprocessed) input space, what the
 * Score-CAM and RISE reference code get by multiplying the normalised tensor by the mask (mid-grey
 * for `tf` preprocessing, the mean colour for `torch`, black for `unit`); `black` and `grey` are the
 * pixel values 0 and 127.5 on the 0..255 RGB scale, passed through the model's preprocessing.
 */
export type FillMode = 'zero' | 'black' | 'grey';

/** The fill value `[1, 1, 1, 3]` in the model's input space. */
export function fillValue(spec: PreprocessSpec, mode: FillMode): tf.Tensor4D {
  if (mode === 'zero') return tf.zeros([1, 1, 1, 3]);
  if (mode !== 'black' && mode !== 'grey') throw new Error(`unknown fill "${String(mode)}" (expected zero, black or grey)`);
  return tf.tidy(() => normalizeInput(tf.fill([1, 1, 1, 3], mode === 'black' ? 0 : 127.5) as tf.Tensor4D, spec));
}

/** `x ⊙ keep + fill ⊙ (1 − keep)` for masks `keep` `[B, h, w, 1]` (1 = pixel kept), input `[1, h, w, 3]`. */
export function applyMasks(x: tf.Tensor4D, keep: tf.Tensor4D, fill: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.add(tf.mul(x, keep), tf.mul(fill, tf.sub(1, keep))) as tf.Tensor4D);
}

/** Checks a positive integer option. */
export function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Runs `count` perturbed inputs through `model.predict` in batches of `batchSize` and returns the
 * softmax probability of `target` for each, in order. `make(start, n)` builds inputs `start …
 * start + n − 1` as one `[n, h, w, 3]` tensor (disposed here); `onBatch` is called after each batch.
 */
export async function targetProbabilities(
  model: ModelAdapter,
  count: number,
  batchSize: number,
  target: number,
  make: (start: number, n: number) => tf.Tensor4D,
  onBatch?: (done: number) => void,
): Promise<Float32Array> {
  positiveInt('batchSize', batchSize);
  const out = new Float32Array(count);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const x = make(start, n);
    let logits: tf.Tensor2D;
    try {
      logits = await model.predict(x);
    } finally {
      x.dispose();
    }
    if (logits.shape[0] !== n) {
      logits.dispose();
      throw new Error(`${model.name}: a batch of ${n} inputs gave ${logits.shape[0]} rows of logits; use batchSize 1 with this engine`);
    }
    const p = tf.tidy(() => tf.softmax(logits).slice([0, target], [n, 1]).reshape([n]));
    logits.dispose();
    out.set((await p.data()) as Float32Array, start);
    p.dispose();
    onBatch?.(start + n);
  }
  return out;
}
