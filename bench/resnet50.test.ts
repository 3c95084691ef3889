import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '../src/core/tf.js';
import '@tensorflow/tfjs-backend-cpu';
import { buildResNet50, buildResNetModel } from './resnet50.js';
import { makeResNetSpec, allConvs } from './resnet-spec.js';
import { countFlops } from './flops.js';
import * as tfl from '@tensorflow/tfjs-layers';

describe('benchmark ResNet', () => {
  let resnet50: tfl.LayersModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    resnet50 = buildResNet50();
  });
  afterAll(() => resnet50.dispose());

  it('ResNet-50 has the torchvision layout and gives [1, 1000] logits at 64×64', () => {
    const before = tf.memory().numTensors;
    const model = resnet50;
    {
      // torchvision's 25,557,032 parameters, minus BN's weight and bias (2 × 26,560 channels), plus
      // the bias each of the 53 convolutions gets when BN is folded into it (26,560).
      expect(model.countParams()).toBe(25_557_032 - 2 * 26_560 + 26_560);
      const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
      expect(convs.length).toBe(53);
      const layer4 = model.getLayer('layer4');
      expect(layer4.outputShape).toEqual([null, null, null, 2048]);
      const x = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 3);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, 1000]);
      const v = y.dataSync();
      expect(v.every(Number.isFinite)).toBe(true);
      // Not a constant: the random weights make the classes differ.
      expect(Math.max(...v) - Math.min(...v)).toBeGreaterThan(1e-3);
      x.dispose();
      y.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = makeResNetSpec({ blocks: [1, 1], width: 4, classes: 3, seed: 1 });
    const b = makeResNetSpec({ blocks: [1, 1], width: 4, classes: 3, seed: 1 });
    const c = makeResNetSpec({ blocks: [1, 1], width: 4, classes: 3, seed: 2 });
    expect(Array.from(a.blocks[1].conv2.weight)).toEqual(Array.from(b.blocks[1].conv2.weight));
    expect(Array.from(a.fcWeight)).not.toEqual(Array.from(c.fcWeight));
    // He init: the stem's weights have std ≈ √(2 / (7·7·3)).
    const w = a.stem.weight;
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.8 * Math.sqrt(2 / 147));
    expect(std).toBeLessThan(1.2 * Math.sqrt(2 / 147));
  });

  it('matches PyTorch padding: odd sizes give ceil(n/2) per stride-2 layer', () => {
    const model = buildResNetModel(makeResNetSpec({ blocks: [1, 1], width: 4, classes: 5 }));
    try {
      const head = tfl.model({ inputs: model.inputs, outputs: model.getLayer('layer2').output as tfl.SymbolicTensor });
      const y = tf.tidy(() => head.predict(tf.zeros([1, 37, 50, 3])) as tf.Tensor);
      // 37 → conv1 19 → maxpool 10 → layer2 5;  50 → 25 → 13 → 7.
      expect(y.shape).toEqual([1, 5, 7, 32]);
      y.dispose();
    } finally {
      model.dispose();
    }
  });

  it('counts FLOPs of a small config as a hand computation does', () => {
    const spec = makeResNetSpec({ blocks: [1], width: 2, classes: 3 });
    const model = buildResNetModel(spec);
    try {
      const r = countFlops(model, 32, 32);
      // stem 7×7×3→2 at 16×16; maxpool → 8×8; block: 1×1 2→2, 3×3 2→2, 1×1 2→8, projection 1×1 2→8, all at 8×8; fc 8→3.
      const hand =
        2 * (16 * 16 * 7 * 7 * 3 * 2) +
        2 * (64 * 1 * 2 * 2) +
        2 * (64 * 9 * 2 * 2) +
        2 * (64 * 1 * 2 * 8) +
        2 * (64 * 1 * 2 * 8) +
        2 * (8 * 3);
      expect(r.total).toBe(hand);
      expect(r.layers.map((l) => l.name)).toEqual(['conv1', 'layer1.0.conv1', 'layer1.0.conv2', 'layer1.0.conv3', 'layer1.0.downsample.0', 'fc']);
      expect(allConvs(spec).length).toBe(5);
    } finally {
      model.dispose();
    }
  });

  it('counts ResNet-50 at 224 as the known ≈ 4.1 G multiply-adds', () => {
    const model = resnet50;
    {
      const g = countFlops(model, 224, 224).total / 2e9;
      expect(g).toBeGreaterThan(4.05);
      expect(g).toBeLessThan(4.15);
      // Scales with pixels (up to border effects of stride-2 layers).
      expect(countFlops(model, 448, 448).total / countFlops(model, 224, 224).total).toBeCloseTo(4, 1);
    }
  });

  it('rejects bad configs and sizes', () => {
    expect(() => makeResNetSpec({ blocks: [] })).toThrow(/blocks/);
    expect(() => makeResNetSpec({ width: 0 })).toThrow(/width/);
    const model = buildResNetModel(makeResNetSpec({ blocks: [1], width: 2, classes: 3 }));
    try {
      expect(() => countFlops(model, 0, 10)).toThrow(/positive/);
    } finally {
      model.dispose();
    }
  });
});
