import type { Rgb } from './rgb.js';

/**
 * A 5×7 pixel font for printable ASCII (and ×), drawn for this project, so that grids and side-by-side
 * panels can carry captions without a font library (and identically in Node and the browser).
 * Each glyph is 7 rows of 5 cells, `#` on, `.` off, rows separated by `|`.
 */
const GLYPHS: Record<string, string> = {
  ' ': '.....|.....|.....|.....|.....|.....|.....',
  '!': '..#..|..#..|..#..|..#..|..#..|.....|..#..',
  '"': '.#.#.|.#.#.|.#.#.|.....|.....|.....|.....',
  '#': '.#.#.|.#.#.|#####|.#.#.|#####|.#.#.|.#.#.',
  $: '..#..|.####|#.#..|.###.|..#.#|####.|..#..',
  '%': '##...|##..#|...#.|..#..|.#...|#..##|...##',
  '&': '.##..|#..#.|#.#..|.#...|#.#.#|#..#.|.##.#',
  "'": '..#..|..#..|.#...|.....|.....|.....|.....',
  '(': '...#.|..#..|.#...|.#...|.#...|..#..|...#.',
  ')': '.#...|..#..|...#.|...#.|...#.|..#..|.#...',
  '*': '.....|..#..|#.#.#|.###.|#.#.#|..#..|.....',
  '+': '.....|..#..|..#..|#####|..#..|..#..|.....',
  ',': '.....|.....|.....|.....|.##..|..#..|.#...',
  '-': '.....|.....|.....|#####|.....|.....|.....',
  '.': '.....|.....|.....|.....|.....|.##..|.##..',
  '/': '.....|....#|...#.|..#..|.#...|#....|.....',
  '0': '.###.|#...#|#..##|#.#.#|##..#|#...#|.###.',
  '1': '..#..|.##..|..#..|..#..|..#..|..#..|.###.',
  '2': '.###.|#...#|....#|...#.|..#..|.#...|#####',
  '3': '#####|...#.|..#..|...#.|....#|#...#|.###.',
  '4': '...#.|..##.|.#.#.|#..#.|#####|...#.|...#.',
  '5': '#####|#....|####.|....#|....#|#...#|.###.',
  '6': '..##.|.#...|#....|####.|#...#|#...#|.###.',
  '7': '#####|....#|...#.|..#..|.#...|.#...|.#...',
  '8': '.###.|#...#|#...#|.###.|#...#|#...#|.###.',
  '9': '.###.|#...#|#...#|.####|....#|...#.|.##..',
  ':': '.....|.##..|.##..|.....|.##..|.##..|.....',
  ';': '.....|.##..|.##..|.....|.##..|..#..|.#...',
  '<': '...#.|..#..|.#...|#....|.#...|..#..|...#.',
  '=': '.....|.....|#####|.....|#####|.....|.....',
  '>': '.#...|..#..|...#.|....#|...#.|..#..|.#...',
  '?': '.###.|#...#|....#|...#.|..#..|.....|..#..',
  '@': '.###.|#...#|....#|.##.#|#.#.#|#.#.#|.###.',
  A: '.###.|#...#|#...#|#####|#...#|#...#|#...#',
  B: '####.|#...#|#...#|####.|#...#|#...#|####.',
  C: '.###.|#...#|#....|#....|#....|#...#|.###.',
  D: '###..|#..#.|#...#|#...#|#...#|#..#.|###..',
  E: '#####|#....|#....|####.|#....|#....|#####',
  F: '#####|#....|#....|####.|#....|#....|#....',
  G: '.###.|#...#|#....|#.###|#...#|#...#|.####',
  H: '#...#|#...#|#...#|#####|#...#|#...#|#...#',
  I: '.###.|..#..|..#..|..#..|..#..|..#..|.###.',
  J: '..###|...#.|...#.|...#.|...#.|#..#.|.##..',
  K: '#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#',
  L: '#....|#....|#....|#....|#....|#....|#####',
  M: '#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#',
  N: '#...#|#...#|##..#|#.#.#|#..##|#...#|#...#',
  O: '.###.|#...#|#...#|#...#|#...#|#...#|.###.',
  P: '####.|#...#|#...#|####.|#....|#....|#....',
  Q: '.###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#',
  R: '####.|#...#|#...#|####.|#.#..|#..#.|#...#',
  S: '.####|#....|#....|.###.|....#|....#|####.',
  T: '#####|..#..|..#..|..#..|..#..|..#..|..#..',
  U: '#...#|#...#|#...#|#...#|#...#|#...#|.###.',
  V: '#...#|#...#|#...#|#...#|#...#|.#.#.|..#..',
  W: '#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.',
  X: '#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#',
  Y: '#...#|#...#|.#.#.|..#..|..#..|..#..|..#..',
  Z: '#####|....#|...#.|..#..|.#...|#....|#####',
  '[': '.###.|.#...|.#...|.#...|.#...|.#...|.###.',
  '\\': '.....|#....|.#...|..#..|...#.|....#|.....',
  ']': '.###.|...#.|...#.|...#.|...#.|...#.|.###.',
  '^': '..#..|.#.#.|#...#|.....|.....|.....|.....',
  _: '.....|.....|.....|.....|.....|.....|#####',
  '`': '.#...|..#..|...#.|.....|.....|.....|.....',
  a: '.....|.....|.###.|....#|.####|#...#|.####',
  b: '#....|#....|#.##.|##..#|#...#|#...#|####.',
  c: '.....|.....|.###.|#....|#....|#...#|.###.',
  d: '....#|....#|.##.#|#..##|#...#|#...#|.####',
  e: '.....|.....|.###.|#...#|#####|#....|.###.',
  f: '..##.|.#..#|.#...|###..|.#...|.#...|.#...',
  g: '.....|.....|.####|#...#|.####|....#|.###.',
  h: '#....|#....|#.##.|##..#|#...#|#...#|#...#',
  i: '..#..|.....|.##..|..#..|..#..|..#..|.###.',
  j: '...#.|.....|..##.|...#.|...#.|#..#.|.##..',
  k: '#....|#....|#..#.|#.#..|##...|#.#..|#..#.',
  l: '.##..|..#..|..#..|..#..|..#..|..#..|.###.',
  m: '.....|.....|##.#.|#.#.#|#.#.#|#...#|#...#',
  n: '.....|.....|#.##.|##..#|#...#|#...#|#...#',
  o: '.....|.....|.###.|#...#|#...#|#...#|.###.',
  p: '.....|.....|####.|#...#|####.|#....|#....',
  q: '.....|.....|.##.#|#..##|.####|....#|....#',
  r: '.....|.....|#.##.|##..#|#....|#....|#....',
  s: '.....|.....|.###.|#....|.###.|....#|####.',
  t: '.#...|.#...|###..|.#...|.#...|.#..#|..##.',
  u: '.....|.....|#...#|#...#|#...#|#..##|.##.#',
  v: '.....|.....|#...#|#...#|#...#|.#.#.|..#..',
  w: '.....|.....|#...#|#...#|#.#.#|#.#.#|.#.#.',
  x: '.....|.....|#...#|.#.#.|..#..|.#.#.|#...#',
  y: '.....|.....|#...#|#...#|.####|....#|.###.',
  z: '.....|.....|#####|...#.|..#..|.#...|#####',
  '{': '..##.|.#...|.#...|#....|.#...|.#...|..##.',
  '|': '..#..|..#..|..#..|..#..|..#..|..#..|..#..',
  '}': '.##..|...#.|...#.|....#|...#.|...#.|.##..',
  '~': '.....|.....|.#...|#.#.#|...#.|.....|.....',
  // Beyond ASCII: the multiplication sign of sizes written width×height.
  '×': '.....|#...#|.#.#.|..#..|.#.#.|#...#|.....',
};

