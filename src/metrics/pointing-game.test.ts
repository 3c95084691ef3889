import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cocoBoxToPixels, decodeCocoRleString, regionsToMask, vocBoxToPixels } from './ground-truth.js';
import type { ClassTruth } from './pointing-game.js';
import { argmaxPoint, centerPoint, pointingHit, pointingSplits, scoreMap, scorePoint } from './pointing-game.js';
import { PointingGameTally } from './pointing-tally.js';
import { resizeMapBilinear } from './resize-map.js';
import { describeShared, sharedPath } from '../testing/shared.js';

const W = 100;
const H = 80;

/** A map that is 0 everywhere except `value` at (x, y). */
function peakMap(x: number, y: number, value = 1): Float32Array {
  const m = new Float32Array(W * H);
  m[y * W + x] = value;
  return m;
}

function truth(bbox: number[], extra: Partial<ClassTruth> = {}): ClassTruth {
  return { className: 'dog', classIndex: 11, regions: [vocBoxToPixels(bbox)], allDifficult: false, ...extra };
}

describe('vocBoxToPixels / regionsToMask', () => {
  it('turns a 1-based inclusive VOC box into 0-based inclusive pixels', () => {
    const b = vocBoxToPixels([1, 2, 3, 5]);
    expect(b).toEqual({ kind: 'box', x0: 0, y0: 1, x1: 2, y1: 4 });
    const mask = regionsToMask([b], 4, 6);
    const rows = Array.from({ length: 6 }, (_, y) => Array.from(mask.subarray(y * 4, y * 4 + 4)).join(''));
    expect(rows).toEqual(['0000', '1110', '1110', '1110', '1110', '0000']);
  });

  it('rasterises a polygon by pixel centres and a COCO box like its polygon', () => {
    const square = regionsToMask([{ kind: 'polygon', points: [1, 1, 4, 1, 4, 3, 1, 3] }], 6, 5);
    const viaBox = regionsToMask([cocoBoxToPixels([1, 1, 3, 2])], 6, 5);
    expect(Array.from(square)).toEqual(Array.from(viaBox));
    expect(square.reduce((s, v) => s + v, 0)).toBe(6);
    // Triangle: centres (0.5,0.5),(1.5,0.5),(0.5,1.5) lie below the diagonal x + y < 3.
    const tri = regionsToMask([{ kind: 'polygon', points: [0, 0, 3, 0, 0, 3] }], 3, 3);
    expect(Array.from(tri)).toEqual([1, 1, 0, 1, 0, 0, 0, 0, 0]);
    // A sub-pixel box keeps the pixel holding its centre.
    expect(cocoBoxToPixels([2.2, 3.1, 0.3, 0.2])).toEqual({ kind: 'box', x0: 2, y0: 3, x1: 2, y1: 3 });
  });

  it('decodes uncompressed and compressed COCO RLE (column-major)', () => {
    // "324O" = counts 3, 2, 4, then -1 + counts[1] = 1; "T3" = 100 (two 5-bit groups).
    expect(decodeCocoRleString('324O')).toEqual([3, 2, 4, 1]);
    expect(decodeCocoRleString('T3')).toEqual([100]);
    const mask = regionsToMask([{ kind: 'rle', counts: decodeCocoRleString('324O'), height: 2, width: 5 }], 5, 2);
    // Column-major pixels 3, 4 and 9 are set: (x=1,y=1), (x=2,y=0), (x=4,y=1).
    expect(Array.from(mask)).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0, 1]);
    expect(() => decodeCocoRleString('3\u0001')).toThrow(RangeError);
    expect(() => regionsToMask([{ kind: 'rle', counts: [5, 10], height: 2, width: 5 }], 5, 2)).toThrow(/more than/);
    expect(() => regionsToMask([{ kind: 'rle', counts: [1], height: 3, width: 5 }], 5, 2)).toThrow(/image is/);
  });
});

