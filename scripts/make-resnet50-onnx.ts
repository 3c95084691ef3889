/**
 * Writes the benchmark ResNet-50 (seeded random weights, the same network as `bench/resnet50.ts`)
 * as an ONNX file laid out like a torchvision export, then checks with onnxruntime-node that its
 * logits equal the TF.js model's at 224×224 (relative max difference ≤ 1e-3).
 *
 *   npx tsx scripts/make-resnet50-onnx.ts [--out bench/out/resnet50.onnx] [--seed 50] [--no-check]
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '../src/core/tf.js';
import { initBackend } from '../src/node/backend.js';
import { makeResNetSpec, RESNET50 } from '../bench/resnet-spec.js';
import { buildResNetModel } from '../bench/resnet50.js';
import { resnetToOnnx } from '../bench/resnet-onnx.js';
import { mulberry32, normalSampler, fillNormal } from '../bench/prng.js';

/** Largest |a − b| over the largest |b|: the relative difference of two logit vectors. */
export function relativeMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

/** Runs an NCHW float input through the ONNX bytes in onnxruntime-node; returns the logits. */
export async function onnxLogits(bytes: Uint8Array, nchw: Float32Array, dims: number[], threads = 2): Promise<Float32Array> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  try {
    const out = await session.run({ input: new ort.Tensor('float32', nchw, dims) });
    return out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, fallback: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
  };
  const out = path.resolve(opt('--out', 'bench/out/resnet50.onnx'));
  const seed = Number(opt('--seed', String(RESNET50.seed)));
  const spec = makeResNetSpec({ seed });
  const bytes = resnetToOnnx(spec);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, bytes);
  console.log(`wrote ${out} (${(bytes.length / 2 ** 20).toFixed(1)} MiB, seed ${seed})`);
  if (args.includes('--no-check')) return;

  const backend = await initBackend('auto');
  const model = buildResNetModel(spec, 'resnet50');
  const size = 224;
  const x = fillNormal(normalSampler(mulberry32(7)), size * size * 3, 1);
  const nhwc = tf.tensor4d(x, [1, size, size, 3]);
  const tfLogits = tf.tidy(() => model.predict(nhwc) as tf.Tensor).dataSync() as Float32Array;
  const nchw = tf.tidy(() => nhwc.transpose([0, 3, 1, 2])).dataSync() as Float32Array;
  nhwc.dispose();
  model.dispose();
  const ortLogits = await onnxLogits(bytes, nchw, [1, 3, size, size]);
  const rel = relativeMaxDiff(ortLogits, tfLogits);
  const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));
  console.log(
    `check at ${size}: TF.js (${backend.backend}, ${backend.threads} thread(s)) vs onnxruntime-node: ` +
      `relative max diff ${rel.toExponential(2)}, argmax ${argmax(tfLogits)} / ${argmax(ortLogits)}, ` +
      `logit range [${Math.min(...tfLogits).toFixed(2)}, ${Math.max(...tfLogits).toFixed(2)}]`,
  );
  if (!(rel <= 1e-3)) {
    console.error('FAIL: ONNX and TF.js logits differ by more than 1e-3 (relative)');
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${path.resolve(process.argv[1] ?? '')}`) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
