import { describe, expect, it } from 'vitest';
import { PointingGameTally } from './pointing-tally.js';
import { makeSummary, MeanTally, pointingResults, summaryJson, summaryMarkdown } from './summary.js';

describe('summary', () => {
  it('builds the pointing-game JSON and a Markdown table with methods as rows', () => {
    const cameras = new PointingGameTally(['a', 'b']);
    const center = new PointingGameTally(['a', 'b']);
    const r = (c: number, all: 'hit' | 'miss', difficult: 'hit' | 'miss' | 'skipped') => ({ imageId: 'i', classIndex: c, className: 'x', point: { x: 0, y: 0 }, all, difficult });
    cameras.addAll([r(0, 'hit', 'hit'), r(1, 'hit', 'skipped'), r(1, 'miss', 'miss')]);
    center.addAll([r(0, 'miss', 'skipped'), r(1, 'hit', 'skipped')]);
    const s = makeSummary('pointing-game', 'mobilenet_v1_0.25_224', 5, pointingResults({ cameras, center }));
    const parsed = JSON.parse(summaryJson(s));
    expect(parsed).toEqual({ metric: 'pointing-game', model: 'mobilenet_v1_0.25_224', images: 5, results: { cameras: { all: 0.75, difficult: 0.5 }, center: { all: 0.5, difficult: null } } });
    const md = summaryMarkdown(s);
    expect(md.split('\n')).toEqual([
      '**pointing-game**, model `mobilenet_v1_0.25_224`, 5 images',
      '',
      '| Method | All (%) | Difficult (%) |',
      '|---|---:|---:|',
      '| cameras | 75.0 | 50.0 |',
      '| center | 50.0 | — |',
      '',
    ]);
  });

  it('averages density values per method, skipping NaN', () => {
    const t = new MeanTally();
    t.add('gradcam', { rhoPlus: 2, rhoMinus: 1 });
    t.add('gradcam', { rhoPlus: Number.NaN, rhoMinus: 0.5 });
    t.add('gradcam', { rhoPlus: 4, rhoMinus: 0.6 });
    const m = t.means();
    expect(Object.keys(m)).toEqual(['gradcam']);
    expect(m.gradcam!.rhoPlus).toBe(3);
    expect(m.gradcam!.rhoMinus).toBeCloseTo(0.7, 12);
    expect(t.counts().gradcam!.rhoPlus).toEqual({ used: 2, skipped: 1 });
    const md = summaryMarkdown(makeSummary('density', 'm', 3, t.means()));
    expect(md).toContain('| gradcam | 3.000 | 0.700 |');
    expect(summaryMarkdown(makeSummary('custom', 'm', 1, { x: { q: 0.5 } }))).toContain('| x | 0.500 |');
    expect(() => t.add('x', { v: 'a' as unknown as number })).toThrow(TypeError);
    expect(() => makeSummary('d', 'm', -1, {})).toThrow(RangeError);
  });
});
