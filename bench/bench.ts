/**
 * `npm run bench`: what a CAMERAS map of a ResNet-50 costs next to its forward passes, per engine.
 *
 *   npm run bench -- [--engines onnxruntime,tfjs-wasm,tfjs-tensorflow,tfjs-cpu] [--threads 2] [--runs 3] [--leak-maps 20]
 *                    [--image photo.png] [--no-paper] [--sizes 224,324,...] [--json]
 *                    [--no-peak] [--no-memory] [--memory-channels 64,256,1024] [--memory-photo 1200x900]
 *                    [--no-pytorch] [--python /usr/bin/python3] [--no-models] [--models scenes,darknet_tiny,...]
 *
 * Per engine (each in its own child process, so peak RSS and backend state are the engine's own):
 * - `camerasMs`: one CAMERAS map at the authors' 8 sizes 224…924, and `camerasPaperMs` at the
 *   paper's schedule (ζm = 1000, N = 7);
 * - `forwardOnlyMs` / `forwardOnlyPaperMs`: the model's forward passes alone at the same sizes,
 *   on the same engine, through the same adapter (the floor);
 * - `gradcamMs`; achieved GFLOP/s (FLOPs counted from the layers) for the forward passes and the map;
 * - `peakRssMb`; tensor count and RSS after the first map and after `--leak-maps` maps (must not grow);
 * - `batch`: process CPU time / wall time over those maps (2.0 = both cores busy on 2 cores);
 * - `floorMs` / `peakFraction`: the forward FLOPs at this CPU's measured peak FMA throughput
 *   (`bench/peak.ts`), i.e. the least time any float32 engine could take, and how close it gets.
 * Then the fusion's peak memory on a large photo for several channel counts (`bench/fusion-memory.ts`),
 * and, where PyTorch and torchvision are installed, the same ResNet-50 workload in PyTorch
 * (`bench/pytorch/cameras_torch.py`: forward passes alone, CAMERAS with a full autograd backward,
 * CAMERAS with the gradient only to the layer) as the reference the Python tools are judged by.
 * Then, per model (`bench/models.ts`: the zoo, the embedded model, ResNet-50 as ONNX), CAMERAS and
 * forward-only ms with each engine, onnxruntime and TF.js, and their ratios.
 * Timings are medians of `--runs` runs after one warm-up. The model is the seeded random-weight
 * ResNet-50 of `bench/resnet50.ts`; `onnxruntime` runs its ONNX export (same weights) for the
 * passes before the layer and differentiates only the tail in TF.js.
 */
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as tf from '../src/core/tf.js';
import '@tensorflow/tfjs-backend-cpu';
import type { ModelAdapter, RgbImage } from '../src/core/types.js';
import { AUTHORS_SIZES, PAPER_SCHEDULE, scheduleSizes } from '../src/core/schedule.js';
import { cameras } from '../src/methods/cameras.js';
import { gradcam } from '../src/methods/gradcam.js';
import { LayersModelAdapter } from '../src/models/layers-adapter.js';
import { initBackend, type BackendName } from '../src/node/backend.js';
import { makeResNetSpec } from './resnet-spec.js';
import { buildResNetModel, TORCH_PREPROCESS } from './resnet50.js';
import { resnetToOnnx, onnxBlockOutput } from './resnet-onnx.js';
import { countFlops } from './flops.js';
import { measureCpuPeak, type CpuPeak } from './peak.js';
import { BLOCK_BUDGET_MB, parsePhoto, type FusionMemory } from './fusion-memory.js';
import { argValue, load1, machineLine, median, parseSizes, peakRssMb, rssMb, timeMs } from './stats.js';
import { BENCH_MODELS, benchModels, modelsTable, type ModelBench } from './models.js';

const FUSION_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fusion-memory.ts');
const PYTORCH_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pytorch', 'cameras_torch.py');

