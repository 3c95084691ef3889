import type { Rng } from './rng.js';

/**
 * A filled planar region in pixel coordinates, tested at pixel centres.
 * Masks and paint both use the same test, so a mask is exact by construction.
 */
export interface Region {
  /** True when the pixel centre `(x + 0.5, y + 0.5)` of pixel `(x, y)` lies inside. */
  inside(x: number, y: number): boolean;
  /** Conservative pixel bounds `[x0, y0, x1, y1]` (x1, y1 exclusive, possibly off-image). */
  readonly bounds: readonly [number, number, number, number];
}

/** A region in the unit disc of a local frame: `(u, v)` with v pointing down the image. */
export type LocalTest = (u: number, v: number) => boolean;

/** Places a local unit-disc region at centre `(cx, cy)` with radius `r` (pixels) and rotation `angle`. */
export function placeRegion(test: LocalTest, cx: number, cy: number, r: number, angle: number): Region {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const inv = 1 / r;
  return {
    inside(x, y) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      return test((dx * c + dy * s) * inv, (-dx * s + dy * c) * inv);
    },
    bounds: [Math.floor(cx - r) - 1, Math.floor(cy - r) - 1, Math.ceil(cx + r) + 1, Math.ceil(cy + r) + 1],
  };
}

/** Even-odd point-in-polygon test. */
function inPolygon(xs: readonly number[], ys: readonly number[], u: number, v: number): boolean {
  let inside = false;
  for (let i = 0, j = xs.length - 1; i < xs.length; j = i++) {
    if (ys[i] > v !== ys[j] > v && u < ((xs[j] - xs[i]) * (v - ys[i])) / (ys[j] - ys[i]) + xs[i]) inside = !inside;
  }
  return inside;
}

/** Vertices of a star or regular polygon: `n` points alternating radius `r0`, `r1`. */
function ring(n: number, r0: number, r1: number): [number[], number[]] {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    const r = i % 2 === 0 ? r0 : r1;
    xs.push(r * Math.cos(a));
    ys.push(r * Math.sin(a));
  }
  return [xs, ys];
}

const TRIANGLE = ring(3, 1, 1);
const HEXAGON = ring(6, 0.95, 0.95);
const STAR = ring(10, 1, 0.42);

/**
 * Outline of each class, in the order of `SCENE_LABELS`, for the eight outline classes.
 * Sizes are matched so that the areas are comparable and all fit the unit disc.
 */
export function classOutline(classIndex: number, rng: Rng): LocalTest {
  switch (classIndex) {
    case 0:
      return (u, v) => u * u + v * v <= 0.9 * 0.9;
    case 1:
      return (u, v) => Math.abs(u) <= 0.7 && Math.abs(v) <= 0.7;
    case 2:
      return (u, v) => inPolygon(TRIANGLE[0], TRIANGLE[1], u, v);
    case 3:
      return (u, v) => inPolygon(STAR[0], STAR[1], u, v);
    case 4: {
      const arm = rng.range(0.22, 0.32);
      return (u, v) => (Math.abs(u) <= arm && Math.abs(v) <= 0.95) || (Math.abs(v) <= arm && Math.abs(u) <= 0.95);
    }
    case 5: {
      const inner = rng.range(0.5, 0.65);
      return (u, v) => {
        const d = u * u + v * v;
        return d <= 0.95 * 0.95 && d >= inner * inner;
      };
    }
    case 6:
      return (u, v) => inPolygon(HEXAGON[0], HEXAGON[1], u, v);
    case 7:
      // (x² + y² − 1)³ ≤ x² y³, scaled and shifted so that it fits the unit disc, point down.
      return (u, v) => {
        const x = u * 1.25;
        const y = -v * 1.25 + 0.12;
        const q = x * x + y * y - 1;
        return q * q * q - x * x * y * y * y <= 0;
      };
    default:
      throw new Error(`classOutline: no outline for class ${classIndex}`);
  }
}

/** Outline of a patterned (stripes/checker) object: an ellipse or rectangle of random aspect. */
export function patternOutline(rng: Rng): LocalTest {
  const aspect = rng.range(1, 1.8);
  if (rng.next() < 0.5) {
    const a = 0.95;
    const b = 0.95 / aspect;
    return (u, v) => (u * u) / (a * a) + (v * v) / (b * b) <= 1;
  }
  const a = 0.8;
  const b = 0.8 / aspect;
  return (u, v) => Math.abs(u) <= a && Math.abs(v) <= b;
}

/** Kinds of distractor, none of which is one of the classes. */
export const DISTRACTOR_KINDS = ['line', 'zigzag', 'blob', 'ell', 'crescent'] as const;

/**
 * Outline of a distractor and the radius factor it is drawn at.
 * Lines and zigzags are thin; blobs are small; L-shapes and crescents are object-sized shapes
 * that are not classes, so that size or "some shape is there" alone does not decide.
 */
export function distractorOutline(kind: (typeof DISTRACTOR_KINDS)[number], rng: Rng): LocalTest {
  switch (kind) {
    case 'line': {
      const w = rng.range(0.04, 0.1);
      return (u, v) => Math.abs(v) <= w && Math.abs(u) <= 1;
    }
    case 'zigzag': {
      const w = rng.range(0.04, 0.08);
      const n = 2 + rng.int(3);
      const amp = rng.range(0.15, 0.3);
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i <= n; i++) {
        xs.push(-0.95 + (1.9 * i) / n);
        ys.push(i % 2 === 0 ? -amp : amp);
      }
      return (u, v) => {
        for (let i = 0; i < n; i++) if (segDist2(u, v, xs[i], ys[i], xs[i + 1], ys[i + 1]) <= w * w) return true;
        return false;
      };
    }
    case 'blob': {
      const b = rng.range(0.5, 1);
      return (u, v) => u * u + (v * v) / (b * b) <= 1;
    }
    case 'ell':
      return (u, v) => (u >= -0.75 && u <= -0.35 && Math.abs(v) <= 0.8) || (u >= -0.75 && u <= 0.75 && v >= 0.4 && v <= 0.8);
    case 'crescent': {
      const off = rng.range(0.35, 0.55);
      return (u, v) => u * u + v * v <= 0.81 && (u - off) * (u - off) + v * v > 0.6;
    }
    default:
      throw new Error(`distractorOutline: unknown kind ${String(kind)}`);
  }
}

function segDist2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  const ex = px - ax - t * dx;
  const ey = py - ay - t * dy;
  return ex * ex + ey * ey;
}
