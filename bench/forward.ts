/**
 * Forward-pass milliseconds of the benchmark ResNet-50 per engine and input size (median of warm
 * runs), with achieved GFLOP/s. The floor any multi-size saliency method is measured against.
 *
 *   npx tsx bench/forward.ts [--engines wasm-1,wasm-2,cpu,ort-2] [--sizes 224,324,...,924,1000]
 *                            [--cpu-sizes 224] [--runs 3] [--json] [--out file.json]
 *
 * Engines: `wasm-N` (TF.js WebAssembly, N threads), `cpu` (TF.js pure JS), `tensorflow` (tfjs-node,
 * when installed), `ort-N` (onnxruntime-node, N intra-op threads).
 */
import fs from 'node:fs';
import { AUTHORS_SIZES } from '../src/core/schedule.js';
import { makeResNetSpec } from './resnet-spec.js';
import { buildResNetModel } from './resnet50.js';
import { countFlops } from './flops.js';
import { onnxruntimeEngine, tfjsEngine, type ForwardEngine } from './engines.js';
import { argValue, load1, machineLine, median, parseSizes, peakRssMb, timeMs } from './stats.js';
import * as tf from '../src/core/tf.js';
import '@tensorflow/tfjs-backend-cpu';

/** Results of one engine. */
export interface EngineForward {
  engine: string;
  /** size → median ms. */
  ms: Record<number, number>;
  /** size → every timed run, ms. */
  runs: Record<number, number[]>;
  /** Σ over the authors' 8 sizes of the median ms, when all were measured. */
  authorsSizesMs?: number;
  /** 1-minute load average before and after the engine's block. */
  load: [number, number];
}

/** Parses `wasm-2`, `ort-1`, `cpu`, `tensorflow` into engines. */
export function makeEngine(id: string, spec = makeResNetSpec()): ForwardEngine {
  const m = /^(wasm|ort)-(\d+)$/.exec(id);
  if (m) return m[1] === 'wasm' ? tfjsEngine(spec, 'wasm', Number(m[2])) : onnxruntimeEngine(spec, Number(m[2]));
  if (id === 'cpu' || id === 'tensorflow') return tfjsEngine(spec, id);
  throw new Error(`unknown engine "${id}" (wasm-N, ort-N, cpu, tensorflow)`);
}

/** Measures one engine: one warm-up pass per size, then `runs` rounds over the sizes. */
export async function measureForward(engine: ForwardEngine, sizes: readonly number[], runs: number): Promise<EngineForward> {
  const before = load1();
  await engine.prepare();
  const all: Record<number, number[]> = {};
  try {
    for (const s of sizes) await engine.forward(s);
    for (let r = 0; r < runs; r++) {
      for (const s of sizes) (all[s] ??= []).push(await timeMs(() => engine.forward(s)));
    }
  } finally {
    await engine.release();
  }
  const ms: Record<number, number> = {};
  for (const s of sizes) ms[s] = median(all[s]);
  const authors = AUTHORS_SIZES.every((s) => s in ms) ? AUTHORS_SIZES.reduce((a, s) => a + ms[s], 0) : undefined;
  return { engine: engine.name, ms, runs: all, authorsSizesMs: authors, load: [before, load1()] };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const engines = (argValue(args, '--engines') ?? 'wasm-1,wasm-2,cpu,ort-2').split(',');
  const sizes = parseSizes(argValue(args, '--sizes') ?? [...AUTHORS_SIZES, 1000].join(','));
  const cpuSizes = parseSizes(argValue(args, '--cpu-sizes') ?? '224');
  const runs = Number(argValue(args, '--runs') ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const spec = makeResNetSpec();
  // FLOPs from the layer configs, on the CPU backend (building allocates the weights).
  await tf.setBackend('cpu');
  const model = buildResNetModel(spec);
  const flops: Record<number, number> = {};
  for (const s of new Set([...sizes, ...cpuSizes])) flops[s] = countFlops(model, s, s).total;
  model.dispose();

  const results: EngineForward[] = [];
  for (const id of engines) {
    const r = await measureForward(makeEngine(id, spec), id === 'cpu' ? cpuSizes : sizes, runs);
    results.push(r);
    if (!args.includes('--json')) console.error(`${r.engine}: ${JSON.stringify(r.ms)} (load ${r.load.map((l) => l.toFixed(1)).join('→')})`);
  }
  const report = {
    machine: machineLine(),
    model: 'ResNet-50 (torchvision layout, BN folded, seeded random weights), batch 1',
    runs,
    gflops: Object.fromEntries(Object.entries(flops).map(([s, f]) => [s, f / 1e9])),
    peakRssMb: peakRssMb(),
    results,
  };
  if (argValue(args, '--out')) fs.writeFileSync(argValue(args, '--out')!, JSON.stringify(report, null, 2));
  if (args.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const allSizes = [...new Set([...sizes, ...cpuSizes])].sort((a, b) => a - b);
  const pad = (s: string, n: number) => s.padStart(n);
  console.log(`\n${report.machine}\n${report.model}; median of ${runs} warm runs, ms (GFLOP/s)\n`);
  console.log(pad('size', 6) + pad('GFLOP', 8) + results.map((r) => pad(r.engine, 22)).join(''));
  for (const s of allSizes) {
    const cells = results.map((r) => (r.ms[s] === undefined ? pad('—', 22) : pad(`${r.ms[s].toFixed(0)} (${(flops[s] / 1e6 / r.ms[s]).toFixed(1)})`, 22)));
    console.log(pad(String(s), 6) + pad((flops[s] / 1e9).toFixed(1), 8) + cells.join(''));
  }
  console.log(pad('Σ 8', 6) + pad('', 8) + results.map((r) => pad(r.authorsSizesMs === undefined ? '—' : r.authorsSizesMs.toFixed(0), 22)).join(''));
  console.log(`\npeak RSS ${report.peakRssMb.toFixed(0)} MiB`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