/** What one engine measured. */
export interface EngineBench {
  engine: string;
  backend: string;
  threads: number;
  layer: string;
  sizes: number[];
  camerasMs: number;
  forwardOnlyMs: number;
  ratio: number;
  paperSizes?: number[];
  camerasPaperMs?: number;
  forwardOnlyPaperMs?: number;
  paperRatio?: number;
  forwardPaperGflopsPerS?: number;
  gradcamMs: number;
  forwardGflops: number;
  forwardGflopsPerS: number;
  camerasGflopsPerS: number;
  peakRssMb: number;
  leak: { maps: number; tensorsAfterFirst: number; tensorsAfterLast: number; rssMbAfterFirst: number; rssMbAfterLast: number };
  /** The leak check's maps run back to back: process CPU time over wall time. */
  batch: { maps: number; wallMs: number; cpuMs: number; cpuPerWall: number };
  /** Forward FLOPs of the 8 sizes at the CPU's measured peak, ms (set by the parent). */
  floorMs?: number;
  /** Forward GFLOP/s over the measured peak (set by the parent). */
  peakFraction?: number;
  load: [number, number];
}

/** A smooth, deterministic 224×224 test image (the map's content does not matter for timing). */
function syntheticImage(size = 224): RgbImage {
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

/** Builds the adapter of an engine; the caller disposes it. */
async function makeAdapter(engine: string, threads: number | undefined): Promise<{ model: ModelAdapter; backend: string; threads: number; layer: string }> {
  const spec = makeResNetSpec();
  if (engine === 'onnxruntime') {
    // The tail (after layer4) is differentiated on the fastest TF.js backend present.
    const b = await initBackend('auto', { threads });
    const { loadOnnxModelWithOrt } = await import('../src/node/onnx-runtime.js');
    const model = await loadOnnxModelWithOrt(resnetToOnnx(spec), { name: 'resnet50.onnx', preprocess: TORCH_PREPROCESS, inputSize: 224 });
    const names = new Set(model.listLayers().flatMap((l) => [l.name, ...(l.aliases ?? [])]));
    const layer = names.has('layer4') ? 'layer4' : onnxBlockOutput(4, 2);
    return { model, backend: `onnxruntime-node + tfjs-${b.backend}`, threads: threads ?? 2, layer };
  }
  const m = /^tfjs-(wasm|cpu|tensorflow)$/.exec(engine);
  if (!m) throw new Error(`unknown engine "${engine}" (tfjs-wasm, tfjs-cpu, tfjs-tensorflow, onnxruntime)`);
  const b = await initBackend(m[1] as BackendName, { threads });
  const layers = buildResNetModel(spec, 'resnet50');
  const model = new LayersModelAdapter(layers, { name: 'resnet50', preprocess: TORCH_PREPROCESS, inputSize: 224, layer: 'layer4' });
  return { model, backend: `tfjs-${b.backend}`, threads: b.threads, layer: 'layer4' };
}

/** Median ms of `runs` calls after one warm-up. */
async function medianMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) t.push(await timeMs(fn));
  return median(t);
}

/** Forward passes alone, through the adapter, at each size of a square image. */
async function forwardOnly(model: ModelAdapter, sizes: readonly number[]): Promise<void> {
  for (const s of sizes) {
    const x = tf.zeros([1, s, s, 3]) as tf.Tensor4D;
    const y = await model.predict(x);
    await y.data();
    x.dispose();
    y.dispose();
  }
}