describe('argmaxPoint', () => {
  it('returns the first maximum in row-major order', () => {
    const m = new Float32Array(W * H);
    m[5 * W + 70] = 2;
    m[5 * W + 20] = 1;
    m[30 * W + 10] = 2;
    expect(argmaxPoint(m, W, H)).toEqual({ x: 70, y: 5 });
    m[5 * W + 20] = 2;
    expect(argmaxPoint(m, W, H)).toEqual({ x: 20, y: 5 });
    const flat = new Float32Array(W * H).fill(0.5);
    expect(argmaxPoint(flat, W, H)).toEqual({ x: 0, y: 0 });
  });

  it('ignores NaN and rejects bad input', () => {
    const m = new Float32Array(6).fill(Number.NaN);
    m[4] = -3;
    expect(argmaxPoint(m, 3, 2)).toEqual({ x: 1, y: 1 });
    expect(() => argmaxPoint(new Float32Array(6).fill(Number.NaN), 3, 2)).toThrow(/NaN/);
    expect(() => argmaxPoint(new Float32Array(5), 3, 2)).toThrow(RangeError);
    expect(() => argmaxPoint(new Float32Array(0), 0, 0)).toThrow(RangeError);
  });
});

describe('pointing game hit test', () => {
  // VOC box columns 41..60, rows 21..40 (1-based) = pixels x 40..59, y 20..39.
  const box = [41, 21, 60, 40];

  it('hits at 14 px and misses at 16 px and at exactly 15 px (strict)', () => {
    for (const [dx, expected] of [[14, 'hit'], [15, 'miss'], [16, 'miss']] as const) {
      const r = scoreMap('img', truth(box), peakMap(59 + dx, 30), W, H);
      expect(r.all).toBe(expected);
      expect(r.point).toEqual({ x: 59 + dx, y: 30 });
    }
    // Diagonal: (10, 11) from the corner is sqrt(221) = 14.87 < 15; (11, 11) is 15.56.
    expect(scoreMap('img', truth(box), peakMap(59 + 10, 39 + 11), W, H).all).toBe('hit');
    expect(scoreMap('img', truth(box), peakMap(59 + 11, 39 + 11), W, H).all).toBe('miss');
    // Above the box on the left: the first row of the box is y = 20.
    expect(scoreMap('img', truth(box), peakMap(40, 20 - 14), W, H).all).toBe('hit');
    expect(scoreMap('img', truth(box), peakMap(40, 20 - 16), W, H).all).toBe('miss');
  });

  it('uses the union of the class boxes and honours the tolerance argument', () => {
    const t = { ...truth(box), regions: [vocBoxToPixels(box), vocBoxToPixels([91, 71, 95, 75])] };
    expect(scoreMap('img', t, peakMap(92, 72), W, H).all).toBe('hit');
    expect(scoreMap('img', truth(box), peakMap(92, 72), W, H).all).toBe('miss');
    expect(scoreMap('img', truth(box), peakMap(59 + 14, 30), W, H, 5).all).toBe('miss');
  });

  it('accepts a fractional point (center baseline) and checks its arguments', () => {
    const c = centerPoint(W, H);
    expect(c).toEqual({ x: 50, y: 40 });
    const mask = regionsToMask([vocBoxToPixels([1, 1, 36, 80])], W, H); // x 0..35
    expect(pointingHit(mask, W, H, { x: 49.5, y: 40 })).toBe(true); // 14.5 px
    expect(pointingHit(mask, W, H, { x: 50, y: 40 })).toBe(false); // 15 px
    expect(() => pointingHit(mask, W, H, { x: Number.NaN, y: 0 })).toThrow(RangeError);
    expect(() => pointingHit(mask, W, H, c, 0)).toThrow(RangeError);
    expect(() => pointingHit(mask, W - 1, H, c)).toThrow(RangeError);
    expect(scorePoint('i', truth([1, 1, 36, 80]), c, W, H).all).toBe('miss');
  });

  it('skips classes whose boxes are all difficult and pairs outside the difficult subset', () => {
    expect(pointingSplits(truth(box, { allDifficult: true }))).toEqual({ all: false, difficult: false });
    expect(pointingSplits(truth(box, { difficultSubset: false }))).toEqual({ all: true, difficult: false });
    expect(pointingSplits(truth(box, { difficultSubset: true }))).toEqual({ all: true, difficult: true });
    expect(pointingSplits(truth(box))).toEqual({ all: true, difficult: true });
    const r = scoreMap('img', truth(box, { allDifficult: true, difficultSubset: true }), peakMap(45, 25), W, H);
    expect([r.all, r.difficult]).toEqual(['skipped', 'skipped']);
    const r2 = scoreMap('img', truth(box, { difficultSubset: false }), peakMap(45, 25), W, H);
    expect([r2.all, r2.difficult]).toEqual(['hit', 'skipped']);
  });
});

