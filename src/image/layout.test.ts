import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../core/types.js';
import { drawText, fitText, glyphRows, measureText } from './font.js';
import { grid, sideBySide } from './layout.js';
import { createRgb8, type Rgb, type Rgb8Image } from './rgb.js';

const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];

function solid(width: number, height: number, c: Rgb): RgbImage {
  return createRgb8(width, height, c);
}

function pixel(img: Rgb8Image, x: number, y: number): number[] {
  const o = (y * img.width + x) * 3;
  return Array.from(img.data.subarray(o, o + 3));
}

/** Pixels of exactly colour `c` in the rectangle [x0, x1) × [y0, y1). */
function count(img: Rgb8Image, c: Rgb, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (pixel(img, x, y).every((v, i) => v === c[i])) n++;
  return n;
}

/** Lit font pixels of `text`, from the glyph table: what a correct renderer must draw at scale 1. */
function inkOf(text: string): number {
  let n = 0;
  for (const ch of text) for (const row of glyphRows(ch) ?? []) for (let b = row; b; b >>= 1) n += b & 1;
  return n;
}

describe('font', () => {
  it('has a distinct, non-empty glyph for every printable ASCII character', () => {
    const seen = new Set<string>();
    for (let code = 32; code < 127; code++) {
      const ch = String.fromCharCode(code);
      const rows = glyphRows(ch);
      expect(rows, ch).toBeDefined();
      if (ch !== ' ') expect(inkOf(ch), ch).toBeGreaterThan(0);
      seen.add(Array.from(rows!).join(','));
    }
    expect(seen.size).toBe(95);
    expect(glyphRows('é')).toBeUndefined();
  });

  it('draws exactly the glyph pixels, scaled, and clips at the canvas edge', () => {
    const c = createRgb8(40, 20, [255, 255, 255]);
    drawText(c, 'Hi', 1, 1, [0, 0, 0], 2);
    expect(count(c, [0, 0, 0], 0, 0, 40, 20)).toBe(inkOf('Hi') * 4);
    const { width, height } = measureText('Hi', 2);
    expect([width, height]).toEqual([22, 14]);
    // Nothing outside the measured box.
    expect(count(c, [0, 0, 0], 1 + width, 0, 40, 20)).toBe(0);
    const edge = createRgb8(4, 4);
    expect(() => drawText(edge, 'WWW', -3, -3, [9, 9, 9], 3)).not.toThrow();
    expect(() => drawText(edge, 'x', 0, 0, [9, 9, 9], 0)).toThrow(/scale/);
  });

  it('draws characters outside ASCII as "?"', () => {
    const a = createRgb8(10, 10);
    const b = createRgb8(10, 10);
    drawText(a, 'é', 0, 0, [255, 255, 255]);
    drawText(b, '?', 0, 0, [255, 255, 255]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('shortens text that does not fit', () => {
    expect(fitText('Grad-CAM', 1000)).toBe('Grad-CAM');
    // 6 px per character plus 5 for the last: 35 px hold 6 characters.
    expect(fitText('abcdefghij', 35)).toBe('abcd..');
    expect(fitText('abcdefghij', 3)).toBe('');
  });
});

describe('sideBySide', () => {
  it('places panels left to right with gaps, centred vertically', () => {
    const out = sideBySide([solid(10, 8, RED), solid(20, 12, GREEN), solid(5, 5, BLUE)], { gap: 3 });
    expect([out.width, out.height]).toEqual([10 + 20 + 5 + 2 * 3, 12]);
    expect(count(out, RED, 0, 0, out.width, out.height)).toBe(80);
    expect(count(out, GREEN, 0, 0, out.width, out.height)).toBe(240);
    expect(count(out, BLUE, 0, 0, out.width, out.height)).toBe(25);
    expect(pixel(out, 0, 2)).toEqual([...RED]); // (12 - 8) / 2 = 2 rows above
    expect(pixel(out, 0, 1)).toEqual([255, 255, 255]);
    expect(pixel(out, 10, 5)).toEqual([255, 255, 255]); // gap column
    expect(pixel(out, 13, 0)).toEqual([...GREEN]);
    expect(pixel(out, 36, 3)).toEqual([...BLUE]); // (12 - 5) / 2 = 3
  });

  it('draws each label above its panel', () => {
    const labels = ['image', 'CAMERAS', 'Grad-CAM'];
    const panels = [solid(60, 30, RED), solid(60, 30, GREEN), solid(60, 30, BLUE)];
    const out = sideBySide(panels, { gap: 2, labels, fontScale: 1 });
    const band = 7 + 2 * 2; // glyph height + 2 * pad (pad = 2 * scale)
    expect([out.width, out.height]).toEqual([184, 30 + band + 2]);
    labels.forEach((text, i) => {
      const x0 = i * 62;
      expect(count(out, [0, 0, 0], x0, 0, x0 + 60, band), text).toBe(inkOf(text));
    });
    expect(count(out, RED, 0, band + 2, 60, out.height)).toBe(1800);
  });

  it('rejects no panels, a label count mismatch and malformed panels', () => {
    expect(() => sideBySide([])).toThrow(/at least one/);
    expect(() => sideBySide([solid(2, 2, RED)], { labels: ['a', 'b'] })).toThrow(/2 labels for 1 panels/);
    expect(() => sideBySide([{ width: 2, height: 2, channels: 3, data: new Uint8Array(3) }])).toThrow(/data has 3 values/);
    expect(() => sideBySide([solid(2, 2, RED)], { gap: -1 })).toThrow(/gap/);
  });
});

describe('grid', () => {
  it('sizes columns and rows by their largest cells and adds label bands', () => {
    const rows = [
      [solid(30, 20, RED), solid(40, 10, GREEN)],
      [solid(20, 25, BLUE)],
    ];
    const rowLabels = ['cat', 'dog'];
    const out = grid(rows, {
      gap: 4,
      fontScale: 1,
      rowLabels,
      colLabels: ['A', 'B'],
      cellLabels: [['p=0.9', 'q'], [undefined]],
    });
    const pad = 2;
    const band = 7 + 2 * pad;
    const leftW = measureText('cat').width + 2 * pad + 4;
    // Columns 30 and 40 wide; rows 20 (+ cell-label band) and 25; column-label band on top.
    expect(out.width).toBe(leftW + 30 + 4 + 40);
    expect(out.height).toBe(band + 4 + 20 + band + 4 + 25);
    expect(count(out, RED, 0, 0, out.width, out.height)).toBe(600);
    expect(count(out, GREEN, 0, 0, out.width, out.height)).toBe(400);
    expect(count(out, BLUE, 0, 0, out.width, out.height)).toBe(500);
    const black: Rgb = [0, 0, 0];
    const row0 = band + 4;
    const row1 = row0 + 20 + band + 4;
    expect(count(out, black, leftW, 0, out.width, band)).toBe(inkOf('A') + inkOf('B'));
    expect(count(out, black, 0, row0, leftW, row0 + 20)).toBe(inkOf('cat'));
    expect(count(out, black, 0, row1, leftW, row1 + 25)).toBe(inkOf('dog'));
    // 'p=0.9' is 29 px wide, the 30-px column leaves 26 px inside the padding: shortened.
    expect(fitText('p=0.9', 30 - 2 * pad)).toBe('p=..');
    expect(count(out, black, leftW, row0 + 20, out.width, row0 + 20 + band)).toBe(inkOf('p=..') + inkOf('q'));
    // Blue (20 wide) is centred in the 30-wide first column: 5 px of background on its left.
    expect(pixel(out, leftW + 4, row1 + 1)).toEqual([255, 255, 255]);
    expect(pixel(out, leftW + 5, row1 + 1)).toEqual([...BLUE]);
  });

  it('picks a font scale from the column width', () => {
    const small = grid([[solid(100, 50, RED)]], { colLabels: ['x'] });
    const large = grid([[solid(448, 50, RED)]], { colLabels: ['x'] });
    expect(small.height - 50).toBe(7 + 4 + 4); // scale 1
    expect(large.height - 50).toBe(28 + 16 + 4); // scale 4
  });

  it('rejects label arrays that do not match the grid', () => {
    const rows = [[solid(2, 2, RED)], [solid(2, 2, RED)]];
    expect(() => grid(rows, { rowLabels: ['a'] })).toThrow(/rowLabels/);
    expect(() => grid(rows, { colLabels: ['a', 'b'] })).toThrow(/colLabels/);
    expect(() => grid(rows, { cellLabels: [['a']] })).toThrow(/cellLabels/);
    expect(() => grid([])).toThrow(/at least one row/);
    expect(() => grid([[]])).toThrow(/at least one image/);
    expect(() => grid(rows, { fontScale: 0 })).toThrow(/fontScale/);
  });
});
