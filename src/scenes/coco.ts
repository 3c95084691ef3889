import type { Scene } from './generator.js';
import { SCENE_LABELS } from './labels.js';

/**
 * COCO's uncompressed run-length encoding of a row-major `height × width` mask: runs alternate
 * 0/1 starting with 0, pixels taken in column-major (Fortran) order as COCO does.
 */
export function maskToCocoRle(mask: ArrayLike<number>, width: number, height: number): { counts: number[]; size: [number, number] } {
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { counts, size: [height, width] };
}

/** A COCO-format annotation file for generated scenes (masks as uncompressed RLE). */
export interface CocoDataset {
  images: { id: number; file_name: string; width: number; height: number }[];
  categories: { id: number; name: string }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    bbox: [number, number, number, number];
    area: number;
    iscrowd: 0;
    segmentation: { counts: number[]; size: [number, number] };
  }[];
}

/**
 * Describes scenes as a COCO data set: categories are the scene labels (id = class index + 1),
 * one annotation per object with its exact mask, so `cameras eval pointing-game --annotations`
 * runs on generated scenes like on any COCO-format data set.
 */
export function scenesToCoco(scenes: readonly { scene: Scene; fileName: string }[]): CocoDataset {
  const out: CocoDataset = {
    images: [],
    categories: SCENE_LABELS.map((name, i) => ({ id: i + 1, name })),
    annotations: [],
  };
  for (const [i, { scene, fileName }] of scenes.entries()) {
    const { width, height } = scene.image;
    out.images.push({ id: i + 1, file_name: fileName, width, height });
    for (const obj of scene.objects) {
      const [x0, y0, x1, y1] = obj.bbox;
      let area = 0;
      for (let k = 0; k < obj.mask.length; k++) area += obj.mask[k];
      out.annotations.push({
        id: out.annotations.length + 1,
        image_id: i + 1,
        category_id: obj.classIndex + 1,
        bbox: [x0, y0, x1 - x0, y1 - y0],
        area,
        iscrowd: 0,
        segmentation: maskToCocoRle(obj.mask, width, height),
      });
    }
  }
  return out;
}
