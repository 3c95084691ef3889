/**
 * A cluster run without a cluster: local worker processes get the environment a Kubernetes Indexed
 * Job or a Slurm job array gives its pods/tasks, all write into one output folder with
 * `--shard auto`, one is killed mid-run and started again (a pod retry, a requeue), and
 * `cameras eval merge --out DIR` must give the unsharded run's records and summary.
 * Cheap on purpose: 9 generated scenes, the embedded model, two CAMERAS sizes.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunFile, type RunRecord } from '../../node/run-store.js';
import { runCli, type CliRun } from '../../testing/cli.js';

const METHODS = 'cameras,gradcam,center';

type Run = CliRun;

/** The scheduler variables of the parent are removed: the test decides what a worker sees. */
function schedulerFree(): Record<string, undefined> {
  return Object.fromEntries(Object.keys(process.env).filter((k) => /^(JOB_COMPLETION_INDEX|SLURM_|CAMERAS_SHARD_COUNT)/.test(k)).map((k) => [k, undefined]));
}

function cameras(args: string[], env: Record<string, string> = {}, onSpawn?: (child: ChildProcess) => void): Promise<Run> {
  return runCli(args, { env: { ...schedulerFree(), CAMERAS_OFFLINE: '1', ...env }, onSpawn, timeoutMs: 10 * 60_000 });
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** Records without the volatile timing, keyed; every key once. */
async function stable(file: string): Promise<Map<string, RunRecord>> {
  const { records } = await readRunFile(file);
  expect(new Set(records.map((r) => r.key)).size).toBe(records.length);
  return new Map(records.map(({ ms: _ms, ...r }) => [r.key, r as RunRecord]));
}

/** Kills the worker with SIGKILL once its results file holds a first line. */
function killAfterFirstItem(file: string) {
  return (child: ChildProcess) => {
    const timer = setInterval(() => {
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('\n')) {
        child.kill('SIGKILL');
        clearInterval(timer);
      }
    }, 5);
    child.on('close', () => clearInterval(timer));
  };
}

let tmp: string;
let data: string;
let full: Map<string, RunRecord>;
let fullSummary: Record<string, unknown>;
const evalArgs = (out: string, ...more: string[]) => ['eval', 'pointing-game', '--images', data, '--annotations', path.join(data, 'annotations.json'),
  '--model', 'scenes', '--methods', METHODS, '--sizes', '224,288', '-q', '--out', out, ...more];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cameras-scale-out-'));
  data = path.join(tmp, 'data');
  expect((await cameras(['scenes', '--n', '9', '--objects', '2', '--out', data, '-q'])).code).toBe(0);
  const r = await cameras(evalArgs(path.join(tmp, 'full'), '--json'));
  expect(r.code).toBe(0);
  fullSummary = lastJson(r.stdout);
  full = await stable(path.join(tmp, 'full', 'pointing-game-scenes.jsonl'));
  expect(full.size).toBe(27);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The merged folder equals the unsharded run, item for item, and in its summary. */
