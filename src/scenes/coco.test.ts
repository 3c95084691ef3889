import { describe, it, expect } from 'vitest';
import { maskToCocoRle, scenesToCoco } from './coco.js';
import { generateScene } from './generator.js';
import { parseCocoAnnotations } from '../node/annotations.js';
import { regionsToMask } from '../metrics/index.js';

describe('scenes as COCO annotations', () => {
  it('encodes masks column-major, starting with a background run', () => {
    // 2×3 mask, rows [0 1 1] [0 0 1]: columns top-down read 0 0 | 1 0 | 1 1.
    expect(maskToCocoRle([0, 1, 1, 0, 0, 1], 3, 2).counts).toEqual([2, 1, 1, 2]);
    expect(maskToCocoRle([1, 1], 2, 1).counts).toEqual([0, 2]);
  });

  it('round-trips exact object masks through the COCO loader', () => {
    const scene = generateScene(77, { width: 96, height: 64, numObjects: 3 });
    const coco = scenesToCoco([{ scene, fileName: 'scene-77.png' }]);
    expect(coco.annotations).toHaveLength(3);
    const set = parseCocoAnnotations(coco);
    const img = set.images[0];
    expect(img.file).toBe('scene-77.png');
    for (const obj of scene.objects) {
      const truth = img.classes.find((c) => c.className === obj.label)!;
      const mask = regionsToMask(truth.regions, 96, 64);
      const expected = new Uint8Array(96 * 64);
      for (const o of scene.objects) if (o.label === obj.label) o.mask.forEach((v, i) => (expected[i] |= v));
      expect(Array.from(mask, (v) => (v ? 1 : 0))).toEqual(Array.from(expected));
    }
  });
});