/** Runs the whole measurement for one engine in this process. */
export async function benchEngine(
  engine: string,
  opts: {
    threads?: number;
    runs: number;
    leakMaps: number;
    paper: boolean;
    image: RgbImage;
    sizes?: readonly number[];
    /** FLOPs of one forward pass per size (see {@link flopsBySize}). */
    flops: Record<number, number>;
  },
): Promise<EngineBench> {
  const loadBefore = load1();
  const { model, backend, threads, layer } = await makeAdapter(engine, opts.threads);
  try {
    const sizes = [...(opts.sizes ?? AUTHORS_SIZES)];
    const paperSizes = scheduleSizes(PAPER_SCHEDULE, 224);
    const flopsAt = (list: readonly number[]) =>
      list.reduce((a, s) => {
        if (!(s in opts.flops)) throw new Error(`no FLOP count for size ${s}`);
        return a + opts.flops[s];
      }, 0);
    const forwardFlops = flopsAt(sizes);
    const paperFlops = opts.paper ? flopsAt(paperSizes) : 0;

    const map = (s: readonly number[]) => () => cameras(model, opts.image, { sizes: s, layer });
    const camerasMs = await medianMs(opts.runs, map(sizes));
    const forwardOnlyMs = await medianMs(opts.runs, () => forwardOnly(model, sizes));
    let paper: Partial<EngineBench> = {};
    if (opts.paper) {
      const camerasPaperMs = await medianMs(opts.runs, map(paperSizes));
      const forwardOnlyPaperMs = await medianMs(opts.runs, () => forwardOnly(model, paperSizes));
      paper = {
        paperSizes,
        camerasPaperMs,
        forwardOnlyPaperMs,
        paperRatio: camerasPaperMs / forwardOnlyPaperMs,
        forwardPaperGflopsPerS: paperFlops / 1e6 / forwardOnlyPaperMs,
      };
    }
    const gradcamMs = await medianMs(opts.runs, () => gradcam(model, opts.image, { layer }));

    // Leak check: the tensor count and RSS must not grow from map 1 to map N.
    await map(sizes)();
    const tensorsAfterFirst = tf.memory().numTensors;
    const rssMbAfterFirst = rssMb();
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    for (let i = 1; i < opts.leakMaps; i++) await map(sizes)();
    const wallMs = performance.now() - wall0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const batch = { maps: opts.leakMaps - 1, wallMs, cpuMs, cpuPerWall: cpuMs / wallMs };
    const leak = { maps: opts.leakMaps, tensorsAfterFirst, tensorsAfterLast: tf.memory().numTensors, rssMbAfterFirst, rssMbAfterLast: rssMb() };

    return {
      engine,
      backend,
      threads,
      layer,
      sizes,
      camerasMs,
      forwardOnlyMs,
      ratio: camerasMs / forwardOnlyMs,
      ...paper,
      gradcamMs,
      forwardGflops: forwardFlops / 1e9,
      forwardGflopsPerS: forwardFlops / 1e6 / forwardOnlyMs,
      camerasGflopsPerS: forwardFlops / 1e6 / camerasMs,
      peakRssMb: peakRssMb(),
      leak,
      batch,
      load: [loadBefore, load1()],
    };
  } finally {
    model.dispose();
  }
}

/**
 * FLOPs of one ResNet-50 forward pass at each size, from the layer configs. Computed in the parent
 * process so that building a model for counting does not add to an engine's peak RSS.
 */
export async function flopsBySize(sizes: readonly number[]): Promise<Record<number, number>> {
  await tf.setBackend('cpu');
  const model = buildResNetModel(makeResNetSpec(), 'flops');
  try {
    return Object.fromEntries(sizes.map((s) => [s, countFlops(model, s, s).total]));
  } finally {
    model.dispose();
  }
}

/** Every engine present: onnxruntime-node, TF.js WebAssembly, and tfjs-node when it is installed. */
function defaultEngines(): string[] {
  const engines = ['onnxruntime', 'tfjs-wasm'];
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    engines.push('tfjs-tensorflow');
  } catch {
    /* optional; not installed */
  }
  return engines;
}

