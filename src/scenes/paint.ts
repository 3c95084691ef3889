import type { Rng } from './rng.js';

/** An RGB colour, 0..255 per channel. */
export type Rgb = [number, number, number];

/** Colour of pixel `(x, y)` of an object's fill; written into `out`. */
export type Fill = (x: number, y: number, out: Rgb) => void;

/** A random saturated-or-not colour; all hues and brightnesses are possible so colour never decides. */
export function randomColour(rng: Rng): Rgb {
  return [rng.int(256), rng.int(256), rng.int(256)];
}

/** L1 distance between two colours. */
export function colourDistance(a: Rgb, b: Rgb): number {
  return Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]);
}

/** A colour at least `minDist` (L1) away from every colour in `avoid` (best of a few tries). */
export function contrastingColour(rng: Rng, avoid: readonly Rgb[], minDist: number): Rgb {
  let best = randomColour(rng);
  let bestD = Math.min(...avoid.map((a) => colourDistance(a, best)));
  for (let i = 0; i < 24 && bestD < minDist; i++) {
    const c = randomColour(rng);
    const d = Math.min(...avoid.map((a) => colourDistance(a, c)));
    if (d > bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/**
 * A plain fill: one colour with a gentle linear shading about `(cx, cy)` and fine grain, like a lit
 * matte surface.
 * The grain comes from a hash of the pixel position, so fills do not depend on drawing order.
 */
export function plainFill(rng: Rng, colour: Rgb, seed: number, cx: number, cy: number): Fill {
  const a = rng.range(0, 2 * Math.PI);
  const gx = Math.cos(a) * rng.range(0, 0.5);
  const gy = Math.sin(a) * rng.range(0, 0.5);
  const grain = rng.range(2, 10);
  return (x, y, out) => {
    const shade = gx * (x - cx) + gy * (y - cy);
    const g = (hash01(x, y, seed) - 0.5) * 2 * grain;
    for (let c = 0; c < 3; c++) out[c] = colour[c] + shade + g;
  };
}

/** Parallel bands of two colours, of random angle and period (pixels). */
export function stripesFill(rng: Rng, c1: Rgb, c2: Rgb, period: number): Fill {
  const a = rng.range(0, Math.PI);
  const ca = Math.cos(a) / period;
  const sa = Math.sin(a) / period;
  const phase = rng.next();
  return (x, y, out) => {
    const t = x * ca + y * sa + phase;
    const src = Math.floor(t) % 2 === 0 ? c1 : c2;
    out[0] = src[0];
    out[1] = src[1];
    out[2] = src[2];
  };
}

/** A rotated chequerboard of two colours with square cells of `cell` pixels. */
export function checkerFill(rng: Rng, c1: Rgb, c2: Rgb, cell: number): Fill {
  const a = rng.range(0, Math.PI / 2);
  const ca = Math.cos(a) / cell;
  const sa = Math.sin(a) / cell;
  const p0 = rng.next();
  const p1 = rng.next();
  return (x, y, out) => {
    const i = Math.floor(x * ca + y * sa + p0);
    const j = Math.floor(-x * sa + y * ca + p1);
    const src = ((i + j) & 1) === 0 ? c1 : c2;
    out[0] = src[0];
    out[1] = src[1];
    out[2] = src[2];
  };
}

/** Deterministic hash of a pixel position to [0, 1). */
export function hash01(x: number, y: number, seed: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(seed | 0, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/**
 * Smooth value noise in [0, 1] of a given cell size (pixels): random values on a grid,
 * interpolated with smoothstep. Used for cloudy, cluttered backgrounds.
 */
export function valueNoise(width: number, height: number, cell: number, rng: Rng): Float32Array {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next();
  const ox = rng.range(0, cell);
  const oy = rng.range(0, cell);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = (y + oy) / cell;
    const iy = Math.floor(fy);
    let ty = fy - iy;
    ty = ty * ty * (3 - 2 * ty);
    for (let x = 0; x < width; x++) {
      const fx = (x + ox) / cell;
      const ix = Math.floor(fx);
      let tx = fx - ix;
      tx = tx * tx * (3 - 2 * tx);
      const a = grid[iy * gw + ix];
      const b = grid[iy * gw + ix + 1];
      const c = grid[(iy + 1) * gw + ix];
      const d = grid[(iy + 1) * gw + ix + 1];
      out[y * width + x] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return out;
}
