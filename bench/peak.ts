/**
 * The CPU's arithmetic ceiling: peak float32 multiply-add throughput, measured by a small C
 * program (`bench/native/fma-peak.c`) compiled for this machine. A forward pass of F GFLOP cannot
 * take less than F / peak seconds on any float32 engine that computes convolutions directly, so
 * the benchmark reports this floor next to every engine's time.
 *
 *   npx tsx bench/peak.ts [--threads N] [--seconds S]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { argValue } from './stats.js';

/** Measured peak throughput. */
export interface CpuPeak {
  /** Threads run at once (one per core by default). */
  threads: number;
  /** Sum over the threads, GFLOP/s (one FMA = 2 FLOP). */
  gflopsPerS: number;
  /** Each thread's own rate. */
  perThread: number[];
  /** The compiler command line used. */
  compiler: string;
}

const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'native', 'fma-peak.c');

/**
 * Compiles and runs the FMA loop with `threads` threads for `seconds`. Returns `undefined` (with
 * the reason in `onSkip`) when no C compiler is available: the benchmark runs without the floor.
 */
export function measureCpuPeak(threads = os.cpus().length, seconds = 1, onSkip: (why: string) => void = () => {}): CpuPeak | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cameras-peak-'));
  try {
    const exe = path.join(dir, 'fma-peak');
    const flags = ['-O3', '-march=native', '-ffp-contract=fast', '-pthread', SOURCE, '-o', exe];
    let cc = '';
    for (const candidate of [process.env.CC, 'cc', 'gcc', 'clang'].filter((c): c is string => !!c)) {
      try {
        execFileSync(candidate, flags, { stdio: 'pipe' });
        cc = candidate;
        break;
      } catch {
        /* try the next compiler */
      }
    }
    if (!cc) {
      onSkip('no working C compiler (cc, gcc, clang; or $CC)');
      return undefined;
    }
    const out = execFileSync(exe, [String(threads), String(seconds)], { encoding: 'utf8' });
    const r = JSON.parse(out.trim()) as { threads: number; gflops: number; perThread: number[] };
    return { threads: r.threads, gflopsPerS: r.gflops, perThread: r.perThread, compiler: `${cc} ${flags.slice(0, 4).join(' ')}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const threads = Number(argValue(args, '--threads') ?? os.cpus().length);
  const seconds = Number(argValue(args, '--seconds') ?? 2);
  for (const t of threads > 1 ? [1, threads] : [1]) {
    const peak = measureCpuPeak(t, seconds, (why) => console.error(`peak: not measured, ${why}`));
    if (peak) console.log(JSON.stringify(peak));
  }
}
