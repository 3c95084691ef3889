/**
 * The per-model part of `npm run bench`: for each zoo model, the embedded model and the benchmark
 * ResNet-50 (ONNX export), a CAMERAS map at the authors' 8 sizes and the same sizes' forward passes
 * alone, with each engine (`onnxruntime`: heads and predictions in onnxruntime-node, tails in TF.js;
 * `tfjs`: everything in TF.js), each (model, engine) in its own child process; and what one map
 * costs in `cameras eval insertion-deletion` (its two curves at 50 steps, 102 images through the
 * model in batches of 16), which is what sizes a data-set evaluation.
 *
 *   npx tsx bench/models.ts [--models scenes,darknet_tiny,...] [--runs 3] [--json]
 */
import { spawn } from 'node:child_process';
import * as tf from '../src/core/tf.js';
import type { ModelAdapter, RgbImage } from '../src/core/types.js';
import { AUTHORS_SIZES } from '../src/core/schedule.js';
import { cameras } from '../src/methods/cameras.js';
import { initBackend } from '../src/node/backend.js';
import { loadModel } from '../src/node/load-model.js';
import { makeResNetSpec } from './resnet-spec.js';
import { TORCH_PREPROCESS } from './resnet50.js';
import { resnetToOnnx } from './resnet-onnx.js';
import { argValue, load1, median, peakRssMb, timeMs } from './stats.js';
import { ModelScorer } from '../src/cli/eval/probability.js';
import { batchedInsertionDeletion } from '../src/metrics/insertion-deletion.js';

/** Models of the table: the zoo, the embedded model, and `resnet50` (the benchmark's ONNX export). */
export const BENCH_MODELS = ['mobilenet_v1_0.25_224', 'darknet_tiny', 'mobilenet_v2_1.0_224', 'scenes', 'resnet50'];
/** The two engines compared. */
export const BENCH_ENGINES = ['onnxruntime', 'tfjs'] as const;

/** What one (model, engine) measured. */
export interface ModelBench {
  model: string;
  /** Requested engine. */
  engine: (typeof BENCH_ENGINES)[number];
  /** The adapter's engine (`onnxruntime-node`, `tfjs-wasm`, …). */
  adapterEngine: string;
  layer: string;
  sizes: number[];
  camerasMs: number;
  forwardOnlyMs: number;
  /** CAMERAS / forward passes alone. */
  ratio: number;
  /** Insertion and deletion curves of one map at 50 steps, as `cameras eval` scores them. */
  insertionDeletionMs: number;
  peakRssMb: number;
  load: [number, number];
}

/** A smooth, deterministic square test image (the map's content does not matter for timing). */
function syntheticImage(size: number): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      data[i] = 128 + 100 * Math.sin(x / 17);
      data[i + 1] = 128 + 100 * Math.cos(y / 23);
      data[i + 2] = 128 + 100 * Math.sin((x + y) / 31);
    }
  return { width: size, height: size, channels: 3, data };
}

async function load(name: string, engine: ModelBench['engine']): Promise<ModelAdapter> {
  if (name !== 'resnet50') return loadModel(name, { engine });
  const bytes = resnetToOnnx(makeResNetSpec());
  if (engine === 'onnxruntime') return (await import('../src/node/onnx-runtime.js')).loadOnnxModelWithOrt(bytes, { name, preprocess: TORCH_PREPROCESS, inputSize: 224 });
  return (await import('../src/models/onnx/index.js')).loadOnnxModel(bytes, { name, preprocess: TORCH_PREPROCESS, inputSize: 224 });
}

async function medianMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) t.push(await timeMs(fn));
  return median(t);
}

