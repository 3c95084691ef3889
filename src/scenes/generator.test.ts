import { describe, expect, it } from 'vitest';
import { generateScene, SCENE_LABELS, createRng } from './index.js';
import type { Scene } from './generator.js';

function tightBox(mask: Uint8Array, w: number, h: number): [number, number, number, number] {
  let x0 = w, y0 = h, x1 = 0, y1 = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (mask[y * w + x]) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1);
  }
  return [x0, y0, x1, y1];
}

/** Largest per-channel step between 4-neighbours that are both inside the mask. */
function maxInsideStep(scene: Scene, mask: Uint8Array): number {
  const { width: w, height: h, data } = scene.image;
  let worst = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    if (!mask[y * w + x]) continue;
    for (const [nx, ny] of [[x + 1, y], [x, y + 1]]) {
      if (nx >= w || ny >= h || !mask[ny * w + nx]) continue;
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(data[(y * w + x) * 3 + c] - data[(ny * w + nx) * 3 + c]));
    }
  }
  return worst;
}

describe('createRng', () => {
  it('is deterministic, seed-sensitive and uniform enough', () => {
    const a = createRng(42), b = createRng(42), c = createRng(43);
    const va = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(va);
    expect(Array.from({ length: 1000 }, () => c.next())).not.toEqual(va);
    const mean = va.reduce((s, v) => s + v, 0) / va.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(Math.min(...va)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...va)).toBeLessThan(1);
    expect(() => createRng(Number.NaN)).toThrow();
  });
});

describe('generateScene', () => {
  it('gives byte-identical images and masks for the same seed, different ones for different seeds', () => {
    const a = generateScene(123, { numObjects: 3 });
    const b = generateScene(123, { numObjects: 3 });
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(a.objects.map((o) => o.classIndex)).toEqual(b.objects.map((o) => o.classIndex));
    a.objects.forEach((o, i) => {
      expect(Buffer.from(o.mask).equals(Buffer.from(b.objects[i].mask))).toBe(true);
      expect(o.bbox).toEqual(b.objects[i].bbox);
    });
    const c = generateScene(124, { numObjects: 3 });
    let differing = 0;
    for (let i = 0; i < a.image.data.length; i++) if (a.image.data[i] !== c.image.data[i]) differing++;
    expect(differing / a.image.data.length).toBeGreaterThan(0.5);
  });

  it('has the requested size, one object by default, and a label from the class list', () => {
    const s = generateScene(7, { width: 320, height: 200 });
    expect(s.image.width).toBe(320);
    expect(s.image.height).toBe(200);
    expect(s.image.channels).toBe(3);
    expect(s.image.data.length).toBe(320 * 200 * 3);
    expect(s.objects).toHaveLength(1);
    expect(s.objects[0].label).toBe(SCENE_LABELS[s.objects[0].classIndex]);
    expect(s.objects[0].mask.length).toBe(320 * 200);
    expect(s.seed).toBe(7);
  });

  it('draws every class over a range of seeds, roughly evenly', () => {
    const counts = new Array(SCENE_LABELS.length).fill(0);
    for (let seed = 0; seed < 400; seed++) counts[generateScene(seed, { width: 48, height: 48, numDistractors: 0 }).objects[0].classIndex]++;
    for (const n of counts) {
      expect(n).toBeGreaterThan(20);
      expect(n).toBeLessThan(65);
    }
  });

  it('returns masks whose boxes are tight and whose pixels show the object', () => {
    for (let seed = 0; seed < 40; seed++) {
      const s = generateScene(seed, { numObjects: 1 + (seed % 3) });
      for (const o of s.objects) {
        const area = o.mask.reduce((a, v) => a + v, 0);
        expect(area).toBeGreaterThan(100);
        expect(o.bbox).toEqual(tightBox(o.mask, 224, 224));
        if (o.label === 'stripes' || o.label === 'checker') {
          // A pattern has exactly two colours: any background pixel in the mask would add a third.
          const colours = new Set<number>();
          for (let i = 0; i < o.mask.length; i++) if (o.mask[i]) {
            const d = s.image.data;
            colours.add((d[i * 3] << 16) | (d[i * 3 + 1] << 8) | d[i * 3 + 2]);
          }
          expect(colours.size).toBe(2);
        } else {
          // A plain fill is a gentle shading plus fine grain: neighbours inside the mask stay close,
          // which fails as soon as the mask takes in a pixel of the textured surroundings.
          expect(maxInsideStep(s, o.mask)).toBeLessThanOrEqual(22);
        }
      }
    }
  });

  it('makes the object stand out at its mask boundary', () => {
    let jumps = 0, pairs = 0;
    for (let seed = 100; seed < 120; seed++) {
      const s = generateScene(seed);
      const { mask } = s.objects[0];
      const d = s.image.data;
      for (let y = 0; y < 224; y++) for (let x = 0; x + 1 < 224; x++) {
        const a = y * 224 + x;
        if (mask[a] === mask[a + 1]) continue;
        pairs++;
        const diff = Math.abs(d[a * 3] - d[a * 3 + 3]) + Math.abs(d[a * 3 + 1] - d[a * 3 + 4]) + Math.abs(d[a * 3 + 2] - d[a * 3 + 5]);
        if (diff > 40) jumps++;
      }
    }
    expect(jumps / pairs).toBeGreaterThan(0.8);
  });

  it('keeps multi-object masks disjoint and honours forced classes', () => {
    for (let seed = 0; seed < 20; seed++) {
      const n = 2 + (seed % 4);
      const classes = Array.from({ length: n }, (_, i) => (seed + 3 * i) % 10);
      const s = generateScene(seed, { width: 256, height: 192, numObjects: n, classIndices: classes });
      expect(s.objects.map((o) => o.classIndex)).toEqual(classes);
      const cover = new Uint8Array(256 * 192);
      for (const o of s.objects) for (let i = 0; i < cover.length; i++) cover[i] += o.mask[i];
      expect(Math.max(...cover)).toBe(1);
    }
  });

  it('scales objects with scaleRef', () => {
    const area = (ref?: number) => {
      let total = 0;
      for (let seed = 0; seed < 30; seed++) total += generateScene(seed, { width: 160, height: 160, scaleRef: ref }).objects[0].mask.reduce((a, v) => a + v, 0);
      return total;
    };
    const ratio = area(224) / area();
    expect(ratio).toBeGreaterThan(1.5);
    expect(ratio).toBeLessThan(2.5);
  });

  it('rejects bad input', () => {
    expect(() => generateScene(1.5)).toThrow(/seed/);
    expect(() => generateScene(1, { width: 0 })).toThrow(/width/);
    expect(() => generateScene(1, { height: 10.5 })).toThrow(/height/);
    expect(() => generateScene(1, { numObjects: 0 })).toThrow(/numObjects/);
    expect(() => generateScene(1, { numObjects: 7 })).toThrow(/numObjects/);
    expect(() => generateScene(1, { numObjects: 2, classIndices: [1] })).toThrow(/classIndices/);
    expect(() => generateScene(1, { classIndices: [10] })).toThrow(/class index/);
    expect(() => generateScene(1, { scaleRef: -1 })).toThrow(/scaleRef/);
  });
});
