import { INFERNO_HEX, TURBO_HEX, VIRIDIS_HEX } from './colormap-data.js';

/** Names of the built-in colormaps. */
export type ColormapName = 'jet' | 'turbo' | 'viridis' | 'inferno' | 'gray';

/** Every built-in colormap, for CLI validation and help text. */
export const COLORMAP_NAMES: readonly ColormapName[] = ['jet', 'turbo', 'viridis', 'inferno', 'gray'];

/** True when `name` is a built-in colormap. */
export function isColormapName(name: string): name is ColormapName {
  return (COLORMAP_NAMES as readonly string[]).includes(name);
}

type Segment = readonly (readonly [number, number])[];

/**
 * Jet as matplotlib defines it: piecewise-linear channels through these (x, value) knots. It is
 * what saliency papers, CAMERAS included, show, so overlays look familiar next to theirs.
 */
const JET: readonly [Segment, Segment, Segment] = [
  [[0, 0], [0.35, 0], [0.66, 1], [0.89, 1], [1, 0.5]],
  [[0, 0], [0.125, 0], [0.375, 1], [0.64, 1], [0.91, 0], [1, 0]],
  [[0, 0.5], [0.11, 1], [0.34, 1], [0.65, 0], [1, 0]],
];

function piecewise(seg: Segment, x: number): number {
  for (let i = 1; i < seg.length; i++) {
    const [x1, y1] = seg[i];
    if (x <= x1) {
      const [x0, y0] = seg[i - 1];
      return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return seg[seg.length - 1][1];
}

function to8(v: number): number {
  return Math.round(Math.min(1, Math.max(0, v)) * 255);
}

function fromHex(hex: string): Uint8Array {
  const lut = new Uint8Array(hex.length / 2);
  for (let i = 0; i < lut.length; i++) lut[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return lut;
}

function build(name: ColormapName): Uint8Array {
  if (name === 'viridis') return fromHex(VIRIDIS_HEX);
  if (name === 'inferno') return fromHex(INFERNO_HEX);
  if (name === 'turbo') return fromHex(TURBO_HEX);
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = name === 'jet' ? to8(piecewise(JET[c], x)) : i;
  }
  return lut;
}

const cache = new Map<ColormapName, Uint8Array>();

function lutOf(name: ColormapName): Uint8Array {
  if (!isColormapName(name)) {
    throw new RangeError(`unknown colormap "${String(name)}" (expected one of: ${COLORMAP_NAMES.join(', ')})`);
  }
  let lut = cache.get(name);
  if (!lut) {
    lut = build(name);
    cache.set(name, lut);
  }
  return lut;
}

/**
 * The 256-entry lookup table of a colormap: 768 bytes, entry `i` at `[3i, 3i+1, 3i+2]` is the
 * colour of value `i / 255`. Returns a copy, so callers may modify it.
 */
export function colormapLut(name: ColormapName): Uint8Array {
  return lutOf(name).slice();
}

/**
 * Colour a map: each value in [0, 1] becomes an RGB triple (`3 * map.length` bytes, interleaved).
 * Values are clamped to [0, 1] and quantised to the nearest of the 256 entries; NaN is drawn as 0,
 * so a degenerate map still renders instead of throwing.
 */
export function applyColormap(map: ArrayLike<number>, name: ColormapName = 'jet'): Uint8Array {
  const lut = lutOf(name);
  const out = new Uint8Array(map.length * 3);
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    const k = v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0;
    out[3 * i] = lut[3 * k];
    out[3 * i + 1] = lut[3 * k + 1];
    out[3 * i + 2] = lut[3 * k + 2];
  }
  return out;
}
