/**
 * Case 1: `cameras explain` on hostile and unusual image files, run as a real child process.
 * Bad files: exit ≠ 0, one stderr line naming the file, no stack trace (unless --verbose), nothing
 * in --out. Unusual but valid files: a map whose shape is the displayed image's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTemp, listFiles, PHOTOS, runCli, STACK_LINE, staleTempName, tempDir, type CliRun } from '../../src/testing/cli.js';
import { describeShared, itShared } from '../../src/testing/shared.js';

const MODEL = ['-m', 'mobilenet_v1_0.25_224', '--sizes', '224', '-q'];
/** Tests that run the zoo model from the shared mirror (and read the shared photos). */
const itMirror = itShared('models/mobilenet_v1_0.25_224', 'data/photos');
let dir: string;

function file(name: string, bytes: Uint8Array | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** A raw RGB picture as sharp input: left half red, right half blue. */
function halves(width: number, height: number) {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(x < width / 2 ? [220, 30, 30] : [30, 30, 220], (y * width + x) * 3);
  return sharp(data, { raw: { width, height, channels: 3 } });
}

/** A PNG chunk with its CRC from zlib. */
function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A 100-byte PNG that declares `w`×`h` pixels: a decompression bomb's header. */
function bombPng(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(64))), chunk('IEND', new Uint8Array(0))]);
}

/** Runs explain on one file into a fresh --out. */
async function explain(image: string, extra: string[] = []): Promise<{ run: CliRun; out: string }> {
  const out = tempDir('cameras-out-');
  const run = await runCli(['explain', image, ...MODEL, '-o', out, '--json', ...extra]);
  return { run, out };
}

/** The contract for a refused file. */
function expectRefused(run: CliRun, out: string, image: string, reason: RegExp): void {
  expect(run.signal, run.stderr).toBeNull();
  expect(run.code, run.stderr).not.toBe(0);
  expect(run.lines, run.stderr).toHaveLength(1);
  expect(run.lines[0]).toContain(image);
  expect(run.lines[0]).toMatch(reason);
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(run.stdout).toBe('');
  expect(listFiles(out)).toEqual([]);
}

interface Rec {
  image: string;
  mapShape: [number, number];
  files: Record<string, string>;
}

