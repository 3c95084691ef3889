/**
 * Does TF.js WebAssembly use more than one core under Node? A/B of 1 vs N threads on the benchmark
 * ResNet-50 at one size, interleaved round by round in one process (so load from other processes
 * hits both alike), reporting wall time and process CPU time: CPU/wall near N shows the work is
 * really split, whatever the machine's load; the wall-time ratio is the speed-up.
 *
 *   npx tsx bench/threads.ts [--size 1000] [--threads 2] [--rounds 3] [--json]
 */
import fs from 'node:fs';
import * as tf from '../src/core/tf.js';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/node/backend.js';
import { makeResNetSpec } from './resnet-spec.js';
import { buildResNetModel } from './resnet50.js';
import { benchInput } from './engines.js';
import { argValue, load1, machineLine, median } from './stats.js';

interface Sample {
  threads: number;
  wallMs: number;
  cpuMs: number;
  /** CPU ms of the thread that did the most work, over all threads' CPU ms (Linux only; 1 = serial). */
  busiestShare?: number;
}

/** CPU ms per OS thread of this process (Linux `/proc/self/task/<tid>/stat`), empty elsewhere. */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    const tick = 10; // USER_HZ is 100 on Linux
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(f[11]) + Number(f[12])) * tick);
    }
  } catch {
    /* not Linux */
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const size = Number(argValue(args, '--size') ?? 1000);
  const n = Number(argValue(args, '--threads') ?? 2);
  const rounds = Number(argValue(args, '--rounds') ?? 3);
  const spec = makeResNetSpec();
  const samples: Sample[] = [];
  const loads: number[] = [load1()];
  for (let r = 0; r < rounds; r++) {
    for (const threads of r % 2 === 0 ? [1, n] : [n, 1]) {
      await initBackend('wasm', { threads });
      if (wasm.getThreadsCount() !== threads) throw new Error(`asked ${threads} threads, backend reports ${wasm.getThreadsCount()}`);
      const model = buildResNetModel(spec);
      const x = tf.tensor4d(benchInput(size), [1, size, size, 3]);
      const run = async () => {
        const y = model.predict(x) as tf.Tensor;
        await y.data();
        y.dispose();
      };
      await run(); // warm-up: XNNPACK packs the weights on first use
      for (let k = 0; k < 2; k++) {
        const before = threadCpuMs();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await run();
        const wallMs = performance.now() - t0;
        const c = process.cpuUsage(c0);
        const per = [...threadCpuMs()].map(([tid, ms]) => ms - (before.get(tid) ?? 0));
        const sum = per.reduce((a, b) => a + b, 0);
        samples.push({ threads, wallMs, cpuMs: (c.user + c.system) / 1000, busiestShare: sum > 0 ? Math.max(...per) / sum : undefined });
      }
      x.dispose();
      model.dispose();
      loads.push(load1());
      if (!args.includes('--json')) {
        const last = samples.slice(-2);
        const runs = last.map((s) => `${s.wallMs.toFixed(0)} ms wall / ${s.cpuMs.toFixed(0)} ms CPU, busiest thread ${((s.busiestShare ?? 1) * 100).toFixed(0)}%`);
        console.error(`round ${r + 1}, ${threads} thread(s): ${runs.join('; ')} (load ${load1().toFixed(1)})`);
      }
    }
  }
  const of = (t: number) => samples.filter((s) => s.threads === t);
  const summary = (t: number) => ({
    threads: t,
    medianWallMs: median(of(t).map((s) => s.wallMs)),
    medianCpuMs: median(of(t).map((s) => s.cpuMs)),
    cpuPerWall: median(of(t).map((s) => s.cpuMs / s.wallMs)),
    busiestThreadShare: median(of(t).map((s) => s.busiestShare ?? 1)),
  });
  const one = summary(1);
  const many = summary(n);
  const report = { machine: machineLine(), size, rounds, one, many, speedup: one.medianWallMs / many.medianWallMs, load1: loads, samples };
  if (args.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(`${report.machine}; ResNet-50 forward at ${size}×${size}, ${rounds} interleaved rounds × 2 runs`);
  for (const s of [one, many]) {
    console.log(`  ${s.threads} thread(s): median ${s.medianWallMs.toFixed(0)} ms wall, ${s.medianCpuMs.toFixed(0)} ms CPU (CPU/wall ${s.cpuPerWall.toFixed(2)}; busiest thread did ${(s.busiestThreadShare * 100).toFixed(0)}% of the CPU work)`);
  }
  console.log(`  speed-up ${report.speedup.toFixed(2)}×; 1-min load average during the run: ${loads.map((l) => l.toFixed(1)).join(', ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