/** Measures one model on one engine in this process. */
export async function benchModel(name: string, engine: ModelBench['engine'], runs: number): Promise<ModelBench> {
  const loadBefore = load1();
  await initBackend('auto', {});
  const model = await load(name, engine);
  try {
    const sizes = AUTHORS_SIZES.map((s) => s - 224 + model.inputSize);
    const image = syntheticImage(model.inputSize);
    const layer = model.defaultLayer();
    const camerasMs = await medianMs(runs, () => cameras(model, image, { sizes, layer }));
    const forwardOnlyMs = await medianMs(runs, async () => {
      for (const s of sizes) {
        const x = tf.zeros([1, s, s, 3]) as tf.Tensor4D;
        const y = await model.predict(x);
        await y.data();
        tf.dispose([x, y]);
      }
    });
    const scorer = new ModelScorer(model);
    const map = Float32Array.from({ length: image.width * image.height }, (_, i) => Math.sin(i / 97) + Math.cos(i / 13));
    const insertionDeletionMs = await medianMs(runs, () => batchedInsertionDeletion(image, map, (ims) => scorer.probabilities(ims, 1), { steps: 50 }));
    return { model: name, engine, adapterEngine: model.engine, layer, sizes, camerasMs, forwardOnlyMs, ratio: camerasMs / forwardOnlyMs, insertionDeletionMs, peakRssMb: peakRssMb(), load: [loadBefore, load1()] };
  } finally {
    model.dispose();
  }
}

function runChild(args: readonly string[]): Promise<ModelBench> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${args.join(' ')}: child exited with ${code}`));
      try {
        resolve(JSON.parse(line) as ModelBench);
      } catch {
        reject(new Error(`${args.join(' ')}: no result (${line.slice(0, 200)})`));
      }
    });
  });
}

/**
 * Every model on both engines, engines alternating per model so that both see the same machine
 * load; each measurement in a fresh child process.
 */
export async function benchModels(models: readonly string[], runs: number, log: (s: string) => void = () => {}): Promise<ModelBench[]> {
  const out: ModelBench[] = [];
  for (const m of models) {
    for (const e of BENCH_ENGINES) {
      log(`bench: ${m} on ${e} ...`);
      out.push(await runChild(['--child', m, '--engine', e, '--runs', String(runs)]));
    }
  }
  return out;
}

/** The per-model table: CAMERAS and forward-only ms per engine, their ratios, and the speed-up. */
export function modelsTable(results: readonly ModelBench[]): string {
  const rows: string[][] = [
    ['model', 'layer', 'CAMERAS ms ort', 'CAMERAS ms tfjs', 'speed-up', 'fwd ms ort', 'fwd ms tfjs', 'ratio ort', 'ratio tfjs', 'ins/del ms ort', 'ins/del ms tfjs', 'peak RSS MB ort / tfjs'],
  ];
  const models = [...new Set(results.map((r) => r.model))];
  for (const m of models) {
    const o = results.find((r) => r.model === m && r.engine === 'onnxruntime');
    const t = results.find((r) => r.model === m && r.engine === 'tfjs');
    const f0 = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(0));
    rows.push([
      m,
      (o ?? t)?.layer ?? '—',
      `${f0(o?.camerasMs)}${o && o.adapterEngine !== 'onnxruntime-node' ? ` (${o.adapterEngine})` : ''}`,
      f0(t?.camerasMs),
      o && t ? `${(t.camerasMs / o.camerasMs).toFixed(2)}×` : '—',
      f0(o?.forwardOnlyMs),
      f0(t?.forwardOnlyMs),
      o ? o.ratio.toFixed(2) : '—',
      t ? t.ratio.toFixed(2) : '—',
      f0(o?.insertionDeletionMs),
      f0(t?.insertionDeletionMs),
      `${f0(o?.peakRssMb)} / ${f0(t?.peakRssMb)}`,
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((v, c) => (c < 2 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Number(argValue(args, '--runs') ?? 3);
  const child = argValue(args, '--child');
  if (child) {
    const engine = argValue(args, '--engine') as ModelBench['engine'];
    if (!BENCH_ENGINES.includes(engine)) throw new Error(`--engine must be one of ${BENCH_ENGINES.join(', ')}`);
    console.log(JSON.stringify(await benchModel(child, engine, runs)));
    return;
  }
  const models = (argValue(args, '--models') ?? BENCH_MODELS.join(',')).split(',');
  const results = await benchModels(models, runs, (s) => console.error(s));
  if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
  else console.log(modelsTable(results));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
