import type { RgbImage } from '../core/types.js';
import { SCENE_LABELS, type SceneLabel } from './labels.js';
import { createRng, type Rng } from './rng.js';
import {
  classOutline,
  distractorOutline,
  DISTRACTOR_KINDS,
  patternOutline,
  placeRegion,
  type Region,
} from './shapes.js';
import {
  checkerFill,
  colourDistance,
  contrastingColour,
  hash01,
  plainFill,
  stripesFill,
  valueNoise,
  type Fill,
  type Rgb,
} from './paint.js';

/** Options of {@link generateScene}. */
export interface SceneOptions {
  /** Image width in pixels (default 224). */
  width?: number;
  /** Image height in pixels (default 224). */
  height?: number;
  /** Number of class objects, 1..6 (default 1). Objects never overlap. */
  numObjects?: number;
  /** Force the class of each object (indices into {@link SCENE_LABELS}); length must be `numObjects`. */
  classIndices?: readonly number[];
  /**
   * Length in pixels that object and texture sizes are relative to (default `min(width, height)`).
   * Setting it to 224 on a smaller canvas gives crops whose objects have their 224-px pixel size.
   */
  scaleRef?: number;
  /** Number of distractors (default: 3–8 per `scaleRef²` of area, drawn from the seed). */
  numDistractors?: number;
}

/** One class object of a scene with its exact pixel mask. */
export interface SceneObject {
  /** Index into {@link SCENE_LABELS}. */
  readonly classIndex: number;
  /** Class name. */
  readonly label: SceneLabel;
  /** `height × width`, 1 where the object is visible, 0 elsewhere. */
  readonly mask: Uint8Array;
  /** Tight pixel box of the mask `[x0, y0, x1, y1]`, x1 and y1 exclusive. */
  readonly bbox: [number, number, number, number];
}

/** A generated scene: an RGB image and its class objects. */
export interface Scene {
  /** 8-bit RGB, `channels` 3. */
  readonly image: RgbImage & { readonly data: Uint8Array; readonly channels: 3 };
  /** Class objects, in drawing order. For a classification scene, `objects[0]` is the label. */
  readonly objects: SceneObject[];
  /** The seed the scene was generated from. */
  readonly seed: number;
}

const PATTERN_STRIPES = 8;
const PATTERN_CHECKER = 9;

/**
 * Generates a deterministic scene: a cluttered, textured background, distractor shapes that are not
 * classes, and `numObjects` class objects (random class, colour, scale, rotation, position unless
 * forced) whose exact masks are returned. Same seed and options → byte-identical output on every
 * platform (integer-seeded PRNG, no `Math.random`).
 */
export function generateScene(seed: number, options: SceneOptions = {}): Scene {
  const width = options.width ?? 224;
  const height = options.height ?? 224;
  const numObjects = options.numObjects ?? 1;
  if (!Number.isInteger(seed)) throw new Error(`generateScene: seed must be an integer, got ${seed}`);
  for (const [k, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 16 || v > 8192) throw new Error(`generateScene: ${k} must be an integer in 16..8192, got ${v}`);
  }
  if (!Number.isInteger(numObjects) || numObjects < 1 || numObjects > 6) {
    throw new Error(`generateScene: numObjects must be an integer in 1..6, got ${numObjects}`);
  }
  if (options.classIndices) {
    if (options.classIndices.length !== numObjects) throw new Error('generateScene: classIndices must have numObjects entries');
    for (const c of options.classIndices) {
      if (!Number.isInteger(c) || c < 0 || c >= SCENE_LABELS.length) throw new Error(`generateScene: bad class index ${c}`);
    }
  }
  const ref = options.scaleRef ?? Math.min(width, height);
  if (!(ref > 0)) throw new Error(`generateScene: scaleRef must be positive, got ${ref}`);

  const rng = createRng(seed);
  const data = new Float32Array(width * height * 3);
  paintBackground(data, width, height, ref, rng, seed);

  // Objects are placed first so distractors can keep clear of them, then painted last so that
  // every mask pixel shows the object itself.
  const classes = options.classIndices ?? Array.from({ length: numObjects }, () => rng.int(SCENE_LABELS.length));
  const placed = placeObjects(classes, width, height, ref, rng);

  const numDistractors = options.numDistractors ?? Math.round(rng.range(3, 8) * ((width * height) / (ref * ref)));
  for (let i = 0; i < numDistractors; i++) {
    const kind = rng.pick(DISTRACTOR_KINDS);
    const test = distractorOutline(kind, rng);
    const rf = kind === 'blob' ? rng.range(0.02, 0.06) : kind === 'line' ? rng.range(0.1, 0.3) : kind === 'zigzag' ? rng.range(0.1, 0.22) : rng.range(0.08, 0.18);
    const r = Math.max(2, rf * ref);
    const angle = rng.range(0, 2 * Math.PI);
    let region: Region | null = null;
    for (let t = 0; t < 12 && !region; t++) {
      const cand = placeRegion(test, rng.range(0, width), rng.range(0, height), r, angle);
      if (!placed.some((p) => overlaps(p.region.bounds, cand.bounds, 2))) region = cand;
    }
    if (!region) continue;
    const centre = sampleAt(data, width, height, region);
    const fill = plainFill(rng, contrastingColour(rng, [centre], 90), seed + 7919 * (i + 1), ...centreOf(region));
    paintRegion(data, width, height, region, fill, null);
  }

  const objects: SceneObject[] = placed.map((p, k) => {
    const bg = sampleAt(data, width, height, p.region);
    let fill: Fill;
    if (p.classIndex === PATTERN_STRIPES || p.classIndex === PATTERN_CHECKER) {
      const c1 = contrastingColour(rng, [bg], 120);
      let c2 = contrastingColour(rng, [c1, bg], 150);
      if (colourDistance(c1, c2) < 100) c2 = [255 - c1[0], 255 - c1[1], 255 - c1[2]];
      fill =
        p.classIndex === PATTERN_STRIPES
          ? stripesFill(rng, c1, c2, Math.max(3, p.radius * rng.range(0.22, 0.4)))
          : checkerFill(rng, c1, c2, Math.max(3, p.radius * rng.range(0.2, 0.35)));
    } else {
      fill = plainFill(rng, contrastingColour(rng, [bg], 130), seed + 104729 * (k + 1), ...centreOf(p.region));
    }
    const mask = new Uint8Array(width * height);
    const bbox = paintRegion(data, width, height, p.region, fill, mask);
    return { classIndex: p.classIndex, label: SCENE_LABELS[p.classIndex], mask, bbox };
  });

  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = Math.max(0, Math.min(255, Math.round(data[i])));
  return { image: { width, height, channels: 3, data: bytes }, objects, seed };
}

