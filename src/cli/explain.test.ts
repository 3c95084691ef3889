/**
 * `cameras explain` output files as child processes: names unique to the model and the image, no
 * file replaced without --overwrite (and the refusal before any work), --json records beside the
 * maps, one-line reasons for a bad --out, no empty folder after a run where everything failed,
 * and `--version`.
 */
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captionBelow } from '../analysis/contrast.js';
import { colorBar, figureFontScale } from '../image/colorbar.js';
import { createRgb8 } from '../image/rgb.js';
import type { SaliencyResult } from '../methods/types.js';
import { readImage } from '../node/image-io.js';
import { mapCaption } from './figures.js';
import { describeShared, sharedPath } from '../testing/shared.js';
import { runCli } from '../testing/cli.js';

const CAT = sharedPath('data/photos/chelsea.png');
const FAST = ['--sizes', '224', '-q'];

/** The CLI as a child process (the shared helper; a generous timeout for a loaded machine). */
const cameras = (args: string[]) => runCli(args, { env: { CAMERAS_OFFLINE: '1' }, timeoutMs: 300_000 });

const list = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
const maps = (stem: string, model: string, method = 'cameras'): string[] => ['npy', 'png', 'raw.npy'].map((e) => `${stem}.${model}.${method}.${e}`);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cameras-explain-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describeShared('data/photos/chelsea.png', 'models/mobilenet_v1_0.25_224', 'models/darknet_tiny')('cameras explain output names', () => {
  it('keeps both models\' files in one --out, and refuses to replace them before computing unless --overwrite', async () => {
    const out = path.join(tmp, 'two-models');
    const a = await cameras(['explain', CAT, '-m', 'mobilenet_v1_0.25_224', ...FAST, '--out', out]);
    expect(a.code, a.stderr).toBe(0);
    const b = await cameras(['explain', CAT, '-m', 'darknet_tiny', ...FAST, '--out', out]);
    expect(b.code, b.stderr).toBe(0);
    expect(list(out)).toEqual([...maps('chelsea', 'darknet_tiny'), ...maps('chelsea', 'mobilenet_v1_0.25_224')].sort());

    const first = path.join(out, 'chelsea.mobilenet_v1_0.25_224.cameras.png');
    const before = fs.readFileSync(first);
    fs.utimesSync(first, new Date(0), new Date(0));
    // Without -q a computing run prints progress: the refusal prints nothing but its reason.
    const again = await cameras(['explain', CAT, '-m', 'mobilenet_v1_0.25_224', '--sizes', '224', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toEqual([`cameras: ${first} already exists (and 2 more): pass --overwrite to replace it, or choose another --out`]);
    expect(fs.statSync(first).mtimeMs).toBe(0);
    expect(list(out)).toHaveLength(6);

    const forced = await cameras(['explain', CAT, '-m', 'mobilenet_v1_0.25_224', ...FAST, '--out', out, '--overwrite']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(fs.statSync(first).mtimeMs).toBeGreaterThan(0);
    expect(fs.readFileSync(first).equals(before)).toBe(true);
    expect(list(out)).toHaveLength(6);
  });

  it('gives owl.jpg and owl.png of one run two distinct sets of files', async () => {
    const dir = path.join(tmp, 'owls');
    fs.mkdirSync(dir);
    const png = path.join(dir, 'owl.png');
    const jpg = path.join(dir, 'owl.jpg');
    fs.copyFileSync(CAT, png);
    await sharp(CAT).flop().jpeg().toFile(jpg);
    const out = path.join(tmp, 'owls-out');
    const r = await cameras(['explain', jpg, png, '-m', 'mobilenet_v1_0.25_224', '--sizes', '224,260', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    // Progress gives sizes as width×height, like the README: the 451×300 photo at size 260.
    expect(r.stderr).toContain('cameras: size 260 (391×260) [2/2]');
    expect(r.stderr).toContain('2 of 2 images done');
    const m = 'mobilenet_v1_0.25_224';
    expect(list(out)).toEqual([...maps('owl-jpg', m), ...maps('owl-png', m)].sort());
    // A mirrored photo gives a different map: the files were not written over one another.
    expect(fs.readFileSync(path.join(out, `owl-jpg.${m}.cameras.npy`)).equals(fs.readFileSync(path.join(out, `owl-png.${m}.cameras.npy`)))).toBe(false);
  });

  it('refuses the same file name from two folders before loading anything, and creates no folder', async () => {
    const other = path.join(tmp, 'elsewhere');
    fs.mkdirSync(other);
    fs.copyFileSync(CAT, path.join(other, 'chelsea.png'));
    const out = path.join(tmp, 'never-made');
    const r = await cameras(['explain', CAT, path.join(other, 'chelsea.png'), '-m', 'no_such_model', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/chelsea\.png would write the same output files/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('with --json writes each printed object beside its maps', async () => {
    const out = path.join(tmp, 'json');
    const r = await cameras(['explain', CAT, '-m', 'mobilenet_v1_0.25_224', '--method', 'gradcam,cameras', ...FAST, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const rec = JSON.parse(line) as { method: string; files: { json: string; npy: string } };
      expect(rec.files.json).toBe(path.join(out, `chelsea.mobilenet_v1_0.25_224.${rec.method}.json`));
      expect(fs.readFileSync(rec.files.json, 'utf8')).toBe(`${line}\n`);
      expect(fs.existsSync(rec.files.npy)).toBe(true);
    }
    expect(list(out)).toHaveLength(8);
  });
});

describeShared('data/photos/chelsea.png', 'models/mobilenet_v1_0.25_224')('cameras explain --side-by-side', () => {
  it('captions every map with model, class, probability and sizes kept, and ends with a colour bar', async () => {
    const out = path.join(tmp, 'sbs');
    const r = await cameras(['explain', CAT, '-m', 'mobilenet_v1_0.25_224', '--method', 'cameras,gradcam', '--sizes', '224,324', '--side-by-side', '--colormap', 'viridis', '--out', out, '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as SaliencyResult & { files: { sideBySide: string } });
    const fig = await readImage(recs[0]!.files.sideBySide);
    // chelsea.png is 451×300: font scale 2; three panels 4 px apart under a 22-px title band.
    const scale = figureFontScale(451);
    expect(scale).toBe(2);
    expect(fig.width).toBe(3 * 451 + 2 * 4);
    const bar = colorBar('viridis', fig.width, { fontScale: scale });
    const rgb = (img: { width: number; data: ArrayLike<number> }, x: number, y: number) => [0, 1, 2].map((k) => img.data[(y * img.width + x) * 3 + k]);
    for (let y = 0; y < bar.height; y += 3) for (let x = 0; x < fig.width; x += 7) expect(rgb(fig, x, fig.height - bar.height + y)).toEqual(rgb(bar, x, y));
    const top = 22 + 4;
    recs.forEach((rec, i) => {
      // The caption rows of panel i + 1 are exactly the text of mapCaption for this record.
      const want = captionBelow(createRgb8(451, 300, [255, 255, 255]), mapCaption(rec, 'mobilenet_v1_0.25_224'), { fontScale: scale });
      const x0 = (i + 1) * (451 + 4);
      for (let y = 300; y < want.height; y++) for (let x = 0; x < 451; x += 2) expect(rgb(fig, x0 + x, top + y), `panel ${i + 1} (${rec.method}) at ${x},${y}`).toEqual(rgb(want, x, y));
    });
    expect(mapCaption(recs[0]!, 'm')).toEqual(['m', '285 Egyptian cat', `p=${recs[0]!.target.probability.toFixed(3)} (top-1)`, `sizes ${recs[0]!.sizesUsed.join(',')}${recs[0]!.sizesRejected.length ? ` (${recs[0]!.sizesRejected.length} rejected)` : ''}`]);
  });
});

describeShared('data/photos/chelsea.png', 'models/mobilenet_v1_0.25_224')('cameras explain errors', () => {
  it('--out naming an existing file: one line with the reason, exit 2', async () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    const r = await cameras(['explain', CAT, '-m', 'mobilenet_v1_0.25_224', '--out', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`cameras: --out ${file}: is a file, not a folder`]);
    const below = await cameras(['explain', CAT, '-m', 'mobilenet_v1_0.25_224', '--out', path.join(file, 'sub')]);
    expect(below.code).not.toBe(0);
    expect(below.stderr).not.toMatch(/EEXIST|ENOTDIR/);
    expect(below.stderr).toMatch(/^cameras: --out .*sub: /);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  it('leaves no output folder behind a run in which every image failed', async () => {
    const bad = path.join(tmp, 'bad.png');
    fs.writeFileSync(bad, 'not a PNG');
    const out = path.join(tmp, 'nothing', 'inside');
    const r = await cameras(['explain', bad, path.join(tmp, 'missing.jpg'), '-m', 'mobilenet_v1_0.25_224', ...FAST, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('0 of 2 images done');
    expect(fs.existsSync(path.join(tmp, 'nothing'))).toBe(false);
  });
});

describe('cameras --version', () => {
  it('prints the package version for --version and -V', async () => {
    const { version } = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await cameras([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});