/** Runs one measurement in a child process (same loader flags) and parses its JSON line. */
function runChild<T>(engine: string, args: readonly string[], script = process.argv[1]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${engine}: child exited with ${code}`));
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`${engine}: no result (${line.slice(0, 200)})`));
      }
    });
  });
}

function table(results: readonly EngineBench[]): string {
  const rows: string[][] = [
    ['engine', 'threads', 'CAMERAS ms', 'fwd-only ms', 'ratio', 'paper ms', 'paper fwd', 'ratio', 'Grad-CAM ms', 'GFLOP/s', 'of peak', 'floor ms', 'CPU/wall', 'peak RSS MB', 'tensors 1→N', 'RSS MB 1→N'],
  ];
  const f0 = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(0));
  for (const r of results) {
    rows.push([
      r.backend,
      String(r.threads),
      f0(r.camerasMs),
      f0(r.forwardOnlyMs),
      r.ratio.toFixed(3),
      f0(r.camerasPaperMs),
      f0(r.forwardOnlyPaperMs),
      r.paperRatio === undefined ? '—' : r.paperRatio.toFixed(3),
      f0(r.gradcamMs),
      r.forwardGflopsPerS.toFixed(1),
      r.peakFraction === undefined ? '—' : `${(100 * r.peakFraction).toFixed(0)} %`,
      f0(r.floorMs),
      r.batch.cpuPerWall.toFixed(2),
      f0(r.peakRssMb),
      `${r.leak.tensorsAfterFirst}→${r.leak.tensorsAfterLast}`,
      `${f0(r.leak.rssMbAfterFirst)}→${f0(r.leak.rssMbAfterLast)}`,
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const threadsArg = argValue(args, '--threads');
  const threads = threadsArg === undefined ? undefined : Number(threadsArg);
  const runs = Number(argValue(args, '--runs') ?? 3);
  const leakMaps = Number(argValue(args, '--leak-maps') ?? 20);
  const paper = !args.includes('--no-paper');
  const child = argValue(args, '--child');
  if (child) {
    let image = syntheticImage();
    const file = argValue(args, '--image');
    if (file) image = await (await import('../src/node/image-io.js')).readImage(file);
    const sizesArg = argValue(args, '--sizes');
    const flops = JSON.parse(argValue(args, '--flops') ?? '{}') as Record<number, number>;
    const r = await benchEngine(child, { threads, runs, leakMaps, paper, image, flops, sizes: sizesArg ? parseSizes(sizesArg) : undefined });
    console.log(JSON.stringify(r));
    return;
  }
  const engines = (argValue(args, '--engines') ?? defaultEngines().join(',')).split(',');
  const ownFlags = new Set(['--json', '--engines', '--memory-channels', '--memory-photo', '--python', '--models']);
  const passOn = args.filter((a, i) => !ownFlags.has(a) && !ownFlags.has(args[i - 1] ?? ''));
  const sizesArg = argValue(args, '--sizes');
  const flops = await flopsBySize([...new Set([...(sizesArg ? parseSizes(sizesArg) : AUTHORS_SIZES), ...scheduleSizes(PAPER_SCHEDULE, 224)])]);

  // The CPU's ceiling first, on the idle machine (a few seconds).
  let cpuPeak: CpuPeak | undefined;
  if (!args.includes('--no-peak')) {
    console.error('bench: peak FMA throughput ...');
    cpuPeak = measureCpuPeak(os.cpus().length, 2, (why) => console.error(`bench: peak not measured, ${why}`));
  }
  const results: EngineBench[] = [];
  for (const e of engines) {
    console.error(`bench: ${e} ...`);
    const r = await runChild<EngineBench>(e, [...passOn, '--flops', JSON.stringify(flops), '--child', e]);
    if (cpuPeak) {
      r.floorMs = (r.forwardGflops / cpuPeak.gflopsPerS) * 1000;
      r.peakFraction = r.forwardGflopsPerS / cpuPeak.gflopsPerS;
    }
    results.push(r);
  }

  // Memory of the fusion against the channel count, on a large photo (one process each).
  const memory: FusionMemory[] = [];
  if (!args.includes('--no-memory')) {
    const photo = argValue(args, '--memory-photo') ?? '1200x900';
    parsePhoto(photo);
    for (const c of parseCounts(argValue(args, '--memory-channels') ?? '64,256,1024')) {
      console.error(`bench: fusion memory, ${c} channels on ${photo} ...`);
      memory.push(await runChild<FusionMemory>(`fusion ${c}`, ['--channels', String(c), '--photo', photo], FUSION_SCRIPT));
    }
  }

  // Every model of the zoo, the embedded one and ResNet-50 (ONNX) on both engines.
  let models: ModelBench[] = [];
  if (!args.includes('--no-models')) {
    models = await benchModels((argValue(args, '--models') ?? BENCH_MODELS.join(',')).split(','), runs, (s) => console.error(s));
  }

  let pytorch: PytorchBench | undefined;
  if (!args.includes('--no-pytorch')) {
    console.error('bench: PyTorch reference ...');
    pytorch = await runPytorch(argValue(args, '--python'), threads ?? 2, runs, (why) => console.error(`bench: PyTorch reference skipped, ${why}`));
  }

  const report = { machine: machineLine(), model: 'ResNet-50 (torchvision layout, seeded random weights)', runs, cpuPeak, results, models, fusionMemory: memory, pytorch };
  if (args.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`${report.machine}\n${report.model}, one 224×224 image; medians of ${runs} runs`);
    if (cpuPeak) console.log(`measured peak float32 FMA throughput: ${cpuPeak.gflopsPerS.toFixed(0)} GFLOP/s on ${cpuPeak.threads} threads (${cpuPeak.perThread.map((g) => g.toFixed(0)).join(' + ')})`);
    console.log(`\n${table(results)}`);
    const bad = results.filter((r) => r.ratio > 1.15);
    console.log(bad.length ? `\nratio above 1.15: ${bad.map((r) => r.backend).join(', ')}` : '\nall CAMERAS / forward-only ratios ≤ 1.15');
    if (models.length) {
      console.log(`\nper model, a synthetic square image at the native size, 8 sizes; ort = onnxruntime-node heads + TF.js tails, tfjs = TF.js only:\n${modelsTable(models)}`);
    }
    if (pytorch) {
      console.log(
        `\nPyTorch ${pytorch.torch} (${pytorch.threads} threads), sizes ${pytorch.sizes.join(',')}: forward passes alone ${pytorch.forwardOnlyMs.toFixed(0)} ms, ` +
          `CAMERAS with a full autograd backward ${pytorch.camerasAutogradMs.toFixed(0)} ms, with the gradient to the layer only ${pytorch.camerasLayerGradMs.toFixed(0)} ms`,
      );
      for (const r of results) {
        if (r.sizes.join() !== pytorch.sizes.join()) continue;
        console.log(
          `  ${r.backend}: CAMERAS ${r.camerasMs.toFixed(0)} ms = ${(r.camerasMs / pytorch.forwardOnlyMs).toFixed(2)} × PyTorch's forward passes alone, ` +
            `1/${(pytorch.camerasAutogradMs / r.camerasMs).toFixed(1)} of its autograd CAMERAS`,
        );
      }
    }
    if (memory.length) {
      console.log(`\nfusion on a ${memory[0].photo.join('×')} photo, 8 sizes (channel blocks of ${BLOCK_BUDGET_MB} MiB):`);
      for (const m of memory) {
        console.log(
          `  ${String(m.channels).padStart(5)} channels: fusion peak ${m.fusionPeakMb.toFixed(0)} MB (inputs ${m.inputsMb.toFixed(0)} MB; one unblocked tensor would be ${m.unblockedTensorMb.toFixed(0)} MB), ${m.ms.toFixed(0)} ms`,
        );
      }
    }
  }
}

/** What `bench/pytorch/cameras_torch.py` measured. */
export interface PytorchBench {
  engine: 'pytorch';
  torch: string;
  threads: number;
  sizes: number[];
  forwardOnlyMs: number;
  camerasAutogradMs: number;
  camerasLayerGradMs: number;
}

/** Runs the PyTorch reference with the first Python that imports torch and torchvision. */
async function runPytorch(python: string | undefined, threads: number, runs: number, onSkip: (why: string) => void): Promise<PytorchBench | undefined> {
  const candidates = python ? [python] : ['python3', '/usr/bin/python3'];
  const found = candidates.find((py) => {
    try {
      execFileSync(py, ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!found) {
    onSkip(`no Python with torch and torchvision (tried ${candidates.join(', ')}; e.g. apt install python3-torch python3-torchvision)`);
    return undefined;
  }
  const out = execFileSync(found, [PYTORCH_SCRIPT, '--threads', String(threads), '--runs', String(runs)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop() ?? '') as PytorchBench;
}

/** Comma-separated positive integers. */
function parseCounts(text: string): number[] {
  const v = text.split(',').map((s) => Number(s.trim()));
  if (v.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`bad list "${text}"`);
  return v;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
