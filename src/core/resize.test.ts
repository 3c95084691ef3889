import { describe, it, expect, beforeAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from './tf.js';
import { resizeBicubic, resizeBilinear } from './resize.js';
import { describeShared, hasShared, sharedPath } from '../testing/shared.js';

const dir = sharedPath('fixtures/resize');
// Listed at collection time for one test per case; nothing to list without the shared data.
const cases = hasShared('fixtures/resize') ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];

interface Case {
  input_shape: number[];
  output_shape: number[];
  input: number[];
  sampled: boolean;
  indices?: number[];
  outputs: Record<string, { values: number[] }>;
}

describeShared('fixtures/resize')('resize parity with PyTorch interpolate (align_corners=False)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('has the fixture cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(13);
  });

  for (const file of cases) {
    for (const mode of ['bilinear', 'bicubic'] as const) {
      it(`${file} ${mode}`, () => {
        const c = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Case;
        const [, C, h, w] = c.input_shape;
        const [, , H, W] = c.output_shape;
        const nchw = tf.tensor4d(Float32Array.from(c.input), [1, C, h, w]);
        const x = nchw.transpose([0, 2, 3, 1]) as tf.Tensor4D;
        const y = mode === 'bilinear' ? resizeBilinear(x, [H, W]) : resizeBicubic(x, [H, W]);
        const out = tf.tidy(() => y.transpose([0, 3, 1, 2]).dataSync());
        tf.dispose([nchw, x, y]);
        const expected = c.outputs[`${mode}_align_corners_false`].values;
        const indices = c.sampled ? c.indices! : expected.map((_, i) => i);
        let worst = 0;
        indices.forEach((idx, k) => {
          worst = Math.max(worst, Math.abs(out[idx] - expected[k]));
        });
        expect(worst).toBeLessThan(1e-4);
      });
    }
  }

  it('leaks no tensors', () => {
    const x = tf.randomUniform([1, 7, 9, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    resizeBicubic(x, [20, 11]).dispose();
    resizeBilinear(x, [20, 11]).dispose();
    resizeBicubic(x, [7, 9]).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