interface Placed {
  classIndex: number;
  region: Region;
  radius: number;
}

function placeObjects(classes: readonly number[], width: number, height: number, ref: number, rng: Rng): Placed[] {
  const placed: Placed[] = [];
  const single = classes.length === 1;
  const maxR = Math.min(width, height) / 2 - 2;
  for (const classIndex of classes) {
    const test = classIndex === PATTERN_STRIPES || classIndex === PATTERN_CHECKER ? patternOutline(rng) : classOutline(classIndex, rng);
    let radius = Math.min(maxR, (single ? rng.range(0.13, 0.27) : rng.range(0.09, 0.16)) * ref);
    const angle = rng.range(0, 2 * Math.PI);
    let region: Region | null = null;
    for (let t = 0; !region; t++) {
      if (t > 0 && t % 40 === 0) radius = Math.max(4, radius * 0.85);
      if (t > 400) throw new Error('generateScene: cannot fit the objects; use a larger image or fewer objects');
      const cand = placeRegion(test, rng.range(radius + 1, width - radius - 1), rng.range(radius + 1, height - radius - 1), radius, angle);
      if (!placed.some((p) => overlaps(p.region.bounds, cand.bounds, 3))) region = cand;
    }
    placed.push({ classIndex, region, radius });
  }
  return placed;
}

function overlaps(a: readonly number[], b: readonly number[], margin: number): boolean {
  return a[0] < b[2] + margin && b[0] < a[2] + margin && a[1] < b[3] + margin && b[1] < a[3] + margin;
}

function paintBackground(data: Float32Array, width: number, height: number, ref: number, rng: Rng, seed: number): void {
  const a = [rng.int(256), rng.int(256), rng.int(256)];
  const b = [rng.int(256), rng.int(256), rng.int(256)];
  const coarse = valueNoise(width, height, Math.max(4, rng.range(0.1, 0.4) * ref), rng);
  const fine = valueNoise(width, height, Math.max(2, rng.range(0.02, 0.07) * ref), rng);
  const fineAmp = rng.range(10, 50);
  const grain = rng.range(3, 12);
  for (let i = 0; i < width * height; i++) {
    const t = coarse[i];
    const f = (fine[i] - 0.5) * fineAmp;
    const g = (hash01(i % width, Math.floor(i / width), seed ^ 0x5bd1e995) - 0.5) * 2 * grain;
    for (let c = 0; c < 3; c++) data[i * 3 + c] = a[c] + (b[c] - a[c]) * t + f + g;
  }
}

function centreOf(region: Region): [number, number] {
  const [x0, y0, x1, y1] = region.bounds;
  return [(x0 + x1) / 2, (y0 + y1) / 2];
}

/** Colour under a region's centre pixel box (what an object must stand out from). */
function sampleAt(data: Float32Array, width: number, height: number, region: Region): Rgb {
  const [x0, y0, x1, y1] = region.bounds;
  const cx = Math.min(width - 1, Math.max(0, Math.floor((x0 + x1) / 2)));
  const cy = Math.min(height - 1, Math.max(0, Math.floor((y0 + y1) / 2)));
  const i = (cy * width + cx) * 3;
  return [data[i], data[i + 1], data[i + 2]];
}

/** Paints a region with a fill; marks `mask` when given and returns the tight box of what was painted. */
function paintRegion(
  data: Float32Array,
  width: number,
  height: number,
  region: Region,
  fill: Fill,
  mask: Uint8Array | null,
): [number, number, number, number] {
  const [bx0, by0, bx1, by1] = region.bounds;
  const out: Rgb = [0, 0, 0];
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  for (let y = Math.max(0, by0); y < Math.min(height, by1); y++) {
    for (let x = Math.max(0, bx0); x < Math.min(width, bx1); x++) {
      if (!region.inside(x, y)) continue;
      fill(x, y, out);
      const i = (y * width + x) * 3;
      data[i] = out[0];
      data[i + 1] = out[1];
      data[i + 2] = out[2];
      if (mask) mask[y * width + x] = 1;
      if (x < x0) x0 = x;
      if (y < y0) y0 = y;
      if (x + 1 > x1) x1 = x + 1;
      if (y + 1 > y1) y1 = y + 1;
    }
  }
  return x1 > x0 ? [x0, y0, x1, y1] : [0, 0, 0, 0];
}
