/**
 * Ground-truth regions of one class in one image, and their rasterisation to a boolean occupancy
 * mask at the original image size (the form the pointing game tests against).
 *
 * Pixel convention: pixel `(x, y)` (column, row, 0-based) covers the square `[x, x+1) × [y, y+1)`
 * and its centre is `(x + 0.5, y + 0.5)`.
 */

/**
 * A box given as inclusive 0-based pixel indices. PASCAL VOC boxes are 1-based and inclusive
 * (`xmin = 1` is the first column, `xmax = width` the last): TorchRay converts them by subtracting 1
 * from all four numbers and filling `[ymin-1 .. ymax-1] × [xmin-1 .. xmax-1]` inclusive;
 * {@link vocBoxToPixels} does the same.
 */
export interface PixelBox {
  readonly kind: 'box';
  /** First column covered (0-based, inclusive). */
  readonly x0: number;
  /** First row covered (0-based, inclusive). */
  readonly y0: number;
  /** Last column covered (0-based, inclusive). */
  readonly x1: number;
  /** Last row covered (0-based, inclusive). */
  readonly y1: number;
}

/**
 * A polygon in continuous image coordinates (COCO convention: `(0, 0)` is the top-left corner of
 * the first pixel). A pixel belongs to it when its centre lies inside (even-odd rule).
 */
export interface PolygonRegion {
  readonly kind: 'polygon';
  /** Flat `[x1, y1, x2, y2, ...]`, at least three vertices. */
  readonly points: readonly number[];
}

/**
 * A run-length-encoded mask in COCO's layout: runs alternate background/foreground starting with
 * background, pixels counted in column-major (Fortran) order.
 */
export interface RleRegion {
  readonly kind: 'rle';
  /** Run lengths (already decoded from COCO's compressed string form if it was one). */
  readonly counts: readonly number[];
  /** Mask height (must equal the image height). */
  readonly height: number;
  /** Mask width (must equal the image width). */
  readonly width: number;
}

/** Any ground-truth region of one object. */
export type Region = PixelBox | PolygonRegion | RleRegion;

/**
 * Convert a PASCAL VOC box (1-based, inclusive `[xmin, ymin, xmax, ymax]`) to 0-based inclusive
 * pixel indices, as TorchRay's `voc_as_mask` does.
 */
export function vocBoxToPixels(bbox: readonly [number, number, number, number] | readonly number[]): PixelBox {
  if (bbox.length !== 4 || !bbox.every((v) => Number.isFinite(v))) {
    throw new RangeError(`vocBoxToPixels: expected [xmin, ymin, xmax, ymax], got ${JSON.stringify(bbox)}`);
  }
  const [xmin, ymin, xmax, ymax] = bbox as [number, number, number, number];
  return { kind: 'box', x0: Math.trunc(xmin) - 1, y0: Math.trunc(ymin) - 1, x1: Math.trunc(xmax) - 1, y1: Math.trunc(ymax) - 1 };
}

/**
 * Convert a COCO box `[x, y, width, height]` (continuous coordinates) to pixel indices: the pixels
 * whose centres lie inside the box, i.e. what rasterising the box as a polygon gives. A box too
 * thin to contain any pixel centre keeps the one pixel holding its centre, so no object vanishes.
 */
export function cocoBoxToPixels(bbox: readonly number[]): PixelBox {
  if (bbox.length !== 4 || !bbox.every((v) => Number.isFinite(v)) || bbox[2]! < 0 || bbox[3]! < 0) {
    throw new RangeError(`cocoBoxToPixels: expected [x, y, width, height], got ${JSON.stringify(bbox)}`);
  }
  const [x, y, w, h] = bbox as [number, number, number, number];
  const span = (a: number, len: number): [number, number] => {
    // Pixel i is inside when a <= i + 0.5 < a + len.
    let lo = Math.ceil(a - 0.5);
    let hi = Math.ceil(a + len - 0.5) - 1;
    if (hi < lo) lo = hi = Math.floor(a + len / 2);
    return [lo, hi];
  };
  const [x0, x1] = span(x, w);
  const [y0, y1] = span(y, h);
  return { kind: 'box', x0, y0, x1, y1 };
}

