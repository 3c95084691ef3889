import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../core/types.js';
import { batchedInsertionDeletion, insertionDeletion, insertionDeletionOfMaps } from './insertion-deletion.js';

/** A deterministic pseudo-random image. */
function noiseImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, channels: 3, data };
}

/** A "model" whose probability depends on every pixel: a squashed weighted brightness. */
function probabilityOf(im: RgbImage): number {
  let acc = 0;
  for (let i = 0; i < im.data.length; i++) acc += im.data[i]! * (((i * 7) % 11) - 5);
  return 1 / (1 + Math.exp(-acc / (im.data.length * 40)));
}

describe('batchedInsertionDeletion', () => {
  const image = noiseImage(9, 7, 42);
  const map = Array.from({ length: 63 }, (_, i) => ((i * 37) % 13) / 13); // many ties
  const single = async (im: RgbImage) => probabilityOf(im);
  const batched = async (ims: RgbImage[]) => ims.map(probabilityOf);

  it.each([
    [{ pixelsPerStep: 5 }, 1],
    [{ pixelsPerStep: 5 }, 4],
    [{ pixelsPerStep: 63 }, 16],
    [{ steps: 10 }, 3],
    [{ steps: 1 }, 2],
  ])('equals the per-image curves of src/metrics for %o, batch %i', async (opts, batchSize) => {
    const ref = await insertionDeletion(image, map, single, opts);
    const got = await batchedInsertionDeletion(image, map, batched, { ...opts, batchSize });
    expect(got.insertion.scores).toEqual(ref.insertion.scores);
    expect(got.deletion.scores).toEqual(ref.deletion.scores);
    expect(got.insertion.auc).toBeCloseTo(ref.insertion.auc, 12);
    expect(got.deletion.auc).toBeCloseTo(ref.deletion.auc, 12);
    expect(got.deletion.scores.length).toBe(ref.deletion.fractions.length);
  });

  it('calls the scorer with at most batchSize images', async () => {
    const sizes: number[] = [];
    await batchedInsertionDeletion(image, map, async (ims) => {
      sizes.push(ims.length);
      return ims.map(probabilityOf);
    }, { pixelsPerStep: 4, batchSize: 5 });
    // 63 px at 4 per step → 17 points per curve: the 15 inner ones in batches of 5, the ends alone
    // (blurred, original, black; the original is both insertion's last and deletion's first).
    expect(sizes).toEqual([1, 5, 5, 5, 1, 5, 5, 5, 1]);
  });

  it('scores the images all curves of one image share once, and equals the per-image curves', async () => {
    const images: RgbImage[] = [];
    const curvesOf = insertionDeletionOfMaps(image, async (ims) => {
      images.push(...ims);
      return ims.map(probabilityOf);
    }, { pixelsPerStep: 4, batchSize: 5 });
    const other = map.map((v, i) => v + ((i * 5) % 7)); // another order: no whole-curve sharing
    for (const m of [map, other]) {
      const ref = await insertionDeletion(image, m, single, { pixelsPerStep: 4 });
      const got = await curvesOf(m);
      expect(got.insertion.scores).toEqual(ref.insertion.scores);
      expect(got.deletion.scores).toEqual(ref.deletion.scores);
    }
    // 3 shared ends + 2 maps × 2 curves × 15 inner points; no image scored twice.
    expect(images.length).toBe(3 + 2 * 2 * 15);
    const distinct = new Set(images.map((im) => Array.from(im.data).join(',')));
    expect(distinct.size).toBe(images.length);
  });

  it('rejects bad maps, options and scorers', async () => {
    await expect(batchedInsertionDeletion(image, [1, 2], batched)).rejects.toThrow(/map has 2 values/);
    await expect(batchedInsertionDeletion(image, map, batched, { batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(batchedInsertionDeletion(image, map, batched, { steps: 0 })).rejects.toThrow(/steps/);
    await expect(batchedInsertionDeletion(image, map, async (ims) => ims.map(() => 2))).rejects.toThrow(/outside \[0, 1\]/);
    await expect(batchedInsertionDeletion(image, map, async () => [0.5], { pixelsPerStep: 4 })).rejects.toThrow(/returned 1 values/);
  });
});
