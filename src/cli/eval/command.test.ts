/**
 * `cameras eval` end to end, as child processes on the five VOC images: the pointing game with
 * the JSON summary, density runs sharded and merged, resume after SIGKILL, a bad image.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centerPoint, scorePoint } from '../../metrics/pointing-game.js';
import { PointingGameTally } from '../../metrics/pointing-tally.js';
import { availableImages, loadAnnotations } from '../../node/annotations.js';
import { readRunFile, type RunRecord } from '../../node/run-store.js';
import { describeShared, sharedPath } from '../../testing/shared.js';
import { runCli, type CliRun } from '../../testing/cli.js';

const VOC = sharedPath('data/voc07');
const describeVoc = describeShared('data/voc07', 'models/mobilenet_v1_0.25_224');
const ANN = path.join(VOC, 'test_annotations.json');
const MODEL = 'mobilenet_v1_0.25_224';

type Run = CliRun;

/** A CLI run may take minutes here (several methods over the VOC images on a loaded machine). */
function cameras(args: string[], onSpawn?: (child: ChildProcess) => void): Promise<Run> {
  return runCli(args, { onSpawn, timeoutMs: 10 * 60_000 });
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** Records without the volatile timing, keyed. */
async function stable(file: string): Promise<Map<string, RunRecord>> {
  const { records } = await readRunFile(file);
  const keys = records.map((r) => r.key);
  expect(new Set(keys).size).toBe(keys.length);
  return new Map(records.map(({ ms: _ms, ...r }) => [r.key, r as RunRecord]));
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cameras-eval-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describeVoc('cameras eval pointing-game', () => {
  it('prints per-method All and Difficult accuracy over the five VOC images as the last stdout line', async () => {
    const out = path.join(tmp, 'pg');
    const r = await cameras(['eval', 'pointing-game', '--images', VOC, '--annotations', ANN, '--model', MODEL,
      '--methods', 'cameras,gradcam,center', '--sizes', '224,324', '--json', '--out', out]);
    expect(r.stderr).not.toMatch(/failed: /);
    expect(r.code).toBe(0);
    const s = lastJson(r.stdout);
    expect(Object.keys(s)).toEqual(['metric', 'model', 'images', 'results', 'ci', 'n']);
    expect(s.metric).toBe('pointing-game');
    expect(s.model).toBe(MODEL);
    expect(s.images).toBe(5);
    const results = s.results as Record<string, { all: number; difficult: number }>;
    expect(Object.keys(results)).toEqual(['cameras', 'gradcam', 'center']);
    // CAMERAS also reports how many sizes its maps kept (mean) and how many maps kept one.
    expect(Object.keys(results.cameras!)).toEqual(['all', 'difficult', 'sizesUsedMean', 'singleScale']);
    const kept = results.cameras as unknown as { sizesUsedMean: number; singleScale: number };
    expect(kept.sizesUsedMean).toBeGreaterThanOrEqual(1);
    expect(kept.sizesUsedMean).toBeLessThanOrEqual(8);
    expect(kept.singleScale).toBeGreaterThanOrEqual(0);
    for (const v of Object.values(results)) {
      expect(Object.keys(v).slice(0, 2)).toEqual(['all', 'difficult']);
      expect(v.all).toBeGreaterThanOrEqual(0);
      expect(v.all).toBeLessThanOrEqual(1);
      expect(v.difficult).toBeGreaterThanOrEqual(0);
      expect(v.difficult).toBeLessThanOrEqual(1);
    }
    // The center baseline needs no model: recompute it from the library.
    const set = await loadAnnotations(ANN);
    const tally = new PointingGameTally(set.classNames);
    for (const im of await availableImages(set, VOC)) {
      for (const c of im.classes) tally.add(scorePoint(im.id, c, centerPoint(im.width, im.height), im.width, im.height));
    }
    expect(results.center!.all).toBeCloseTo(tally.meanAccuracy('all'), 12);
    expect(results.center!.difficult).toBeCloseTo(tally.meanAccuracy('difficult'), 12);
    // Files: one record per (image, method), the summary JSON, the Markdown table.
    const recs = await stable(path.join(out, `pointing-game-${MODEL}.jsonl`));
    expect(recs.size).toBe(15);
    const rec = recs.get('000456/cameras') as unknown as { entries: { className: string; all: string; target: number; point: { x: number; y: number } }[] };
    expect(rec.entries.map((e) => e.className)).toEqual(['bus', 'person']);
    for (const e of rec.entries) {
      expect(['hit', 'miss']).toContain(e.all);
      expect(e.point.x).toBeLessThan(500);
    }
    expect(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'))).toEqual(s);
    const md = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(md).toMatch(/\| Method \| All \(%\) \| Difficult \(%\) \| Sizes kept \(mean\) \| Single-scale maps \| n \|/);
    // Each value with its 95 % interval (classes, then outcomes within them, resampled), then the pairs behind it.
    const ci = s.ci as Record<string, Record<string, [number, number]>>;
    const n = s.n as Record<string, Record<string, number>>;
    const pct = (v: number) => (100 * v).toFixed(1);
    const withCi = (k: 'all' | 'difficult') => `${pct(results.center![k])} [${pct(ci.center![k]![0])}, ${pct(ci.center![k]![1])}]`;
    expect(md).toContain(`| center | ${withCi('all')} | ${withCi('difficult')} | — | — | ${n.center!.all} / ${n.center!.difficult} |`);
    expect(ci.center!.all![0]).toBeLessThanOrEqual(results.center!.all);
    expect(ci.center!.all![1]).toBeGreaterThanOrEqual(results.center!.all);
    expect(r.stderr).toContain('VOC_TO_IMAGENET');
    expect(r.stderr).toMatch(/15\/15 \(100\.0%\)/);
    // Resuming into the same folder with other CAMERAS sizes would mix results: refused.
    const other = await cameras(['eval', 'pointing-game', '--images', VOC, '--annotations', ANN, '--model', MODEL,
      '--methods', 'cameras', '--sizes', '224', '--out', out, '-q']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/other settings/);
    expect((await stable(path.join(out, `pointing-game-${MODEL}.jsonl`))).size).toBe(15);
    // The caption under the table of percentages says that its numbers are counts, and of what.
    expect(md).toMatch(/\nNumber of \(image, class\) pairs scored in each split, per method: cameras \d+ \(all\), \d+ \(difficult\); gradcam /);
    // Another metric into the same folder would replace this run's summary: refused, nothing computed.
    const density = await cameras(['eval', 'density', '--images', VOC, '--model', MODEL, '--methods', 'center', '--out', out, '-q']);
    expect(density.code).toBe(1);
    expect(density.stderr).toContain(`${path.join(out, 'summary.json')} already holds another run's summary (pointing-game, ${MODEL}): pass --overwrite`);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'))).toEqual(s);
    expect(fs.existsSync(path.join(out, `density-${MODEL}.jsonl`))).toBe(false);
  });

  it('--help lists the data-set options before the map and model options', async () => {
    const r = await cameras(['eval', 'pointing-game', '--help']);
    expect(r.code).toBe(0);
    const options = r.stdout.slice(r.stdout.indexOf('Options:'));
    const at = (flag: string) => options.indexOf(`${flag} `);
    for (const flag of ['--images', '--annotations', '--model']) expect(at(flag)).toBeGreaterThan(0);
    expect(at('--images')).toBeLessThan(at('--annotations'));
    expect(at('--annotations')).toBeLessThan(at('--model'));
    for (const generic of ['--layer', '--input-resize', '--preprocess', '--engine', '--backend']) expect(at('--model')).toBeLessThan(at(generic));
  });

  it('refuses bad usage with exit code 2', async () => {
    const noAnn = await cameras(['eval', 'pointing-game', '--images', VOC, '--model', MODEL, '--out', path.join(tmp, 'x')]);
    expect(noAnn.code).toBe(2);
    expect(noAnn.stderr).toMatch(/needs --annotations/);
    const badMethod = await cameras(['eval', 'density', '--images', VOC, '--model', MODEL, '--methods', 'gradcam,nosuch', '--out', path.join(tmp, 'x')]);
    expect(badMethod.code).toBe(2);
    expect(badMethod.stderr).toMatch(/unknown method "nosuch"/);
    const badShard = await cameras(['eval', 'density', '--images', VOC, '--model', MODEL, '--shard', '2/2', '--out', path.join(tmp, 'x')]);
    expect(badShard.code).toBe(2);
    const badOpts = await cameras(['eval', 'density', '--images', VOC, '--model', MODEL, '--method-options', '{"rise": 3}', '--out', path.join(tmp, 'x')]);
    expect(badOpts.code).toBe(2);
    expect(badOpts.stderr).toMatch(/options of "rise" must be an object/);
  });
});

describe('cameras eval with --annotations scores exactly the annotated images', () => {
  it('leaves an unannotated image out unless --include-unannotated, and reports intervals and counts', async () => {
    const dir = path.join(tmp, 'annotated');
    const made = await cameras(['scenes', '--n', '3', '--out', dir]);
    expect(made.code, made.stderr).toBe(0);
    fs.copyFileSync(path.join(dir, 'scene-1000000.png'), path.join(dir, 'extra.png'));
    const run = (out: string, ...more: string[]) =>
      cameras(['eval', 'density', '--images', dir, '--annotations', path.join(dir, 'annotations.json'), '--model', 'scenes', '--methods', 'center', '--out', path.join(tmp, out), '--json', '-q', ...more]);
    const only = await run('ann-only');
    expect(only.code, only.stderr).toBe(0);
    const s = lastJson(only.stdout) as { images: number; n: Record<string, Record<string, number>>; ci: Record<string, Record<string, [number, number]>>; results: Record<string, Record<string, number>> };
    expect(s.images).toBe(3);
    expect(s.n.center).toEqual({ rhoPlus: 3, rhoMinus: 3 });
    const [lo, hi] = s.ci.center!.rhoPlus!;
    expect(lo).toBeLessThanOrEqual(s.results.center!.rhoPlus!);
    expect(hi).toBeGreaterThanOrEqual(s.results.center!.rhoPlus!);
    expect(only.stderr).toMatch(/only the annotated images are scored/);
    const all = await run('ann-all', '--include-unannotated');
    expect(all.code, all.stderr).toBe(0);
    expect((lastJson(all.stdout) as { images: number }).images).toBe(4);
    // An annotated image whose class the model has no label for is skipped, not scored by its top-1.
    const coco = JSON.parse(fs.readFileSync(path.join(dir, 'annotations.json'), 'utf8')) as { categories: { id: number; name: string }[]; annotations: { image_id: number; category_id: number }[]; images: { id: number }[] };
    coco.categories.push({ id: 999, name: 'unicorn' });
    for (const ann of coco.annotations) if (ann.image_id === coco.images[0]!.id) ann.category_id = 999;
    const renamed = path.join(dir, 'unicorn.json');
    fs.writeFileSync(renamed, JSON.stringify(coco));
    const skip = await cameras(['eval', 'density', '--images', dir, '--annotations', renamed, '--model', 'scenes', '--methods', 'center', '--out', path.join(tmp, 'ann-unicorn'), '--json', '-q']);
    expect(skip.code, skip.stderr).toBe(0);
    expect(skip.stderr).toMatch(/class "unicorn" has no model label: skipped/);
    expect((lastJson(skip.stdout) as { n: Record<string, Record<string, number>> }).n.center).toEqual({ rhoPlus: 2, rhoMinus: 2 });
  }, 180_000);
});

describeVoc('cameras eval density: shards, merge, resume', () => {
  const args = (out: string, ...more: string[]) => ['eval', 'density', '--images', VOC, '--model', MODEL, '--methods', 'gradcam,center', '--out', out, ...more];
  let full: Map<string, RunRecord>;
  let fullSummary: Record<string, unknown>;

  beforeAll(async () => {
    const r = await cameras(args(path.join(tmp, 'full'), '--json'));
    expect(r.code).toBe(0);
    fullSummary = lastJson(r.stdout);
    full = await stable(path.join(tmp, 'full', `density-${MODEL}.jsonl`));
  });

  it('has one record per image and method with ρ⁺, ρ⁻ of the top-1 class', () => {
    expect(full.size).toBe(10);
    expect(fullSummary.images).toBe(5);
    const res = fullSummary.results as Record<string, Record<string, number>>;
    expect(Object.keys(res)).toEqual(['gradcam', 'center']);
    for (const v of Object.values(res)) {
      expect(Object.keys(v)).toEqual(['rhoPlus', 'rhoMinus']);
      expect(v.rhoPlus).toBeGreaterThan(0);
      expect(v.rhoMinus).toBeGreaterThan(0);
    }
    const g = full.get('000456/gradcam') as unknown as { entries: { target: number; rhoPlus: number; pPositive: number; mapMean: number }[] };
    expect(g.entries).toHaveLength(1);
    expect(g.entries[0]!.rhoPlus).toBeCloseTo(g.entries[0]!.pPositive / g.entries[0]!.mapMean, 6);
  });

  it('splits items between shards and merges them into the unsharded result', async () => {
    const out = path.join(tmp, 'shards');
    const [a, b] = await Promise.all([cameras(args(out, '--shard', '0/2', '-q')), cameras(args(out, '--shard', '1/2', '-q'))]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const f0 = path.join(out, `density-${MODEL}-shard-0-of-2.jsonl`);
    const f1 = path.join(out, `density-${MODEL}-shard-1-of-2.jsonl`);
    const s0 = await stable(f0);
    const s1 = await stable(f1);
    expect(s0.size + s1.size).toBe(10);
    expect(s0.size).toBe(6); // 3 of the 5 images (sorted ids, i mod 2 = 0) × 2 methods
    for (const k of s0.keys()) expect(s1.has(k)).toBe(false);
    for (const [k, v] of [...s0, ...s1]) expect(v).toEqual(full.get(k));
    expect(fs.existsSync(path.join(out, 'summary-shard-0-of-2.json'))).toBe(true);
    const m = await cameras(['eval', 'merge', f0, f1, '--json']);
    expect(m.code).toBe(0);
    const merged = lastJson(m.stdout);
    expect(merged.images).toBe(5);
    const want = fullSummary.results as Record<string, Record<string, number>>;
    const got = merged.results as Record<string, Record<string, number>>;
    expect(Object.keys(got)).toEqual(Object.keys(want));
    for (const meth of Object.keys(want)) for (const k of ['rhoPlus', 'rhoMinus']) expect(got[meth]![k]).toBeCloseTo(want[meth]![k]!, 12);
  });

  it('resumes after SIGKILL with nothing lost or repeated', async () => {
    const out = path.join(tmp, 'resume');
    const file = path.join(out, `density-${MODEL}.jsonl`);
    const lines = () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);
    const killed = await cameras(args(out, '-q'), (child) => {
      const timer = setInterval(() => {
        if (lines() >= 3) {
          child.kill('SIGKILL');
          clearInterval(timer);
        }
      }, 10);
      child.on('close', () => clearInterval(timer));
    });
    expect(killed.signal).toBe('SIGKILL');
    const before = await stable(file);
    expect(before.size).toBeGreaterThanOrEqual(3);
    expect(before.size).toBeLessThan(10);
    // A kill in the middle of a write leaves a partial line: it must be dropped and redone.
    fs.appendFileSync(file, '{"key":"000542/cen');
    const again = await cameras(args(out, '--json'));
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/partial last line/);
    expect(again.stderr).toContain(`${10 - before.size} items computed, ${before.size} already stored`);
    const after = await stable(file);
    expect(after.size).toBe(10);
    for (const [k, v] of before) expect(after.get(k)).toEqual(v);
    for (const [k, v] of after) expect(v).toEqual(full.get(k));
    expect(lastJson(again.stdout)).toEqual(fullSummary);
  });
});

describeVoc('cameras eval with a bad image and insertion/deletion', () => {
  it('reports a bad image on stderr, skips it and exits non-zero', async () => {
    const dir = path.join(tmp, 'bad-images');
    fs.mkdirSync(dir);
    for (const f of ['000456.jpg', '001150.jpg']) fs.symlinkSync(path.join(VOC, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'broken.jpg'), Buffer.from('\xff\xd8\xff\xe0 not really a JPEG', 'latin1'));
    const out = path.join(tmp, 'bad-out');
    const r = await cameras(['eval', 'insertion-deletion', '--images', dir, '--model', MODEL, '--methods', 'gradcam,center',
      '--curve-steps', '4', '--json', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.jpg: .*\(skipped\)/);
    expect(r.stderr).toMatch(/1 failed/);
    const s = lastJson(r.stdout);
    expect(s.metric).toBe('insertion-deletion');
    expect(s.images).toBe(2);
    const res = s.results as Record<string, Record<string, number>>;
    for (const v of Object.values(res)) {
      expect(Object.keys(v)).toEqual(['insertion', 'deletion']);
      for (const x of Object.values(v)) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1);
      }
    }
    const recs = await stable(path.join(out, `insertion-deletion-${MODEL}.jsonl`));
    expect([...recs.keys()].sort()).toEqual(['000456/center', '000456/gradcam', '001150/center', '001150/gradcam']);
    expect((recs.get('000456/gradcam') as unknown as { entries: { points: number }[] }).entries[0]!.points).toBe(5);
    expect(fs.readFileSync(path.join(out, 'summary.md'), 'utf8')).toMatch(/1 image failed/);
  });
});