/**
 * Decode COCO's compressed RLE string (pycocotools `counts` as a string: 6-bit characters offset
 * by 48, 5 data bits per character, a continuation bit, sign extension, and each count after the
 * second stored as a difference from the count two places before).
 */
export function decodeCocoRleString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new RangeError('decodeCocoRleString: truncated string');
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new RangeError(`decodeCocoRleString: bad character ${JSON.stringify(s[p])}`);
      // Arithmetic instead of bit shifts: JS shifts are 32-bit and wrap past 6 characters.
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10) !== 0) x -= 2 ** (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    counts.push(x);
  }
  if (counts.some((c) => c < 0)) throw new RangeError('decodeCocoRleString: negative run length');
  return counts;
}

function fillBox(mask: Uint8Array, width: number, height: number, b: PixelBox): void {
  const x0 = Math.max(0, b.x0);
  const y0 = Math.max(0, b.y0);
  const x1 = Math.min(width - 1, b.x1);
  const y1 = Math.min(height - 1, b.y1);
  for (let y = y0; y <= y1; y++) mask.fill(1, y * width + x0, y * width + x1 + 1);
}

function fillPolygon(mask: Uint8Array, width: number, height: number, pts: readonly number[]): void {
  if (pts.length < 6 || pts.length % 2 !== 0 || !pts.every((v) => Number.isFinite(v))) {
    throw new RangeError(`polygon needs at least 3 finite (x, y) vertices, got ${pts.length} numbers`);
  }
  const n = pts.length / 2;
  const xs: number[] = [];
  for (let y = 0; y < height; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const yi = pts[2 * i + 1]!;
      const yj = pts[2 * j + 1]!;
      // Half-open test so a vertex exactly on the scan line is counted once.
      if ((yi <= cy) !== (yj <= cy)) {
        const xi = pts[2 * i]!;
        const xj = pts[2 * j]!;
        xs.push(xi + ((cy - yi) / (yj - yi)) * (xj - xi));
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // Columns whose centre x + 0.5 lies in [xs[k], xs[k+1]).
      const lo = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const hi = Math.min(width - 1, Math.ceil(xs[k + 1]! - 0.5) - 1);
      if (hi >= lo) mask.fill(1, y * width + lo, y * width + hi + 1);
    }
  }
}

function fillRle(mask: Uint8Array, width: number, height: number, r: RleRegion): void {
  if (r.height !== height || r.width !== width) {
    throw new RangeError(`RLE mask is ${r.width}×${r.height}, image is ${width}×${height}`);
  }
  let pos = 0;
  const total = width * height;
  for (let i = 0; i < r.counts.length; i++) {
    const run = r.counts[i]!;
    if (!Number.isInteger(run) || run < 0) throw new RangeError(`RLE run ${i} is not a non-negative integer: ${run}`);
    if (pos + run > total) throw new RangeError(`RLE runs cover more than ${total} pixels`);
    if (i % 2 === 1) {
      for (let q = pos; q < pos + run; q++) {
        // Column-major index q → (x, y).
        const x = Math.floor(q / height);
        const y = q - x * height;
        mask[y * width + x] = 1;
      }
    }
    pos += run;
  }
}

/**
 * Rasterise the union of `regions` to a row-major `height × width` occupancy mask (1 inside).
 * Boxes are clipped to the image.
 */
export function regionsToMask(regions: readonly Region[], width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`regionsToMask: bad image size ${width}×${height}`);
  }
  const mask = new Uint8Array(width * height);
  for (const r of regions) {
    if (r.kind === 'box') fillBox(mask, width, height, r);
    else if (r.kind === 'polygon') fillPolygon(mask, width, height, r.points);
    else if (r.kind === 'rle') fillRle(mask, width, height, r);
    else throw new TypeError(`regionsToMask: unknown region kind ${(r as { kind: unknown }).kind}`);
  }
  return mask;
}
