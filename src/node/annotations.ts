/**
 * Loading ground truth for the pointing game: the VOC07 test annotations JSON, TorchRay's EBP
 * "difficult" flags file, and COCO-format JSON (boxes, polygons, uncompressed and compressed RLE),
 * for COCO itself or any data set exported in that format (e.g. ImageNet validation boxes).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClassMap } from '../metrics/class-targets.js';
import type { Region } from '../metrics/ground-truth.js';
import { cocoBoxToPixels, decodeCocoRleString, vocBoxToPixels } from '../metrics/ground-truth.js';
import type { ClassTruth } from '../metrics/pointing-game.js';
import { VOC_CLASSES } from '../metrics/voc-classes.js';

/** One annotated image with the classes present in it. */
export interface AnnotatedImage {
  /** File name without extension (VOC `000456`), the key of the difficult flags. */
  readonly id: string;
  /** File name relative to the images folder. */
  readonly file: string;
  readonly width: number;
  readonly height: number;
  /** One entry per class present, in class-index order. */
  readonly classes: readonly ClassTruth[];
}

/** A whole annotation file. */
export interface AnnotationSet {
  readonly format: 'voc' | 'coco';
  /** Class names in class-index order (VOC devkit order; COCO categories sorted by id). */
  readonly classNames: readonly string[];
  /** Images in file order. */
  readonly images: readonly AnnotatedImage[];
  /** Whether a difficult-flags file was applied (the difficult split is the full split otherwise). */
  readonly hasDifficultFlags: boolean;
}

/** Per image id, one flag per class column. */
export type DifficultFlags = ReadonlyMap<string, readonly boolean[]>;

/**
 * Parse TorchRay's EBP difficult file: one row per image, `id` then one 0/1 flag per class,
 * tab or space separated. A 1 puts that (image, class) pair in the "difficult" split.
 */
export function parseDifficultFlags(text: string, numClasses: number): DifficultFlags {
  const out = new Map<string, boolean[]>();
  text.split(/\r?\n/).forEach((line, n) => {
    const cells = line.trim().split(/\s+/);
    if (cells.length === 1 && cells[0] === '') return;
    if (cells.length !== numClasses + 1 || !cells.slice(1).every((c) => c === '0' || c === '1')) {
      throw new SyntaxError(`difficult flags line ${n + 1}: expected an id and ${numClasses} 0/1 flags, got ${JSON.stringify(line.slice(0, 80))}`);
    }
    out.set(cells[0]!, cells.slice(1).map((c) => c === '1'));
  });
  return out;
}

interface VocObject { cls: string; bbox: number[]; difficult: number | boolean }
interface VocImage { id: string; w: number; h: number; objects: VocObject[] }

function fail(where: string, what: string): never {
  throw new SyntaxError(`${where}: ${what}`);
}

/**
 * Parse the VOC07 annotations JSON: an array of `{id, w, h, objects: [{cls, bbox: [xmin, ymin,
 * xmax, ymax] (1-based inclusive), difficult: 0|1}]}`. Classes whose objects are all difficult are
 * kept but marked `allDifficult` (the pointing game skips them).
 */
export function parseVocAnnotations(json: unknown, flags?: DifficultFlags): AnnotationSet {
  if (!Array.isArray(json)) fail('VOC annotations', 'expected an array of images');
  const images = (json as unknown[]).map((raw, n): AnnotatedImage => {
    const im = raw as VocImage;
    const where = `VOC annotations, image ${n}`;
    if (!im || typeof im.id !== 'string' || !Number.isInteger(im.w) || !Number.isInteger(im.h) || !Array.isArray(im.objects)) {
      fail(where, 'expected {id, w, h, objects}');
    }
    const byClass = new Map<number, { regions: Region[]; allDifficult: boolean }>();
    for (const o of im.objects) {
      const c = VOC_CLASSES.indexOf(o?.cls);
      if (c < 0) fail(`${where} (${im.id})`, `unknown class ${JSON.stringify(o?.cls)}`);
      const entry = byClass.get(c) ?? { regions: [], allDifficult: true };
      entry.regions.push(vocBoxToPixels(o.bbox));
      entry.allDifficult &&= Boolean(Number(o.difficult));
      byClass.set(c, entry);
    }
    const row = flags?.get(im.id);
    const classes = [...byClass.entries()].sort((a, b) => a[0] - b[0]).map(([c, e]): ClassTruth => ({
      className: VOC_CLASSES[c]!,
      classIndex: c,
      regions: e.regions,
      allDifficult: e.allDifficult,
      ...(row ? { difficultSubset: row[c]! } : {}),
    }));
    return { id: im.id, file: `${im.id}.jpg`, width: im.w, height: im.h, classes };
  });
  return { format: 'voc', classNames: VOC_CLASSES, images, hasDifficultFlags: flags !== undefined };
}

interface CocoJson {
  images: { id: number | string; file_name: string; width: number; height: number }[];
  annotations: {
    image_id: number | string;
    category_id: number;
    bbox?: number[];
    segmentation?: number[][] | { counts: number[] | string; size: [number, number] };
  }[];
  categories: { id: number; name: string }[];
}

/** How COCO objects become regions: `mask` uses the segmentation when present (TorchRay), `box` always the box. */
export type CocoRegionMode = 'mask' | 'box';

