import { describe, expect, it } from 'vitest';
import { PointingGameTally } from '../../metrics/pointing-tally.js';
import type { PointingOutcome } from '../../metrics/pointing-game.js';
import type { EvalRecord } from './records.js';
import { checkRecords, recordKey, summarizeRecords } from './records.js';
import { summaryMarkdown } from '../../metrics/summary.js';

function pg(image: string, method: string, entries: [number, string, PointingOutcome, PointingOutcome][]): EvalRecord {
  return {
    key: recordKey(image, method),
    metric: 'pointing-game',
    model: 'm',
    image,
    method,
    entries: entries.map(([classIndex, className, all, difficult]) => ({ classIndex, className, target: 0, point: { x: 0, y: 0 }, all, difficult })),
    ms: 1,
  };
}

describe('summarizeRecords', () => {
  it('gives the pointing-game tally of the stored entries, methods in the asked order', () => {
    const recs = [
      pg('a', 'x', [[1, 'bus', 'hit', 'skipped'], [4, 'dog', 'miss', 'miss']]),
      pg('b', 'x', [[4, 'dog', 'hit', 'hit']]),
      pg('a', 'y', [[1, 'bus', 'miss', 'skipped'], [4, 'dog', 'hit', 'hit']]),
    ];
    const s = summarizeRecords('pointing-game', 'm', recs, ['y', 'x']);
    expect(Object.keys(s.summary.results)).toEqual(['y', 'x']);
    expect(s.summary.images).toBe(2);
    const t = new PointingGameTally(['c0', 'bus', 'c2', 'c3', 'dog']);
    t.add({ imageId: 'a', classIndex: 1, className: 'bus', point: { x: 0, y: 0 }, all: 'hit', difficult: 'skipped' });
    t.add({ imageId: 'a', classIndex: 4, className: 'dog', point: { x: 0, y: 0 }, all: 'miss', difficult: 'miss' });
    t.add({ imageId: 'b', classIndex: 4, className: 'dog', point: { x: 0, y: 0 }, all: 'hit', difficult: 'hit' });
    expect(s.summary.results.x).toEqual({ all: t.meanAccuracy('all'), difficult: t.meanAccuracy('difficult') });
    // x: bus 1/1, dog 1/2 → 0.75; difficult: dog 1/2.
    expect(s.summary.results.x!.all).toBeCloseTo(0.75, 12);
    expect(s.summary.results.y).toEqual({ all: 0.5, difficult: 1 });
    expect(s.counts.x).toEqual({ all: 3, difficult: 2 });
  });

  it('averages density entries, leaving out null (NaN) values', () => {
    const rec = (image: string, method: string, vals: [number | null, number | null][]): EvalRecord => ({
      key: recordKey(image, method), metric: 'density', model: 'm', image, method, ms: 0,
      entries: vals.map(([rhoPlus, rhoMinus]) => ({ target: 1, rhoPlus, rhoMinus })),
    });
    const s = summarizeRecords('density', 'm', [rec('a', 'g', [[1, 0.5], [2, null]]), rec('b', 'g', [[null, 0.25]])]);
    expect(s.summary.results.g!.rhoPlus).toBeCloseTo(1.5, 12);
    expect(s.summary.results.g!.rhoMinus).toBeCloseTo(0.375, 12);
    expect(s.counts.g).toEqual({ rhoPlus: 2, rhoMinus: 2 });
    const empty = summarizeRecords('insertion-deletion', 'm', [], ['c']);
    expect(Number.isNaN(empty.summary.results.c!.insertion)).toBe(true);
    expect(empty.summary.images).toBe(0);
  });
});

describe('sizes CAMERAS kept', () => {
  it('adds sizesUsedMean and singleScale where entries recorded sizes, and the Markdown shows them', () => {
    const rec = (image: string, method: string, sizes: (number | undefined)[]): EvalRecord => ({
      key: recordKey(image, method), metric: 'density', model: 'm', image, method, ms: 0,
      entries: sizes.map((n) => ({ target: 1, rhoPlus: 1, rhoMinus: 0, ...(n === undefined ? {} : { sizesUsed: n }) })),
    });
    const s = summarizeRecords('density', 'm', [rec('a', 'cameras', [8, 1]), rec('b', 'cameras', [3]), rec('a', 'gradcam', [undefined])]);
    expect(s.summary.results.cameras!.sizesUsedMean).toBeCloseTo(4, 12);
    expect(s.summary.results.cameras!.singleScale).toBe(1);
    expect(s.summary.results.gradcam).toEqual({ rhoPlus: 1, rhoMinus: 0 });
    const md = summaryMarkdown(s.summary);
    expect(md).toMatch(/\| Method \| ρ⁺ ↑ \| ρ⁻ ↓ \| Sizes kept \(mean\) \| Single-scale maps \| n \|/);
    expect(md).toMatch(/\| cameras \| 1\.000 \[1\.000, 1\.000\] \| 0\.000 \[0\.000, 0\.000\] \| 4\.00 \| 1 \| 3 \|/);
    expect(md).toMatch(/\| gradcam \| 1\.000 \[1\.000, 1\.000\] \| 0\.000 \[0\.000, 0\.000\] \| — \| — \| 1 \|/);
    const pgRecs = [pg('a', 'cameras', [[1, 'bus', 'hit', 'hit']])].map((r) => ({ ...r, entries: r.entries.map((e) => ({ ...e, sizesUsed: 1 })) }));
    expect(summarizeRecords('pointing-game', 'm', pgRecs).summary.results.cameras).toMatchObject({ all: 1, sizesUsedMean: 1, singleScale: 1 });
  });
});

describe('checkRecords', () => {
  it('rejects foreign records and mixed runs', () => {
    const a = pg('a', 'x', []);
    expect(checkRecords([a], 'f')).toEqual([a]);
    expect(() => checkRecords([{ key: 'k', foo: 1 }], 'f')).toThrow(/not a cameras eval record/);
    expect(() => checkRecords([a, { ...a, key: 'z', model: 'other' }], 'f')).toThrow(/different runs/);
    expect(() => checkRecords([{ ...a, metric: 'nope' as 'density' }], 'f')).toThrow(/unknown metric/);
  });
});
