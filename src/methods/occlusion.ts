import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import type { SaliencyResult } from './types.js';
import type { ExplainInput, SessionOptions } from '../core/session.js';
import { withInputSession } from '../core/input-session.js';
import { applyMasks, fillValue, positiveInt, targetProbabilities, type FillMode } from './perturbation.js';

/** Options of {@link occlusion}. */
export interface OcclusionOptions extends SessionOptions {
  /** Side of the square patch in pixels at the base size (default 32 at 224, scaled with the input's shorter side). */
  patch?: number;
  /** Step between patches in pixels at the base size (default 16 at 224, scaled likewise). */
  stride?: number;
  /** What occluded pixels become (default `grey`, Zeiler & Fergus's grey square: pixel value 127.5). */
  fill?: FillMode;
  /** Occluded inputs per forward pass (default 16). */
  batchSize?: number;
}

/** Patch offsets along one axis: every `stride`, plus a last one flush with the far edge. */
function offsets(size: number, patch: number, stride: number): number[] {
  const out: number[] = [];
  for (let o = 0; o + patch <= size; o += stride) out.push(o);
  if (out[out.length - 1] !== size - patch) out.push(size - patch);
  return out;
}

/**
 * Occlusion (Zeiler & Fergus, ECCV 2014): a square patch slides over the input at the model's native
 * size; each pixel's value is the mean drop of the target's softmax probability, p(x) − p(x with the
 * patch filled), over the patches that cover it. ReLU keeps the drops (evidence for the class);
 * upsampled bilinearly to the image, normalised to [0, 1]. Defaults: patch 32 and stride 16 at 224
 * (so 13 × 13 = 169 passes for a square image), grey fill.
 */
export async function occlusion(model: ModelAdapter, input: ExplainInput, options: OcclusionOptions = {}): Promise<SaliencyResult> {
  const batchSize = positiveInt('batchSize', options.batchSize ?? 16);
  return withInputSession(model, input, options, 1, async (s) => {
    const [h, w] = s.baseShape;
    const scale = Math.min(h, w) / 224;
    const patch = Math.min(positiveInt('patch', options.patch ?? Math.max(1, Math.round(32 * scale))), h, w);
    const stride = positiveInt('stride', options.stride ?? Math.max(1, Math.round(16 * scale)));
    const boxes = offsets(h, patch, stride).flatMap((y) => offsets(w, patch, stride).map((x) => [y, x] as const));
    const fill = fillValue(model.preprocess, options.fill ?? 'grey');
    const batches = Math.ceil(boxes.length / batchSize);
    try {
      const probs = await targetProbabilities(
        model,
        boxes.length,
        batchSize,
        s.target.index,
        (start, n) => {
          const keep = new Float32Array(n * h * w).fill(1);
          for (let i = 0; i < n; i++) {
            const [y0, x0] = boxes[start + i];
            for (let y = y0; y < y0 + patch; y++) keep.fill(0, i * h * w + y * w + x0, i * h * w + y * w + x0 + patch);
          }
          return tf.tidy(() => applyMasks(s.base, tf.tensor4d(keep, [n, h, w, 1]), fill));
        },
        (done) => s.options.onProgress?.(1 + Math.ceil(done / batchSize), 1 + batches, `${done}/${boxes.length} patches`),
      );
      const sum = new Float32Array(h * w);
      const count = new Float32Array(h * w);
      const p0 = s.target.probability;
      boxes.forEach(([y0, x0], i) => {
        for (let y = y0; y < y0 + patch; y++)
          for (let x = x0; x < x0 + patch; x++) {
            sum[y * w + x] += p0 - probs[i];
            count[y * w + x] += 1;
          }
      });
      for (let i = 0; i < sum.length; i++) sum[i] = count[i] > 0 ? sum[i] / count[i] : 0;
      return await s.finish('occlusion', tf.tensor2d(sum, [h, w]));
    } finally {
      fill.dispose();
    }
  });
}