describe('PointingGameTally', () => {
  const classes = ['a', 'b', 'c'];
  const res = (classIndex: number, all: 'hit' | 'miss' | 'skipped', difficult: 'hit' | 'miss' | 'skipped') => ({
    imageId: 'x', classIndex, className: classes[classIndex]!, point: { x: 0, y: 0 }, all, difficult,
  });

  it('averages per-class accuracies, not pairs', () => {
    const t = new PointingGameTally(classes);
    // Class a: 3 hits, 1 miss (0.75); class b: 0 hits, 1 miss (0); class c: nothing.
    t.addAll([res(0, 'hit', 'hit'), res(0, 'hit', 'skipped'), res(0, 'hit', 'skipped'), res(0, 'miss', 'miss'), res(1, 'miss', 'skipped'), res(2, 'skipped', 'skipped')]);
    expect(t.meanAccuracy('all')).toBeCloseTo((0.75 + 0) / 2, 12);
    expect(t.meanAccuracy('all', 'all-classes')).toBeCloseTo(0.75 / 3, 12);
    expect(t.meanAccuracy('difficult')).toBeCloseTo(0.5, 12);
    const s = t.summary();
    expect(s.pairs).toEqual({ all: 5, difficult: 2 });
    expect(s.perClass.all[0]).toEqual({ className: 'a', hits: 3, misses: 1, accuracy: 0.75 });
    expect(Number.isNaN(s.perClass.all[2]!.accuracy)).toBe(true);
    expect(Number.isNaN(new PointingGameTally(classes).meanAccuracy('all'))).toBe(true);
  });

  it('rejects bad class indices and outcomes', () => {
    const t = new PointingGameTally(classes);
    expect(() => t.add(res(3, 'hit', 'hit'))).toThrow(RangeError);
    expect(() => t.add({ ...res(0, 'hit', 'hit'), all: 'maybe' as 'hit' })).toThrow(TypeError);
    expect(() => new PointingGameTally([])).toThrow(RangeError);
  });
});

describeShared('fixtures/resize')('resizeMapBilinear', () => {
  const dir = sharedPath('fixtures/resize');
  interface Case { input_shape: number[]; input: number[]; output_shape: number[]; sampled: boolean; indices?: number[]; outputs: { bilinear_align_corners_false: number[] | { values: number[]; indices?: number[] } } }

  it('matches PyTorch bilinear align_corners=False on the shared fixtures', () => {
    const files = ['up_2x2_to_5x5_c1', 'up_3x4_to_7x9_c3', 'down_9x9_to_4x4_c1', 'mixed_6x3_to_4x7_c2', 'same_5x5_to_5x5_c1', 'up_7x7_to_224x224_c2'];
    for (const f of files) {
      const c = JSON.parse(readFileSync(path.join(dir, `${f}.json`), 'utf8')) as Case & Record<string, unknown>;
      const [, C, h, w] = c.input_shape as [number, number, number, number];
      const [, , Hh, Ww] = c.output_shape as [number, number, number, number];
      const full = new Float32Array(C * Hh * Ww);
      for (let ch = 0; ch < C; ch++) {
        full.set(resizeMapBilinear(c.input.slice(ch * h * w, (ch + 1) * h * w), h, w, Hh, Ww), ch * Hh * Ww);
      }
      const out = c.outputs.bilinear_align_corners_false as unknown;
      const values: number[] = Array.isArray(out) ? out : (out as { values: number[] }).values;
      const indices: number[] | undefined = Array.isArray(out) ? undefined : ((out as { indices?: number[] }).indices ?? (c.indices as number[]));
      const tol = Hh >= 224 ? 2e-4 : 1e-5;
      values.forEach((v, k) => expect(Math.abs(full[indices ? indices[k]! : k]! - v)).toBeLessThan(tol));
    }
  });

  it('rejects bad sizes', () => {
    expect(() => resizeMapBilinear([1, 2, 3], 2, 2, 4, 4)).toThrow(RangeError);
    expect(() => resizeMapBilinear([1, 2, 3, 4], 2, 2, 0, 4)).toThrow(RangeError);
  });
});
