/**
 * The package's entry points: the root holds what applications call, `cameras/internals` the
 * building blocks (issue 17), and package.json maps each subpath to a module that exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as root from './index.js';
import * as internals from './internals.js';
import { toyModel } from './testing/toy-model.js';

const INTERNAL = [
  'BaseSession', 'ExplainSession', 'withSession', 'InputSession', 'withInputSession', 'probeLayer', 'fuseScales',
  'conv2dInputGrad', 'depthwiseConv2dInputGrad', 'denseInputGrad', 'bicubicMatrix', 'resizeBilinear', 'resizeBicubic',
  'resizeImage', 'scheduleSizes', 'scaledShape', 'argmax', 'softmax', 'resolveTarget', 'camMethod', 'weightedSum',
  'makeInputDynamic', 'safeRelativePath',
];

describe('the root export', () => {
  it('holds no internals', () => {
    expect(INTERNAL.filter((n) => n in root)).toEqual([]);
  });

  it('holds every registered method under its own name, and what loading and showing a map needs', () => {
    const exported = new Set(Object.values(root));
    expect(Object.keys(root.METHODS).filter((name) => !exported.has(root.METHODS[name]))).toEqual([]);
    for (const name of ['loadOnnxModel', 'loadTfliteModel', 'LayersModelAdapter', 'imageToTensor', 'normalizeInput', 'normalizeMap', 'tf', 'metrics', 'image']) {
      expect(root, name).toHaveProperty(name);
    }
  });
});

describe('cameras/internals', () => {
  it('holds the internals the root gave up', () => {
    expect(INTERNAL.filter((n) => !(n in internals))).toEqual([]);
  });

  it("runs the README's example: a new CAM from camMethod and weightedSum", async () => {
    const maxcam = internals.camMethod('maxcam', (a, g) => internals.weightedSum(a, g.max([1, 2], true)));
    const data = new Float32Array(8 * 8 * 3).map((_, i) => (i % 3 === 0 ? 200 - (i % 7) * 10 : 20 + (i % 5)));
    const r = await maxcam(toyModel(0), { width: 8, height: 8, channels: 3, data });
    expect(r.method).toBe('maxcam');
    expect([r.width, r.height]).toEqual([8, 8]);
    expect(Math.max(...r.map)).toBe(1);
  });
});

describe('package.json exports', () => {
  const pkg = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };

  it('maps every subpath to a source module and its declarations next to it', () => {
    expect(Object.keys(pkg.exports)).toEqual(['.', './node', './browser', './internals']);
    for (const [sub, target] of Object.entries(pkg.exports)) {
      const source = target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
      expect(existsSync(path.resolve(source)), `${sub} → ${source}`).toBe(true);
      expect(target.types).toBe(target.default.replace(/\.js$/, '.d.ts'));
    }
  });
});
