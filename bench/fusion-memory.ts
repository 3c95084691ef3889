/**
 * Peak memory of CAMERAS' multi-scale fusion on a large photo, as a function of the layer's
 * channel count. Activations and gradients of a stride-32 layer at the authors' 8 sizes (photo
 * resized so that its shorter side is the size, aspect kept) are fused to the photo's full
 * resolution with the general, channel-blocked path (gradients vary over positions, as after any
 * tail that is not a global pooling). Run one channel count per process so that each peak RSS is
 * its own:
 *
 *   npx tsx bench/fusion-memory.ts --channels 2048 [--photo 1600x1200] [--json]
 */
import * as tf from '../src/core/tf.js';
import { AUTHORS_SIZES } from '../src/core/schedule.js';
import { DEFAULT_BLOCK_BUDGET, fuseScales } from '../src/core/fuse.js';
import { initBackend } from '../src/node/backend.js';
import { argValue, peakRssMb, rssMb } from './stats.js';

/** What one channel count cost. */
export interface FusionMemory {
  channels: number;
  photo: [number, number];
  /** Bytes of the native-resolution activations and gradients (they scale with the channels). */
  inputsMb: number;
  /** RSS once the inputs exist, before fusing. */
  rssBeforeMb: number;
  /** Peak RSS of the whole process. */
  peakRssMb: number;
  /** Peak RSS above the RSS before fusing: the fusion's own working memory. */
  fusionPeakMb: number;
  /** What a fusion without channel blocks would hold in one full-resolution tensor. */
  unblockedTensorMb: number;
  ms: number;
  backend: string;
}

/** Parses `WxH`. */
export function parsePhoto(text: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m) throw new Error(`bad photo size "${text}" (WIDTHxHEIGHT)`);
  return [Number(m[1]), Number(m[2])];
}

/** Measures one channel count in this process. */
export async function measureFusion(channels: number, photo: [number, number], sizes: readonly number[] = AUTHORS_SIZES): Promise<FusionMemory> {
  const { backend } = await initBackend('auto');
  const [W, H] = photo;
  const short = Math.min(W, H);
  const acts: tf.Tensor4D[] = [];
  const grads: tf.Tensor4D[] = [];
  let values = 0;
  for (const s of sizes) {
    const h = Math.ceil(Math.round((H * s) / short) / 32);
    const w = Math.ceil(Math.round((W * s) / short) / 32);
    // Deterministic, position-dependent values: the blocked (general) path, not the GAP shortcut.
    acts.push(tf.tidy(() => tf.relu(tf.sin(tf.range(0, h * w * channels).reshape([1, h, w, channels]).mul(0.37)))) as tf.Tensor4D);
    grads.push(tf.tidy(() => tf.cos(tf.range(0, h * w * channels).reshape([1, h, w, channels]).mul(0.11))) as tf.Tensor4D);
    values += 2 * h * w * channels;
  }
  await Promise.all([...acts, ...grads].map((t) => t.data()));
  const rssBeforeMb = rssMb();
  const t0 = performance.now();
  const map = fuseScales(acts, grads, [H, W]);
  await map.data();
  const ms = performance.now() - t0;
  tf.dispose([map, ...acts, ...grads]);
  const peak = peakRssMb();
  return {
    channels,
    photo,
    inputsMb: (values * 4) / 2 ** 20,
    rssBeforeMb,
    peakRssMb: peak,
    fusionPeakMb: peak - rssBeforeMb,
    unblockedTensorMb: (channels * H * W * 4) / 2 ** 20,
    ms,
    backend,
  };
}

/** The block budget in MiB, for reports. */
export const BLOCK_BUDGET_MB = (DEFAULT_BLOCK_BUDGET * 4) / 2 ** 20;

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const channels = Number(argValue(args, '--channels') ?? 2048);
  if (!Number.isInteger(channels) || channels < 1) throw new Error('--channels must be a positive integer');
  measureFusion(channels, parsePhoto(argValue(args, '--photo') ?? '1600x1200'))
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