/** An accepted file: a map of the displayed size, finite values in [0, 1] (read back from the .npy). */
function expectMap(r: Rec, shape: [number, number]): void {
  expect(r.mapShape, r.image).toEqual(shape);
  const npy = readFileSync(r.files.npy);
  expect(npy.toString('latin1')).toContain(`'shape': (${shape[0]}, ${shape[1]})`);
  const headerLen = npy.readUInt16LE(8) + 10;
  const values = new Float32Array(npy.buffer.slice(npy.byteOffset + headerLen, npy.byteOffset + npy.length));
  expect(values.length).toBe(shape[0] * shape[1]);
  expect(values.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
}

beforeAll(() => {
  dir = tempDir('cameras-images-');
});
afterAll(cleanupTemp);

describe.concurrent('cameras explain refuses bad image files', () => {
  itMirror('a zero-byte file', async () => {
    const p = file('empty.jpg', '');
    const { run, out } = await explain(p);
    expectRefused(run, out, p, /empty/);
  });

  itMirror('a truncated JPEG', async () => {
    const jpg = readFileSync(path.join(PHOTOS, 'rocket.jpg'));
    const p = file('truncated.jpg', jpg.subarray(0, Math.floor(jpg.length / 3)));
    const { run, out } = await explain(p);
    expectRefused(run, out, p, /ends before|truncat/);
  });

  itMirror('corrupt bytes, text with an image extension, an unsupported format: each named on its own line, nothing written', async () => {
    const noise = Buffer.alloc(4096);
    for (let i = 0, s = 12345; i < noise.length; i++) noise[i] = (s = (s * 1103515245 + 12345) & 0x7fffffff) >> 16;
    const png = Buffer.from(await halves(64, 48).png().toBuffer());
    png[png.indexOf('IDAT', 0, 'latin1') + 20] ^= 0xff;
    const cases: [string, RegExp][] = [
      [file('noise.jpg', noise), /not a recognised image/],
      [file('damaged.png', png), /damaged|checksum|corrupt/i],
      [file('notes.png', 'these are not pixels\n'), /not a recognised image/],
      [file('vector.jpg', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), /SVG.*not supported/],
    ];
    const out = tempDir('cameras-out-');
    const run = await runCli(['explain', ...cases.map(([f]) => f), ...MODEL, '-o', out, '--json']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.stdout).toBe('');
    expect(run.lines, run.stderr).toHaveLength(cases.length + 1);
    cases.forEach(([f, reason], i) => {
      expect(run.lines[i].startsWith(`cameras: ${f}: `), run.lines[i]).toBe(true);
      expect(run.lines[i]).toMatch(reason);
    });
    expect(run.lines[cases.length]).toBe(`cameras: 0 of ${cases.length} images done; failed: ${cases.map(([f]) => f).join(', ')}`);
    expect(listFiles(out)).toEqual([]);
  });

  itMirror('a decompression bomb (a tiny PNG declaring 100000×100000) is refused above the default limit', async () => {
    const p = file('bomb.png', bombPng(100_000, 100_000));
    const { run, out } = await explain(p);
    expectRefused(run, out, p, /100000×100000.*exceeds the limit of 100\.0 MP/);
    expect(run.ms).toBeLessThan(60_000);
  });

  itMirror('--max-pixels sets the limit: an image at the limit decodes, one pixel column more is refused', async () => {
    const at = file('at-limit.png', await halves(40, 30).png().toBuffer());
    const over = file('over-limit.png', await halves(41, 30).png().toBuffer());
    const out = tempDir('cameras-out-');
    const run = await runCli(['explain', at, over, ...MODEL, '-o', out, '--json', '--max-pixels', '1200']);
    expect(run.code, run.stderr).toBe(1);
    const records = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { image: string; mapShape: number[] });
    expect(records.map((r) => [r.image, r.mapShape])).toEqual([[at, [30, 40]]]);
    expect(run.lines[0].startsWith(`cameras: ${over}: `)).toBe(true);
    expect(run.lines[0]).toMatch(/declared size 41×30 .*exceeds the limit/);
    expect(listFiles(out).filter((f) => f.includes('over-limit'))).toEqual([]);
  });

  it('a bad --max-pixels is a usage error (exit 2, one line), before any model or image is read', async () => {
    const { run, out } = await explain(file('unused.png', ''), ['--max-pixels', 'lots']);
    expect(run.code).toBe(2);
    expect(run.lines).toEqual(['cameras: --max-pixels must be an integer ≥ 1, got "lots"']);
    expect(listFiles(out)).toEqual([]);
  });

  itMirror('--verbose adds the stack trace, and only then', async () => {
    const p = file('verbose.jpg', '');
    const { run, out } = await explain(p, ['--verbose']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(STACK_LINE);
    expect(run.stderr).toContain(p);
    expect(listFiles(out)).toEqual([]);
  });
});

describeShared('models/mobilenet_v1_0.25_224', 'data/photos')('cameras explain decodes unusual but valid files, in display orientation', () => {
  it('PNG named .jpg, animated GIF, CMYK JPEG, 16-bit PNG, palette PNG, EXIF-rotated JPEG: maps of the displayed shape', async () => {
    const frame2 = await sharp(Buffer.alloc(40 * 20 * 3, 128), { raw: { width: 40, height: 20, channels: 3 } }).png().toBuffer();
    const gif = await sharp([await halves(40, 20).png().toBuffer(), frame2], { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const cmyk = await sharp(path.join(PHOTOS, 'chelsea.png')).resize(60, 40).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const deep = await halves(36, 24).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const palette = await halves(30, 50).png({ palette: true, colours: 4, dither: 0 }).toBuffer();
    expect(palette[25]).toBe(3); // IHDR colour type 3: indexed
    // Stored 64×40 with orientation 6 (rotate 90° clockwise): displayed 40 wide, 64 high.
    const rotated = await halves(64, 40).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(rotated).metadata()).orientation).toBe(6);
    const cases: [string, [number, number]][] = [
      [file('really-png.jpg', await halves(48, 32).png().toBuffer()), [32, 48]],
      [file('anim.gif', gif), [20, 40]],
      [file('cmyk.jpg', cmyk), [40, 60]],
      [file('deep.png', deep), [24, 36]],
      [file('palette.png', palette), [50, 30]],
      [file('rotated.jpg', rotated), [64, 40]],
    ];
    const out = tempDir('cameras-out-');
    const run = await runCli(['explain', ...cases.map(([f]) => f), ...MODEL, '-o', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const records = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Rec);
    expect(records.map((r) => r.image)).toEqual(cases.map(([f]) => f));
    records.forEach((r, i) => expectMap(r, cases[i][1]));
    expect(listFiles(out).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(listFiles(out)).toHaveLength(4 * cases.length);
  });
});

describeShared('models/mobilenet_v1_0.25_224', 'data/photos')('a multi-image run with one bad image', () => {
  it('finishes the others, reports the bad one, prints a summary and exits 1; stale temp files are removed', async () => {
    const good1 = file('good1.png', await halves(40, 30).png().toBuffer());
    const bad = file('bad.jpg', readFileSync(path.join(PHOTOS, 'rocket.jpg')).subarray(0, 5000));
    const good2 = file('good2.png', await halves(30, 40).png().toBuffer());
    const out = tempDir('cameras-out-');
    // A temp file left by an earlier run that was killed mid-write: cleaned up, never published.
    writeFileSync(path.join(out, staleTempName('good1.mobilenet_v1_0.25_224.cameras.png')), 'partial');
    const run = await runCli(['explain', good1, bad, good2, ...MODEL, '-o', out, '--json']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).not.toMatch(STACK_LINE);
    const records = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { image: string });
    expect(records.map((r) => r.image)).toEqual([good1, good2]);
    const badLines = run.lines.filter((l) => l.includes(bad));
    expect(badLines[0]).toMatch(/ends before|truncat/);
    expect(run.lines[run.lines.length - 1]).toBe(`cameras: 2 of 3 images done; failed: ${bad}`);
    const m = 'mobilenet_v1_0.25_224';
    expect(listFiles(out)).toEqual([`good1.${m}.cameras.json`, `good1.${m}.cameras.npy`, `good1.${m}.cameras.png`, `good1.${m}.cameras.raw.npy`, `good2.${m}.cameras.json`, `good2.${m}.cameras.npy`, `good2.${m}.cameras.png`, `good2.${m}.cameras.raw.npy`]);
  });
});
