/**
 * `cameras compare` and the analysis commands end to end as child processes (small sizes so that
 * each run takes seconds), plus the target parsing.
 */
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from '../node/image-io.js';
import { parseTargets, resolveTargets } from './compare.js';
import { colorBar } from '../image/colorbar.js';
import { colormapLut } from '../image/colormap.js';
import { describeShared, itShared, sharedPath } from '../testing/shared.js';
import { runCli, type CliRun } from '../testing/cli.js';

const CAT = sharedPath('data/photos/chelsea.png');

function cameras(args: string[]): Promise<CliRun> {
  return runCli(args, { timeoutMs: 5 * 60_000 });
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cameras-compare-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('--targets', () => {
  it('parses topN and lists of indices and labels', () => {
    expect(parseTargets('top3')).toEqual({ top: 3 });
    expect(parseTargets('5, tabby ,7')).toEqual({ list: [5, 'tabby', 7] });
    expect(() => parseTargets('top0')).toThrow(/N ≥ 1/);
    expect(() => parseTargets(' , ')).toThrow(/empty/);
    const logits = [0.1, 3, -1, 2];
    expect(resolveTargets({ top: 2 }, logits)).toEqual([1, 3]);
    expect(resolveTargets({ top: 9 }, logits)).toEqual([1, 3, 0, 2]);
    expect(resolveTargets({ list: [2, 'dog'] }, logits, ['cat', 'dog', 'fish', 'bird'])).toEqual([2, 1]);
    expect(() => resolveTargets({ list: [4] }, logits)).toThrow(/out of range/);
  });
});

describeShared('data/photos/chelsea.png', 'models/mobilenet_v1_0.25_224')('cameras compare', () => {
  it('writes a captioned grid (rows = classes, columns = methods), the contrast figure and JSON', async () => {
    const out = path.join(tmp, 'cmp');
    const r = await cameras(['compare', CAT, '--models', 'mobilenet_v1_0.25_224', '--targets', 'top2', '--methods', 'gradcam,cameras', '--sizes', '224,260', '--cell-size', '128', '--out', out, '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const rec = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(rec.cells).toHaveLength(4);
    expect(rec.cells.map((c: { method: string }) => c.method)).toEqual(['gradcam', 'cameras', 'gradcam', 'cameras']);
    const [t1, t2] = [rec.cells[0].target, rec.cells[2].target];
    expect(t1.probability).toBeGreaterThanOrEqual(t2.probability);
    expect(rec.cells[0].predicted.index).toBe(t1.index);
    expect(rec.cells[1].sizesUsed.length + rec.cells[1].sizesRejected.length).toBe(2);
    expect(rec.contrast).toHaveLength(2);
    expect(rec.contrast[0].pixelsAOverB + rec.contrast[0].pixelsBOverA).toBeLessThanOrEqual(1);
    const g = await readImage(rec.files.grid);
    // chelsea.png is 451×300: cells 128×85 plus four 9-px caption lines and 2 px.
    const cellH = 85 + 4 * 9 + 2;
    expect(g.width).toBe(128 + 6 + 128);
    // Below the grid, a colour bar of the colormap, from 0 at the left to 1 at the right.
    const barH = colorBar('jet', g.width).height;
    expect(g.height).toBe(11 + 6 + cellH + 6 + cellH + barH);
    const barRow = g.height - barH + 2 + 4;
    const lut = colormapLut('jet');
    const px = (x: number) => Array.from(g.data.subarray((barRow * g.width + x) * 3, (barRow * g.width + x) * 3 + 3));
    expect(px(2)).toEqual(Array.from(lut.subarray(0, 3)));
    expect(px(g.width - 3)).toEqual(Array.from(lut.subarray(765, 768)));
    // Caption text (black pixels) under the first cell.
    let dark = 0;
    for (let y = 11 + 6 + 85; y < 11 + 6 + cellH; y++) for (let x = 0; x < 128; x++) if (g.data[(y * g.width + x) * 3] < 40) dark++;
    expect(dark).toBeGreaterThan(50);
    const c = await readImage(rec.files.contrast);
    expect(c.width).toBe(3 * 128 + 2 * 6);
    expect(fs.existsSync(path.join(out, 'chelsea.compare.json'))).toBe(true);
    // The same run again would replace those files: refused before any model loads.
    const again = await cameras(['compare', CAT, '--models', 'no_such_model', '--targets', 'top2', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toEqual([`cameras: ${path.join(out, 'chelsea.compare.png')} already exists (and 2 more): pass --overwrite to replace it, or choose another --out`]);
  });

  it('refuses bad options with a one-line usage error', async () => {
    const r = await cameras(['compare', CAT, '--models', 'mobilenet_v1_0.25_224', '--methods', 'nope', '--out', path.join(tmp, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown method "nope"/);
    const t = await cameras(['compare', CAT, '--models', 'mobilenet_v1_0.25_224', '--targets', 'no such class', '--methods', 'gradcam', '--out', path.join(tmp, 'bad')]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/unknown label/);
  });
});

describe('cameras sanity / attack / eval scenes never replace earlier results unasked', () => {
  // A model that does not exist: a refusal that came after loading would name it instead.
  const cases: [string, string, string[]][] = [
    ['sanity', 'sanity-summary.json', ['sanity', '--images', CAT, '--model', 'no_such_model']],
    ['sanity --adversarial', 'adversarial-summary.json', ['sanity', '--adversarial', '--images', CAT, '--model', 'no_such_model']],
    ['attack', 'attack-summary.json', ['attack', '--images', CAT, '--model', 'no_such_model']],
    ['eval scenes', 'summary.md', ['eval', 'scenes', '--model', 'no_such_model']],
  ];
  for (const [what, existing, args] of cases) {
    // The image must exist: the CLI checks its inputs before the outputs it would replace.
    (args.includes(CAT) ? itShared('data/photos/chelsea.png') : it)(`${what}: refuses before loading the model when ${existing} exists in --out`, async () => {
      const out = fs.mkdtempSync(path.join(tmp, 'keep-'));
      fs.writeFileSync(path.join(out, existing), 'earlier results');
      const r = await cameras([...args, '--out', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/already exists.*pass --overwrite/);
      expect(r.stderr).not.toMatch(/no_such_model/);
      expect(fs.readFileSync(path.join(out, existing), 'utf8')).toBe('earlier results');
    });
  }

  it('scenes: a second run into the folder is refused unless --overwrite', async () => {
    const out = path.join(tmp, 'scenes');
    const args = ['scenes', '--n', '2', '--width', '32', '--out', out, '-q'];
    expect((await cameras(args)).code).toBe(0);
    const names = fs.readdirSync(out).sort();
    expect(names).toEqual(['annotations.json', 'labels.json', 'scene-1000000.png', 'scene-1000001.png']);
    const again = await cameras(['scenes', '--n', '3', '--seed', '1000001', '--width', '32', '--out', out, '-q']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${path.join(out, 'scene-1000001.png')} already exists (and 2 more): pass --overwrite`);
    expect(fs.readdirSync(out).sort()).toEqual(names);
    expect((await cameras([...args, '--overwrite'])).code).toBe(0);
  });

  itShared('data/photos/chelsea.png', 'models/mobilenet_v1_0.25_224')('sanity: two images with one stem get two sets of files', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'owls-'));
    fs.copyFileSync(CAT, path.join(dir, 'owl.png'));
    await sharp(CAT).resize(96).jpeg().toFile(path.join(dir, 'owl.jpg'));
    const out = path.join(tmp, 'owls-sanity');
    const r = await cameras(['sanity', '--images', dir, '--model', 'mobilenet_v1_0.25_224', '--methods', 'gradcam', '--variants', 'independent', '--max-steps', '1', '--max-side', '64', '--compare-size', '32', '--out', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['owl-jpg.independent.png', 'owl-jpg.independent.svg', 'owl-jpg.sanity.json', 'owl-png.independent.png', 'owl-png.independent.svg', 'owl-png.sanity.json', 'sanity-summary.json']);
  });
});

describeShared('data/photos/chelsea.png')('cameras sanity / attack usage errors', () => {
  it('refuses bad options before loading anything', async () => {
    const norm = await cameras(['sanity', '--adversarial', '--images', CAT, '--model', 'mobilenet_v1_0.25_224', '--norm', 'l3', '--out', path.join(tmp, 's')]);
    expect(norm.code).toBe(2);
    expect(norm.stderr).toMatch(/--norm must be l2 or linf/);
    const missing = await cameras(['sanity', '--images', path.join(tmp, 'nope.png'), '--out', path.join(tmp, 's')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file or folder/);
    // --resume refuses the records of another threat model instead of mixing two protocols.
    const prior = path.join(tmp, 'adv-resume');
    fs.mkdirSync(prior, { recursive: true });
    fs.writeFileSync(path.join(prior, 'adversarial-check.jsonl'), `${JSON.stringify({ image: CAT, norm: 'linf', flipped: false, methods: {}, random: {} })}\n`);
    const resume = await cameras(['sanity', '--adversarial', '--resume', '--images', CAT, '--model', 'mobilenet_v1_0.25_224', '--out', prior]);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/--resume: .* holds a run with --norm linf/);
    const eps = await cameras(['attack', '--images', CAT, '--epsilon', '-1']);
    expect(eps.code).toBe(2);
    expect(eps.stderr).toMatch(/--epsilon must be a positive number/);
  });
});

describeShared('data/photos/chelsea.png', 'models/mobilenet_v1_0.25_224')('cameras attack --json', () => {
  it('prints fooling rates, reductions and their intervals with the counts behind them', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'attack-'));
    fs.copyFileSync(CAT, path.join(dir, 'a.png'));
    await sharp(CAT).flop().resize(256).jpeg().toFile(path.join(dir, 'b.jpg'));
    // Two images, two CAMERAS sizes and a 6-step budget keep this to seconds.
    const r = await cameras(['attack', '--images', dir, '--model', 'mobilenet_v1_0.25_224', '--sizes', '224,324', '--steps', '6', '--step', '2', '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.images).toBe(2);
    expect(s.protocol).toMatchObject({ epsilon: 16, stepSize: 2, steps: 6, beta: 50, norm: 'linf', minConfidence: 0, sizes: [224, 324] });
    for (const k of ['plain', 'focused'] as const) {
      expect(Number.isInteger(s.fooled[k])).toBe(true);
      expect(s.foolingRate[k]).toBeCloseTo(s.fooled[k] / 2, 12);
    }
    // Sign steps of 2/255 from zero: plain PGD on MobileNet flips the least-likely class within 6 steps.
    expect(s.fooled.plain).toBe(2);
    expect(s.both).toBeLessThanOrEqual(Math.min(s.fooled.plain, s.fooled.focused));
    if (s.both > 0) {
      expect(s.reductionPercent.l2).toBeCloseTo(100 * (1 - s.focused.l2 / s.plain.l2), 9);
      for (const [lo, hi] of [s.intervals.plain.l2, s.intervals.focused.l2, s.intervals.reductionPercent.l2, s.intervals.reductionPercent.linf]) expect(lo).toBeLessThanOrEqual(hi);
      expect(s.intervals.plain.l2[0]).toBeLessThanOrEqual(s.plain.l2);
      expect(s.intervals.plain.l2[1]).toBeGreaterThanOrEqual(s.plain.l2);
    } else expect(s.intervals.reductionPercent.l2).toEqual([null, null]);
  }, 120_000);

  it('refuses a confidence of 1 and an unknown norm', async () => {
    const c = await cameras(['attack', '--images', CAT, '--min-confidence', '1']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--min-confidence must be below 1/);
    const n = await cameras(['attack', '--images', CAT, '--norm', 'l1']);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/--norm must be linf or l2/);
  });
});
