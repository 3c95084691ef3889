/**
 * `cameras explain` tells the user when CAMERAS is single-scale: a stderr warning line and a
 * `warnings` array in the JSON, and `--accept top:5` keeps more sizes on the same photo.
 */
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../testing/shared.js';
import { runCli } from '../testing/cli.js';

// MobileNet v1 0.25 keeps only 224 on this photo: its prediction changes at every larger size.
const PHOTO = sharedPath('data/photos/astronaut.png');

/** The CLI as a child process (the shared helper; a generous timeout for a loaded machine). */
const cameras = (args: string[]) => runCli(args, { env: { CAMERAS_OFFLINE: '1' }, timeoutMs: 300_000 });

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cameras-warnings-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describeShared('data/photos/astronaut.png', 'data/photos/coffee.png', 'models/mobilenet_v1_0.25_224')('explain: honest size reporting', () => {
  it('warns single-scale on stderr and in the JSON; --accept top:5 keeps more sizes', async () => {
    // Three sizes keep the test quick; the warning is the same with the default eight.
    const sizes = ['--sizes', '224,324,424'];
    const paper = await cameras(['explain', PHOTO, '-m', 'mobilenet_v1_0.25_224', ...sizes, '--json', '-q', '-o', path.join(tmp, 'a')]);
    expect(paper.code, paper.stderr).toBe(0);
    const r = JSON.parse(paper.stdout.trim().split('\n').pop()!);
    expect(r.accept).toBe('prediction');
    expect(r.sizesUsed).toEqual([224]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^single-scale: CAMERAS kept 1 of 3 sizes \(224\); dropped 324, 424 because the prediction changed there \(324 → "/);
    const lines = paper.stderr.split('\n').filter((l) => /warning/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(r.warnings[0]);

    const loose = await cameras(['explain', PHOTO, '-m', 'mobilenet_v1_0.25_224', ...sizes, '--json', '-q', '--accept', 'top:5', '-o', path.join(tmp, 'b')]);
    expect(loose.code, loose.stderr).toBe(0);
    const t = JSON.parse(loose.stdout.trim().split('\n').pop()!);
    expect(t.accept).toBe('top:5');
    expect(t.sizesUsed.length).toBeGreaterThan(1);
    expect(t.warnings.every((w: string) => !w.startsWith('single-scale'))).toBe(true);
  }, 300_000);

  it('gives no warning when most sizes are kept, and refuses an unknown policy before any work', async () => {
    const cat = sharedPath('data/photos/coffee.png');
    const ok = await cameras(['explain', cat, '-m', 'mobilenet_v1_0.25_224', '--sizes', '224,324,424', '--json', '-q', '-o', path.join(tmp, 'c')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout.trim()).warnings).toEqual([]);
    expect(ok.stderr).not.toMatch(/warning/);
    const bad = await cameras(['explain', cat, '-m', 'mobilenet_v1_0.25_224', '--accept', 'top:0', '-o', path.join(tmp, 'd')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--accept: unknown acceptance policy "top:0"/);
    expect(fs.existsSync(path.join(tmp, 'd'))).toBe(false);
  }, 300_000);
});
