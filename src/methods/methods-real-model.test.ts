import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as path from 'node:path';
import * as tf from '../core/tf.js';
import type { ModelAdapter, RgbImage } from '../core/types.js';
import { initBackend } from '../node/backend.js';
import { loadModel } from '../node/load-model.js';
import { readImage } from '../node/image-io.js';
import { METHODS } from './index.js';
import { describeShared, sharedPath } from '../testing/shared.js';

/** Small settings so that every method together stays well under a minute on WebAssembly. */
const SMALL: Record<string, object> = {
  cameras: { sizes: [224, 324] },
  scorecam: { topK: 16 },
  rise: { n: 32 },
  occlusion: { stride: 48 },
  smoothgrad: { samples: 2 },
  'integrated-gradients': { steps: 3 },
};

describeShared('models/mobilenet_v1_0.25_224', 'data/photos/chelsea.png')('every method on mobilenet_v1_0.25_224 (WebAssembly) and chelsea.png', () => {
  let model: ModelAdapter;
  let chelsea: RgbImage;

  beforeAll(async () => {
    await initBackend('wasm');
    model = await loadModel('mobilenet_v1_0.25_224');
    chelsea = await readImage(sharedPath('data/photos/chelsea.png'));
  });
  afterAll(() => model?.dispose());

  it('gives a finite [0, 1] map of the image size for the same target, without leaks', async () => {
    const rows: string[] = [];
    const targets = new Set<number>();
    for (const [name, method] of Object.entries(METHODS)) {
      const before = tf.memory().numTensors;
      const t0 = performance.now();
      const r = await method(model, chelsea, SMALL[name] ?? {});
      const ms = performance.now() - t0;
      expect(tf.memory().numTensors, name).toBe(before);
      expect([r.width, r.height, r.map.length], name).toEqual([chelsea.width, chelsea.height, chelsea.width * chelsea.height]);
      expect(r.map.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), name).toBe(true);
      expect(r.map.reduce((m, v) => Math.max(m, v), 0), name).toBeCloseTo(1, 5);
      targets.add(r.target.index);
      rows.push(`| ${name} | ${JSON.stringify(SMALL[name] ?? {})} | ${ms.toFixed(0)} |`);
    }
    // Layer methods resolve the target through the split model, the others through `predict`: same class.
    expect(targets.size).toBe(1);
    expect(model.labels![[...targets][0]]).toMatch(/cat|tabby/i);
    console.log(['| method | settings | ms |', '|---|---|---|', ...rows].join('\n'));
  });
});
