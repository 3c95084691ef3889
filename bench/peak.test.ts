import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { measureCpuPeak } from './peak.js';

const hasCc = (() => {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('measureCpuPeak', () => {
  it.runIf(hasCc)('compiles the FMA loop and reports one rate per thread that add up', () => {
    const p = measureCpuPeak(2, 0.2);
    expect(p).toBeDefined();
    expect(p!.threads).toBe(2);
    expect(p!.perThread).toHaveLength(2);
    for (const g of p!.perThread) expect(g).toBeGreaterThan(0.5);
    expect(p!.gflopsPerS).toBeCloseTo(p!.perThread[0] + p!.perThread[1], 0);
  });

  it('returns undefined with the reason when no compiler works', () => {
    const saved = { cc: process.env.CC, path: process.env.PATH };
    process.env.CC = '/nonexistent/cc';
    process.env.PATH = '/nonexistent';
    try {
      let why = '';
      expect(measureCpuPeak(1, 0.1, (w) => (why = w))).toBeUndefined();
      expect(why).toMatch(/no working C compiler/);
    } finally {
      process.env.CC = saved.cc;
      process.env.PATH = saved.path;
      if (saved.cc === undefined) delete process.env.CC;
    }
  });
});
