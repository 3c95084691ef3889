import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordKey } from './records.js';
import type { ShardPlan } from './shard.js';
import { checkMergeTarget, checkSameSettings, finishManifest, manifestFile, resolveShard, scanShardFolder, shardReport, startManifest } from './shard.js';

describe('resolveShard', () => {
  it('passes k/n through and reads Kubernetes Indexed Jobs', () => {
    expect(resolveShard('1/4', {})).toEqual({ index: 1, count: 4, source: 'manual', env: {} });
    expect(resolveShard('auto/3', { JOB_COMPLETION_INDEX: '2' })).toEqual({ index: 2, count: 3, source: 'kubernetes', env: { JOB_COMPLETION_INDEX: '2' } });
    expect(resolveShard('auto', { JOB_COMPLETION_INDEX: '0', CAMERAS_SHARD_COUNT: '5' })).toMatchObject({ index: 0, count: 5, source: 'kubernetes' });
    expect(resolveShard('auto/5', { JOB_COMPLETION_INDEX: '4', CAMERAS_SHARD_COUNT: '5' })).toMatchObject({ index: 4, count: 5 });
  });

  it('reads Slurm arrays from 0 or 1, with a step, from COUNT or MIN/MAX', () => {
    const slurm = (id: number, min: number, max: number, extra: Record<string, string> = {}) => ({
      SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: String(min), SLURM_ARRAY_TASK_MAX: String(max), ...extra,
    });
    expect(resolveShard('auto', slurm(0, 0, 2, { SLURM_ARRAY_TASK_COUNT: '3' }))).toMatchObject({ index: 0, count: 3, source: 'slurm' });
    // --array=1-8: task 1 is shard 0, task 8 is shard 7.
    expect(resolveShard('auto', slurm(1, 1, 8))).toMatchObject({ index: 0, count: 8 });
    expect(resolveShard('auto', slurm(8, 1, 8))).toMatchObject({ index: 7, count: 8 });
    // --array=10-40:10 → 10, 20, 30, 40.
    expect(resolveShard('auto', slurm(30, 10, 40, { SLURM_ARRAY_TASK_STEP: '10', SLURM_ARRAY_TASK_COUNT: '4' }))).toMatchObject({ index: 2, count: 4 });
    expect(resolveShard('auto/3', { SLURM_ARRAY_TASK_ID: '2' })).toMatchObject({ index: 2, count: 3, source: 'slurm' });
    // With a count, task ids are shard indices: `sbatch --array=3,7` re-runs shards 3 and 7 of 16.
    const rerun = { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '3', SLURM_ARRAY_TASK_MAX: '7', SLURM_ARRAY_TASK_COUNT: '2' };
    expect(resolveShard('auto/16', rerun)).toMatchObject({ index: 7, count: 16, source: 'slurm' });
    expect(resolveShard('auto', { ...rerun, CAMERAS_SHARD_COUNT: '16' })).toMatchObject({ index: 7, count: 16 });
    expect(resolveShard('auto', { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' })).toMatchObject({ index: 1, count: 2 });
    expect(resolveShard('auto', slurm(2, 0, 2)).env).toEqual({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '2' });
  });

  it('refuses a missing, malformed or contradictory environment with one line', () => {
    const bad: [string, Record<string, string>, RegExp][] = [
      ['auto', {}, /no scheduler index in the environment \(JOB_COMPLETION_INDEX .*SLURM_ARRAY_TASK_ID/],
      ['auto/3', { SLURM_JOB_ID: '7' }, /no scheduler index/],
      ['auto', { JOB_COMPLETION_INDEX: '1' }, /no shard count: use --shard auto\/N or set CAMERAS_SHARD_COUNT/],
      ['auto/3', { JOB_COMPLETION_INDEX: '3' }, /JOB_COMPLETION_INDEX=3 is not below the shard count 3/],
      ['auto/3', { JOB_COMPLETION_INDEX: 'x' }, /JOB_COMPLETION_INDEX="x" is not an integer/],
      ['auto/3', { JOB_COMPLETION_INDEX: '-1' }, /not an integer/],
      ['auto/3', { JOB_COMPLETION_INDEX: '0', CAMERAS_SHARD_COUNT: '4' }, /give the count once, or the same/],
      ['auto/0', { JOB_COMPLETION_INDEX: '0' }, /expected auto or auto\/N/],
      ['auto/x', { JOB_COMPLETION_INDEX: '0' }, /expected auto or auto\/N/],
      ['auto/3', { JOB_COMPLETION_INDEX: '0', SLURM_ARRAY_TASK_ID: '0' }, /both JOB_COMPLETION_INDEX and SLURM_ARRAY_TASK_ID/],
      ['auto', { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '5', SLURM_ARRAY_TASK_COUNT: '3' }, /array has gaps .*give the count \(--shard auto\/N\)/],
      ['auto/3', { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '3' }, /SLURM_ARRAY_TASK_ID=3 is not below the shard count 3; with a count given the task ids are the shard indices \(--array=0-2/],
      ['auto', { SLURM_ARRAY_TASK_ID: '2' }, /no SLURM_ARRAY_TASK_COUNT or MIN\/MAX/],
      ['auto', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '3' }, /not a task of the array/],
      ['auto', { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '3' }, /gives shard 3, not below the shard count 3/],
      ['2/2', {}, /need 0 ≤ k < n/],
      ['autox', {}, /expected k\/n/],
    ];
    for (const [spec, env, msg] of bad) {
      expect(() => resolveShard(spec, env), `${spec} ${JSON.stringify(env)}`).toThrow(msg);
      try {
        resolveShard(spec, env);
      } catch (e) {
        expect((e as Error).message).not.toContain('\n');
      }
    }
  });
});

const tmp = () => mkdtempSync(path.join(tmpdir(), 'cameras-shard-'));

function plan(index: number, count: number, images: string[], over: Partial<ShardPlan> = {}): ShardPlan {
  return {
    metric: 'density', model: 'm', shard: { index, count, source: 'kubernetes', env: { JOB_COMPLETION_INDEX: String(index) } },
    methods: ['gradcam', 'center'], settings: { sizes: null, layer: null }, totalImages: 5, images, ...over,
  };
}

function writeResults(file: string, images: string[], methods: string[], settings: unknown = { sizes: null, layer: null }): void {
  writeFileSync(file, images.flatMap((im) => methods.map((m) => `${JSON.stringify({ key: recordKey(im, m), metric: 'density', model: 'm', image: im, method: m, entries: [], settings })}\n`)).join(''));
}

describe('shard folders', () => {
  it('tells complete, partial, missing and manifest-less shards apart', async () => {
    const dir = tmp();
    const f = (k: number) => path.join(dir, `density-m-shard-${k}-of-4.jsonl`);
    // Shard 0: complete. Shard 1: killed after one item. Shard 2: finished with a failed image. Shard 3: never ran.
    const m0 = await startManifest(manifestFile(f(0)), plan(0, 4, ['a', 'e']));
    writeResults(f(0), ['a', 'e'], ['gradcam', 'center']);
    await finishManifest(manifestFile(f(0)), m0, []);
    await startManifest(manifestFile(f(1)), plan(1, 4, ['b']));
    writeResults(f(1), ['b'], ['gradcam']);
    const m2 = await startManifest(manifestFile(f(2)), plan(2, 4, ['c']));
    await finishManifest(manifestFile(f(2)), m2, [{ image: 'c.png', error: 'not an image' }]);
    const folder = await scanShardFolder(dir);
    expect(folder.stem).toBe('density-m');
    expect(folder.shards.map((s) => [s.state, s.stored, s.expected])).toEqual([
      ['complete', 4, 4], ['partial', 1, 2], ['partial', 0, 2], ['missing', 0, undefined],
    ]);
    expect(folder.files).toEqual([f(0), f(1)]);
    const report = shardReport(folder);
    expect(report[0]).toBe('shard 0/4: complete, 4/4 items; kubernetes JOB_COMPLETION_INDEX=0');
    expect(report[1]).toMatch(/^shard 1\/4: partial, 1\/2 items; .*stopped or still running$/);
    expect(report[2]).toMatch(/^shard 2\/4: partial, 0\/2 items; .*1 image failed \(c\.png: not an image\)$/);
    expect(report[3]).toBe('shard 3/4: missing (no results)');
    expect(report[4]).toBe('1 of 4 shards complete; run again: 1,2,3');
    // Results of an older version, without a manifest: merged but not known complete.
    writeResults(f(3), ['d'], ['gradcam', 'center']);
    expect((await scanShardFolder(dir)).shards[3]).toMatchObject({ state: 'unknown', stored: 2 });
  });

  it('never merges shards of different settings, methods, splits or runs', async () => {
    const settings = tmp();
    await startManifest(manifestFile(path.join(settings, 'density-m-shard-0-of-2.jsonl')), plan(0, 2, ['a']));
    await startManifest(manifestFile(path.join(settings, 'density-m-shard-1-of-2.jsonl')), plan(1, 2, ['b'], { settings: { sizes: [224], layer: null } }));
    await expect(scanShardFolder(settings)).rejects.toThrow(/shards 0 and 1 .* ran with different settings \(\{"layer":null,"sizes":null\} and \{"layer":null,"sizes":\[224\]\}\): not merged/);
    const methods = tmp();
    await startManifest(manifestFile(path.join(methods, 'density-m-shard-0-of-2.jsonl')), plan(0, 2, ['a']));
    await startManifest(manifestFile(path.join(methods, 'density-m-shard-1-of-2.jsonl')), plan(1, 2, ['b'], { methods: ['gradcam'] }));
    await expect(scanShardFolder(methods)).rejects.toThrow(/different methods/);
    const splits = tmp();
    writeResults(path.join(splits, 'density-m-shard-0-of-2.jsonl'), ['a'], ['gradcam']);
    writeResults(path.join(splits, 'density-m-shard-0-of-3.jsonl'), ['a'], ['gradcam']);
    await expect(scanShardFolder(splits)).rejects.toThrow(/different splits \(of 2, of 3\)/);
    const runs = tmp();
    writeResults(path.join(runs, 'density-m-shard-0-of-2.jsonl'), ['a'], ['gradcam']);
    writeResults(path.join(runs, 'insertion-deletion-m-shard-0-of-2.jsonl'), ['a'], ['gradcam']);
    await expect(scanShardFolder(runs)).rejects.toThrow(/shards of 2 runs \(density-m, insertion-deletion-m\)/);
    await expect(scanShardFolder(tmp())).rejects.toThrow(/no shard results/);
    // Records without manifests are still compared by the settings they carry.
    const a = { key: 'a/g', settings: { sizes: null, layer: null } };
    expect(() => checkSameSettings([a, { key: 'b/g', settings: { layer: null, sizes: null } }], 'f')).not.toThrow();
    expect(() => checkSameSettings([a, { key: 'b/g', settings: { sizes: [224], layer: null } }], 'f')).toThrow(/"a\/g" and "b\/g" were made with different settings/);
  });

  it('refuses to restart a shard file over other images, and to replace results a merge lacks', async () => {
    const dir = tmp();
    const file = manifestFile(path.join(dir, 'density-m-shard-0-of-2.jsonl'));
    await startManifest(file, plan(0, 2, ['a', 'c']));
    await expect(startManifest(file, plan(0, 2, ['a', 'c'], { limit: 3, totalImages: 3 }))).rejects.toThrow(/started with another limit \(null\); use another --out/);
    await expect(startManifest(file, plan(0, 2, ['a', 'x']))).rejects.toThrow(/another images/);
    await expect(startManifest(file, plan(0, 2, ['a', 'c']))).resolves.toMatchObject({ state: 'running' });
    const merged = path.join(dir, 'density-m.jsonl');
    writeResults(merged, ['a', 'z'], ['gradcam']);
    await expect(checkMergeTarget(merged, [{ key: 'a/gradcam' }])).rejects.toThrow(/holds 1 result that the shards do not: not replaced/);
    await expect(checkMergeTarget(merged, [{ key: 'a/gradcam' }, { key: 'z/gradcam' }, { key: 'q/gradcam' }])).resolves.toBeUndefined();
    await expect(checkMergeTarget(path.join(dir, 'none.jsonl'), [])).resolves.toBeUndefined();
  });
});
