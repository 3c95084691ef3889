import * as tf from './tf.js';
import { resizeBilinear } from './resize.js';

/** Default number of float32 values one channel block may hold at output resolution (64 MiB). */
export const DEFAULT_BLOCK_BUDGET = 1 << 24;

/**
 * CAMERAS fusion (Eq. 2–3): Ā = mean over scales of the activations upsampled to `outShape`,
 * W̄ = the same for the gradients, map = Σ_k W̄_k ⊙ Ā_k (before ReLU).
 *
 * Activations and gradients stay at their native resolution until here; the upsampled means are
 * built for a block of channels at a time, so memory is bounded by `budget` values per tensor
 * whatever the channel count and image size (a 2048-channel layer on a 12-megapixel photo never
 * holds a channel-wide full-resolution tensor).
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
  const block = Math.max(1, Math.min(channels, Math.floor(budget / (H * W))));
  const n = activations.length;
  let acc: tf.Tensor2D = tf.zeros([H, W]);
  for (let c0 = 0; c0 < channels; c0 += block) {
    const size = Math.min(block, channels - c0);
    const next = tf.tidy(() => {
      const mean = (ts: readonly tf.Tensor4D[]) => {
        let sum: tf.Tensor4D | undefined;
        for (const t of ts) {
          const part = size === channels ? t : t.slice([0, 0, 0, c0], [1, t.shape[1], t.shape[2], size]);
          const up = resizeBilinear(part, [H, W]);
          sum = sum ? (tf.add(sum, up) as tf.Tensor4D) : up;
        }
        return sum!;
      };
      const product = tf.mul(mean(activations), mean(gradients)).sum(3).reshape([H, W]);
      return tf.add(acc, tf.div(product, n * n)) as tf.Tensor2D;
    });
    acc.dispose();
    acc = next;
  }
  return acc;
}