function cocoRegions(
  ann: CocoJson['annotations'][number],
  mode: CocoRegionMode,
  width: number,
  height: number,
  where: string,
): Region[] {
  const seg = ann.segmentation;
  if (mode === 'mask' && seg !== undefined && !(Array.isArray(seg) && seg.length === 0)) {
    if (Array.isArray(seg)) return seg.map((points) => ({ kind: 'polygon', points }));
    if (seg && Array.isArray(seg.size) && seg.size.length === 2) {
      const [h, w] = seg.size;
      if (h !== height || w !== width) fail(where, `RLE size ${w}×${h} differs from the image's ${width}×${height}`);
      const counts = typeof seg.counts === 'string' ? decodeCocoRleString(seg.counts) : seg.counts;
      if (!Array.isArray(counts)) fail(where, 'RLE counts must be a list or a string');
      return [{ kind: 'rle', counts, height: h, width: w }];
    }
    fail(where, 'unrecognised segmentation');
  }
  if (!Array.isArray(ann.bbox)) fail(where, 'object has neither a segmentation nor a bbox');
  return [cocoBoxToPixels(ann.bbox)];
}

/**
 * Parse COCO-format JSON. Class indices follow the categories sorted by id (TorchRay's COCO column
 * order); an image's id for the difficult flags is its file name without extension. Crowd
 * annotations count like any other, as in TorchRay.
 */
export function parseCocoAnnotations(json: unknown, flags?: DifficultFlags, mode: CocoRegionMode = 'mask'): AnnotationSet {
  const j = json as CocoJson;
  if (!j || !Array.isArray(j.images) || !Array.isArray(j.annotations) || !Array.isArray(j.categories)) {
    fail('COCO annotations', 'expected {images, annotations, categories}');
  }
  const cats = [...j.categories].sort((a, b) => a.id - b.id);
  const catIndex = new Map(cats.map((c, i) => [c.id, i]));
  const perImage = new Map<string, Map<number, Region[]>>();
  const imageById = new Map(j.images.map((im) => [String(im.id), im]));
  j.annotations.forEach((ann, n) => {
    const where = `COCO annotation ${n}`;
    const im = imageById.get(String(ann.image_id));
    if (!im) fail(where, `unknown image_id ${ann.image_id}`);
    const c = catIndex.get(ann.category_id);
    if (c === undefined) fail(where, `unknown category_id ${ann.category_id}`);
    const classes = perImage.get(String(ann.image_id)) ?? new Map<number, Region[]>();
    const list = classes.get(c) ?? [];
    list.push(...cocoRegions(ann, mode, im.width, im.height, where));
    classes.set(c, list);
    perImage.set(String(ann.image_id), classes);
  });
  const images = j.images.map((im): AnnotatedImage => {
    if (typeof im.file_name !== 'string' || !Number.isInteger(im.width) || !Number.isInteger(im.height)) {
      fail('COCO annotations', `image ${im.id}: expected file_name, width, height`);
    }
    const id = path.basename(im.file_name, path.extname(im.file_name));
    const row = flags?.get(id);
    const classes = [...(perImage.get(String(im.id)) ?? new Map<number, Region[]>()).entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([c, regions]): ClassTruth => ({
        className: cats[c]!.name,
        classIndex: c,
        regions,
        allDifficult: false,
        ...(row ? { difficultSubset: row[c]! } : {}),
      }));
    return { id, file: im.file_name, width: im.width, height: im.height, classes };
  });
  return { format: 'coco', classNames: cats.map((c) => c.name), images, hasDifficultFlags: flags !== undefined };
}

/** Options of {@link loadAnnotations}. */
export interface LoadAnnotationsOptions {
  /**
   * Difficult flags file. Default: for VOC, `pointing_game_ebp_voc07_difficult.txt` beside the
   * annotations when it exists; for COCO, `pointing_game_ebp_coco_difficult.txt` likewise.
   * `null` disables the difficult split.
   */
  difficultFile?: string | null;
  /** COCO only: masks (default) or boxes. */
  regions?: CocoRegionMode;
}

/** Load a VOC07 annotations JSON or a COCO-format JSON (detected from its shape). */
export async function loadAnnotations(file: string, options: LoadAnnotationsOptions = {}): Promise<AnnotationSet> {
  const json: unknown = JSON.parse(await readFile(file, 'utf8'));
  const isVoc = Array.isArray(json);
  let flagsFile = options.difficultFile;
  if (flagsFile === undefined) {
    const guess = path.join(path.dirname(file), isVoc ? 'pointing_game_ebp_voc07_difficult.txt' : 'pointing_game_ebp_coco_difficult.txt');
    flagsFile = existsSync(guess) ? guess : null;
  }
  if (isVoc) {
    const flags = flagsFile ? parseDifficultFlags(await readFile(flagsFile, 'utf8'), VOC_CLASSES.length) : undefined;
    return parseVocAnnotations(json, flags);
  }
  const cats = (json as Partial<CocoJson>)?.categories;
  const flags = flagsFile && Array.isArray(cats) ? parseDifficultFlags(await readFile(flagsFile, 'utf8'), cats.length) : undefined;
  return parseCocoAnnotations(json, flags, options.regions ?? 'mask');
}

/** The images of `set` whose files exist in `dir` (only five VOC images are present here). */
export async function availableImages(set: AnnotationSet, dir: string): Promise<AnnotatedImage[]> {
  const present = new Set(await readdir(dir));
  return set.images.filter((im) => present.has(im.file));
}

/** Read a `--class-map` JSON: `{"data-set class": "model label" | index | [labels or indices]}`. */
export async function loadClassMap(file: string): Promise<ClassMap> {
  const json: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new SyntaxError(`${file}: a class map is a JSON object`);
  for (const [k, v] of Object.entries(json)) {
    const ok = (x: unknown) => typeof x === 'string' || (typeof x === 'number' && Number.isInteger(x) && x >= 0);
    if (!(ok(v) || (Array.isArray(v) && v.length > 0 && v.every(ok)))) {
      throw new SyntaxError(`${file}: "${k}" must map to a label, an index or a non-empty list of them`);
    }
  }
  return json as ClassMap;
}