async function expectSameAsUnsharded(out: string, merge: Run): Promise<void> {
  expect(merge.code).toBe(0);
  expect(merge.stderr).toContain('all 3 shards complete');
  expect(lastJson(merge.stdout)).toEqual(fullSummary);
  const merged = await stable(path.join(out, 'pointing-game-scenes.jsonl'));
  expect([...merged.keys()].sort()).toEqual([...full.keys()].sort());
  for (const [k, v] of merged) expect(v).toEqual(full.get(k));
  expect(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'))).toEqual(fullSummary);
  expect(fs.readFileSync(path.join(out, 'summary.md'), 'utf8')).toBe(fs.readFileSync(path.join(tmp, 'full', 'summary.md'), 'utf8'));
}

describe('cameras eval --shard auto on one shared --out', () => {
  it('Kubernetes Indexed Job: JOB_COMPLETION_INDEX=0,1,2 with --shard auto/3, one pod killed and retried, then merge', async () => {
    const out = path.join(tmp, 'k8s');
    const shardFile = (k: number) => path.join(out, `pointing-game-scenes-shard-${k}-of-3.jsonl`);
    const pod = (k: number, onSpawn?: (c: ChildProcess) => void) => cameras(evalArgs(out, '--shard', 'auto/3'), { JOB_COMPLETION_INDEX: String(k) }, onSpawn);
    const [p0, p1, p2] = await Promise.all([pod(0), pod(1, killAfterFirstItem(shardFile(1))), pod(2)]);
    expect(p0.code).toBe(0);
    expect(p2.code).toBe(0);
    expect(p0.stderr).toContain('shard 0/3 (kubernetes: JOB_COMPLETION_INDEX=0)');
    expect(p1.signal).toBe('SIGKILL');
    const killed = await stable(shardFile(1));
    expect(killed.size).toBeGreaterThanOrEqual(1);
    expect(killed.size).toBeLessThan(9);

    // Before the retry: what is there is merged, and the killed shard is named.
    const early = await cameras(['eval', 'merge', '--out', out, '--json']);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('shard 0/3: complete, 9/9 items; kubernetes JOB_COMPLETION_INDEX=0');
    expect(early.stderr).toMatch(new RegExp(`shard 1/3: partial, ${killed.size}/9 items; kubernetes JOB_COMPLETION_INDEX=1; worker on .* stopped or still running`));
    expect(early.stderr).toContain('2 of 3 shards complete; run again: 1');
    expect(lastJson(early.stdout).images).toBe(6 + new Set([...killed.values()].map((r) => r.image)).size);

    // The retried pod resumes: nothing repeated, nothing lost.
    const retry = await pod(1);
    expect(retry.code).toBe(0);
    expect(retry.stderr).toMatch(/taking over from .* which stopped/);
    expect(retry.stderr).toContain(`${9 - killed.size} items computed, ${killed.size} already stored`);
    for (const [k, v] of killed) expect((await stable(shardFile(1))).get(k)).toEqual(v);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'pointing-game-scenes-shard-1-of-3.shard.json'), 'utf8'))).toMatchObject({
      shard: { index: 1, count: 3, source: 'kubernetes', env: { JOB_COMPLETION_INDEX: '1' } }, state: 'finished', failed: [],
    });
    expect(fs.existsSync(`${shardFile(1)}.lock`)).toBe(false);
    await expectSameAsUnsharded(out, await cameras(['eval', 'merge', '--out', out, '--json']));
  });

  it('Slurm job array: SLURM_ARRAY_TASK_ID=1..3 with MIN/MAX/COUNT and --shard auto, one task killed and requeued, one late', async () => {
    const out = path.join(tmp, 'slurm');
    const shardFile = (k: number) => path.join(out, `pointing-game-scenes-shard-${k}-of-3.jsonl`);
    // sbatch --array=1-3: tasks 1, 2, 3 are shards 0, 1, 2.
    const task = (id: number, onSpawn?: (c: ChildProcess) => void) => cameras(evalArgs(out, '--shard', 'auto'),
      { SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '3', SLURM_ARRAY_TASK_COUNT: '3' }, onSpawn);
    const [t1, t2] = await Promise.all([task(1), task(2, killAfterFirstItem(shardFile(1)))]);
    expect(t1.code).toBe(0);
    expect(t1.stderr).toContain('shard 0/3 (slurm: SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3 SLURM_ARRAY_TASK_COUNT=3)');
    expect(t2.signal).toBe('SIGKILL');
    const early = await cameras(['eval', 'merge', '--out', out]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/shard 1\/3: partial, \d\/9 items; slurm SLURM_ARRAY_TASK_ID=2 /);
    expect(early.stderr).toContain('shard 2/3: missing (no results)');
    expect(early.stderr).toContain('1 of 3 shards complete; run again: 1,2');
    expect(fs.readFileSync(path.join(out, 'summary.md'), 'utf8')).toContain('Incomplete: 1 of 3 shards complete; run again: 1,2.');
    // The requeued task and the late one run side by side.
    const [t2again, t3] = await Promise.all([task(2), task(3)]);
    expect(t2again.code).toBe(0);
    expect(t3.code).toBe(0);
    expect(t2again.stderr).toMatch(/items computed, [1-8] already stored/);
    await expectSameAsUnsharded(out, await cameras(['eval', 'merge', '--out', out, '--json']));
    // A shard of another split in the same folder is never merged in.
    fs.copyFileSync(shardFile(0), path.join(out, 'pointing-game-scenes-shard-0-of-2.jsonl'));
    const mixed = await cameras(['eval', 'merge', '--out', out]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/different splits \(of 2, of 3\)/);
  });

  it('refuses --shard auto without a scheduler, and a worker of other settings in the same folder', async () => {
    const none = await cameras(evalArgs(path.join(tmp, 'none'), '--shard', 'auto'));
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toMatch(/^cameras: --shard auto: no scheduler index in the environment \(JOB_COMPLETION_INDEX .*\); give --shard k\/n$/);
    // A worker with other CAMERAS sizes into the Kubernetes folder: its shard file holds other settings.
    const other = await cameras(['eval', 'pointing-game', '--images', data, '--annotations', path.join(data, 'annotations.json'), '--model', 'scenes',
      '--methods', METHODS, '--sizes', '224', '-q', '--out', path.join(tmp, 'k8s'), '--shard', 'auto/3'], { JOB_COMPLETION_INDEX: '0' });
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/other settings/);
  });
});
