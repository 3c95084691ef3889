import * as tf from './tf.js';
import { resizeBilinear } from './resize.js';

/** Default number of float32 values one channel block may hold at output resolution (64 MiB). */
export const DEFAULT_BLOCK_BUDGET = 1 << 24;

/**
 * CAMERAS fusion (Eq. 2–3): Ā = mean over scales of the activations upsampled to `outShape`,
 * W̄ = the same for the gradients, map = Σ_k W̄_k ⊙ Ā_k (before ReLU).
 *
 * Activations and gradients stay at their native resolution until here; the upsampled means are
 * built for a block of channels at a time and every intermediate is released as soon as it is
 * used, so at most five full-resolution tensors of `budget` values each are alive at once,
 * whatever the channel count, the number of scales and the image size (a 2048-channel layer on a
 * 12-megapixel photo never holds a channel-wide full-resolution tensor).
 */
export function fuseScales(
  activations: readonly tf.Tensor4D[],
  gradients: readonly tf.Tensor4D[],
  outShape: readonly [number, number],
  budget = DEFAULT_BLOCK_BUDGET,
): tf.Tensor2D {
  if (activations.length === 0 || activations.length !== gradients.length) {
    throw new Error('fuseScales needs one gradient per activation and at least one scale');
  }
  const [H, W] = outShape;
  const channels = activations[0].shape[3];
  for (const t of [...activations, ...gradients]) {
    if (t.shape[3] !== channels) throw new Error(`channel counts differ between scales (${t.shape[3]} vs ${channels})`);
  }
  if (gradients.every(isSpatiallyConstant)) return fuseConstantGradients(activations, gradients, outShape);
  const block = Math.max(1, Math.min(channels, Math.floor(budget / (H * W))));
  const n = activations.length;
  let acc: tf.Tensor2D = tf.zeros([H, W]);
  for (let c0 = 0; c0 < channels; c0 += block) {
    const size = Math.min(block, channels - c0);
    const sumA = upsampledSum(activations, c0, size, outShape);
    const sumG = upsampledSum(gradients, c0, size, outShape);
    const next = tf.tidy(() => tf.add(acc, tf.div(tf.mul(sumA, sumG).sum(3).reshape([H, W]), n * n)) as tf.Tensor2D);
    tf.dispose([sumA, sumG, acc]);
    acc = next;
  }
  return acc;
}

/**
 * Σ over scales of channels `c0 … c0+size−1` upsampled to `outShape`. Each upsampled term is
 * released as soon as it is added (not at the end of a tidy), so at most three full-resolution
 * blocks are alive at once whatever the number of scales.
 */
function upsampledSum(ts: readonly tf.Tensor4D[], c0: number, size: number, outShape: readonly [number, number]): tf.Tensor4D {
  let sum: tf.Tensor4D | undefined;
  for (const t of ts) {
    const up = tf.tidy(() => resizeBilinear(size === t.shape[3] ? t : t.slice([0, 0, 0, c0], [1, t.shape[1], t.shape[2], size]), outShape));
    if (!sum) {
      sum = up;
      continue;
    }
    const next = tf.add(sum, up) as tf.Tensor4D;
    tf.dispose([sum, up]);
    sum = next;
  }
  return sum!;
}

/** Relative tolerance under which a gradient counts as constant over positions. */
const CONSTANT_TOLERANCE = 1e-6;

/**
 * True when every channel of `g` holds one value at all positions (to 1e-6 of the largest
 * magnitude), as the gradient of any tail that starts with global average pooling does.
 */
function isSpatiallyConstant(g: tf.Tensor4D): boolean {
  return tf.tidy(() => {
    const first = g.slice([0, 0, 0, 0], [1, 1, 1, g.shape[3]]);
    const spread = tf.max(tf.abs(tf.sub(g, first))).dataSync()[0];
    const scale = tf.max(tf.abs(g)).dataSync()[0];
    return spread <= CONSTANT_TOLERANCE * scale;
  });
}

/**
 * The same fusion when each gradient is constant over positions: then W̄_k is a constant ḡ_k and
 * Σ_k ḡ_k Ā_k = mean_s upsample(Σ_k ḡ_k A_s,k), because upsampling is linear. Channels are reduced
 * at each scale's own resolution and only one map per scale is upsampled: the fusion costs
 * almost nothing next to the forward passes.
 */
function fuseConstantGradients(activations: readonly tf.Tensor4D[], gradients: readonly tf.Tensor4D[], outShape: readonly [number, number]): tf.Tensor2D {
  const [H, W] = outShape;
  const n = activations.length;
  return tf.tidy(() => {
    const perChannel = gradients.map((g) => g.slice([0, 0, 0, 0], [1, 1, 1, g.shape[3]]));
    const gBar = tf.div(tf.addN(perChannel), n);
    const maps = activations.map((a) => resizeBilinear(tf.sum(tf.mul(a, gBar), 3, true) as tf.Tensor4D, [H, W]));
    return tf.div(tf.addN(maps), n).reshape([H, W]) as tf.Tensor2D;
  });
}