/** Glyph cell width in font pixels. */
export const GLYPH_WIDTH = 5;
/** Glyph cell height in font pixels. */
export const GLYPH_HEIGHT = 7;
/** Horizontal advance per character (glyph plus one pixel of spacing). */
export const GLYPH_ADVANCE = GLYPH_WIDTH + 1;

/** Each glyph as 7 row bitmasks, bit 4 = leftmost column; built once from the table above. */
const BITMAPS = new Map<string, Uint8Array>();
for (const [ch, art] of Object.entries(GLYPHS)) {
  const rows = art.split('|');
  if (rows.length !== GLYPH_HEIGHT || rows.some((r) => r.length !== GLYPH_WIDTH)) {
    throw new Error(`font: glyph ${JSON.stringify(ch)} is not ${GLYPH_WIDTH}x${GLYPH_HEIGHT}`);
  }
  BITMAPS.set(ch, Uint8Array.from(rows, (r) => [...r].reduce((m, c) => (m << 1) | (c === '#' ? 1 : 0), 0)));
}

/** The bitmap of a character; characters without a glyph draw as `?`. */
function glyph(ch: string): Uint8Array {
  return BITMAPS.get(ch) ?? (BITMAPS.get('?') as Uint8Array);
}

/**
 * The 7 row bitmasks of a character's glyph (bit 4 = leftmost column), or `undefined` when the
 * font has no glyph for it (such characters are drawn as `?`).
 */
export function glyphRows(ch: string): Uint8Array | undefined {
  const rows = BITMAPS.get(ch);
  return rows ? rows.slice() : undefined;
}

/** Size in output pixels of `text` drawn at `scale` (one line; no trailing spacing). */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  const n = [...text].length;
  return { width: n === 0 ? 0 : (n * GLYPH_ADVANCE - 1) * scale, height: GLYPH_HEIGHT * scale };
}

/** A mutable 8-bit RGB canvas, the target of {@link drawText}. */
export interface Canvas {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * Draw one line of text with its top-left corner at (x, y), each font pixel a `scale`×`scale`
 * square. Pixels falling outside the canvas are clipped, so callers need not pre-measure.
 */
export function drawText(canvas: Canvas, text: string, x: number, y: number, color: Rgb, scale = 1): void {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`text scale must be a positive integer, got ${scale}`);
  const { width, height, data } = canvas;
  let penX = Math.round(x);
  const top = Math.round(y);
  for (const ch of text) {
    const rows = glyph(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      const bits = rows[gy];
      if (bits === 0) continue;
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (((bits >> (GLYPH_WIDTH - 1 - gx)) & 1) === 0) continue;
        for (let sy = 0; sy < scale; sy++) {
          const py = top + gy * scale + sy;
          if (py < 0 || py >= height) continue;
          for (let sx = 0; sx < scale; sx++) {
            const px = penX + gx * scale + sx;
            if (px < 0 || px >= width) continue;
            const o = (py * width + px) * 3;
            data[o] = color[0];
            data[o + 1] = color[1];
            data[o + 2] = color[2];
          }
        }
      }
    }
    penX += GLYPH_ADVANCE * scale;
  }
}

/**
 * `text` shortened (with a trailing `..`) so that it fits in `maxWidth` pixels at `scale`;
 * returns `''` when not even one character fits.
 */
export function fitText(text: string, maxWidth: number, scale = 1): string {
  const chars = [...text];
  const fits = Math.floor((maxWidth / scale + 1) / GLYPH_ADVANCE);
  if (chars.length <= fits) return text;
  if (fits <= 0) return '';
  if (fits <= 2) return chars.slice(0, fits).join('');
  return `${chars.slice(0, fits - 2).join('')}..`;
}
