import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '../core/tf.js';
import type { ModelAdapter } from '../core/types.js';
import { initBackend } from '../node/backend.js';
import { loadModel } from '../node/load-model.js';
import { cameras } from '../methods/cameras.js';
import { gradcam } from '../methods/gradcam.js';
import { center } from '../methods/center.js';
import { benchmarkScenes } from './benchmark.js';
import type { SaliencyMethod } from '../core/method.js';

/**
 * The method, after a macrotask turn. On the CPU and WebAssembly backends every TF.js await settles
 * as a microtask, so a benchmark that outlasts vitest's 60 s RPC timeout (a loaded machine) never lets
 * the worker read its IPC replies and the run ends with "Timeout calling onTaskUpdate".
 */
function yielding(method: SaliencyMethod): SaliencyMethod {
  return async (...args) => {
    await new Promise((resolve) => setImmediate(resolve));
    return method(...args);
  };
}

describe('ground-truth benchmark on held-out scenes with the embedded model', () => {
  let model: ModelAdapter;
  beforeAll(async () => {
    await initBackend('wasm');
    model = await loadModel('scenes');
  });
  afterAll(() => model?.dispose());

  it('CAMERAS beats Grad-CAM on mask energy and the pointing game (multi-object scenes)', async () => {
    const before = tf.memory().numTensors;
    const r = await benchmarkScenes(model, { cameras: yielding(cameras), gradcam: yielding(gradcam), center: yielding(center) }, { n: 10, objects: 3, width: 320, height: 320 });
    expect(tf.memory().numTensors).toBe(before);
    for (const m of ['cameras', 'gradcam', 'center']) {
      expect(r[m].pairs).toBeGreaterThanOrEqual(20);
      expect(r[m].maskEnergy).toBeGreaterThanOrEqual(0);
      expect(r[m].maskEnergy).toBeLessThanOrEqual(1);
    }
    expect(r.cameras.maskEnergy).toBeGreaterThan(r.gradcam.maskEnergy);
    expect(r.cameras.pointingGame).toBeGreaterThanOrEqual(r.gradcam.pointingGame);
    // Both explain the objects: far better than the centre prior on scattered objects.
    expect(r.cameras.maskEnergy).toBeGreaterThan(r.center.maskEnergy);
    expect(r.cameras.pointingGame).toBeGreaterThan(r.center.pointingGame);
  });
});
