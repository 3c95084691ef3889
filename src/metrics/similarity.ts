/**
 * Similarity of two saliency maps, as the sanity checks of Adebayo et al. ("Sanity checks for
 * saliency maps", NeurIPS 2018) report it between the map of a trained model and the map after
 * randomising layers: Spearman rank correlation (with and without absolute values), SSIM and the
 * Pearson correlation of HOG descriptors. Plain JS on row-major arrays.
 */

function checkPair(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what}: arrays differ in length (${a.length} vs ${b.length})`);
  if (a.length < 2) throw new RangeError(`${what}: need at least two values`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!) || !Number.isFinite(b[i]!)) throw new RangeError(`${what}: non-finite value at ${i}`);
  }
}

/** Pearson correlation coefficient; NaN when either input is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPair(a, b, 'pearson');
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]!; mb += b[i]!; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db; saa += da * da; sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : Number.NaN;
}

/** Ranks 1..n, ties given the average of the ranks they span. */
export function averageRanks(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((p, q) => x[p]! - x[q]!);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[idx[j + 1]!] === x[idx[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]!] = r;
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman rank correlation (Pearson correlation of average ranks). With `absolute`, both maps
 * are replaced by their absolute values first, as Adebayo et al. report for signed maps.
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>, options: { absolute?: boolean } = {}): number {
  checkPair(a, b, 'spearman');
  const f = (x: ArrayLike<number>) => (options.absolute ? Float64Array.from(x as ArrayLike<number>, Math.abs) : x);
  return pearson(averageRanks(f(a)), averageRanks(f(b)));
}

/** Options of {@link ssim}; defaults are Wang et al. 2004's. */
export interface SsimOptions {
  /** Gaussian window size (default 11). */
  window?: number;
  /** Gaussian σ (default 1.5). */
  sigma?: number;
  /** Dynamic range L (default 1: maps in [0, 1]). */
  dataRange?: number;
  /** Stabilisers K1, K2 (default 0.01, 0.03). */
  k1?: number;
  k2?: number;
}

/** Valid-mode separable filtering with a normalised 1-D kernel (output (h−k+1) × (w−k+1)). */
function filterValid(x: Float64Array, w: number, h: number, k: Float64Array): Float64Array {
  const kn = k.length;
  const ow = w - kn + 1;
  const oh = h - kn + 1;
  const tmp = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let xo = 0; xo < ow; xo++) {
      let s = 0;
      for (let t = 0; t < kn; t++) s += k[t]! * x[y * w + xo + t]!;
      tmp[y * ow + xo] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let yo = 0; yo < oh; yo++) {
    for (let xo = 0; xo < ow; xo++) {
      let s = 0;
      for (let t = 0; t < kn; t++) s += k[t]! * tmp[(yo + t) * ow + xo]!;
      out[yo * ow + xo] = s;
    }
  }
  return out;
}

/**
 * Mean structural similarity (Wang, Bovik, Sheikh, Simoncelli 2004): Gaussian-weighted local
 * means, variances and covariance over an 11×11 window (σ 1.5), evaluated where the window fits
 * entirely inside the map (as the authors' reference implementation does), averaged.
 *
 * @throws RangeError when the map is smaller than the window or sizes disagree.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number, options: SsimOptions = {}): number {
  checkPair(a, b, 'ssim');
  const win = options.window ?? 11;
  const sigma = options.sigma ?? 1.5;
  const L = options.dataRange ?? 1;
  if (a.length !== width * height) throw new RangeError(`ssim: maps have ${a.length} values, expected ${width}×${height}`);
  if (!Number.isInteger(win) || win < 1 || width < win || height < win) throw new RangeError(`ssim: ${width}×${height} map is smaller than the ${win}×${win} window`);
  const C1 = ((options.k1 ?? 0.01) * L) ** 2;
  const C2 = ((options.k2 ?? 0.03) * L) ** 2;
  const k = new Float64Array(win);
  let s = 0;
  for (let i = 0; i < win; i++) s += k[i] = Math.exp(-((i - (win - 1) / 2) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < win; i++) k[i]! /= s;
  const n = width * height;
  const x = Float64Array.from(a as ArrayLike<number>);
  const y = Float64Array.from(b as ArrayLike<number>);
  const xx = new Float64Array(n), yy = new Float64Array(n), xy = new Float64Array(n);
  for (let i = 0; i < n; i++) { xx[i] = x[i]! * x[i]!; yy[i] = y[i]! * y[i]!; xy[i] = x[i]! * y[i]!; }
  const mx = filterValid(x, width, height, k);
  const my = filterValid(y, width, height, k);
  const sxx = filterValid(xx, width, height, k);
  const syy = filterValid(yy, width, height, k);
  const sxy = filterValid(xy, width, height, k);
  let total = 0;
  for (let i = 0; i < mx.length; i++) {
    const ux = mx[i]!, uy = my[i]!;
    const vx = sxx[i]! - ux * ux, vy = syy[i]! - uy * uy, cxy = sxy[i]! - ux * uy;
    total += ((2 * ux * uy + C1) * (2 * cxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
  }
  return total / mx.length;
}

/** Options of {@link hogDescriptor}; defaults are Dalal and Triggs 2005's. */
export interface HogOptions {
  /** Orientation bins over 0–180° (unsigned gradients). Default 9. */
  orientations?: number;
  /** Cell side in pixels. Default 8. */
  cellSize?: number;
  /** Block side in cells (blocks overlap with a stride of one cell). Default 2. */
  blockSize?: number;
}

/**
 * Histogram of oriented gradients (Dalal & Triggs 2005) of a single-channel map: centred
 * [−1, 0, 1] gradients (zero on the border rows and columns), unsigned orientation votes weighted
 * by magnitude and split linearly between the two nearest bin centres, 8×8-pixel cells, 2×2-cell
 * blocks with a one-cell stride, L2-Hys block normalisation (clip at 0.2). Unlike Dalal and Triggs
 * no spatial interpolation between cells and no Gaussian block weighting. Pixels past the last
 * whole cell are ignored.
 */
export function hogDescriptor(map: ArrayLike<number>, width: number, height: number, options: HogOptions = {}): Float64Array {
  const bins = options.orientations ?? 9;
  const cell = options.cellSize ?? 8;
  const block = options.blockSize ?? 2;
  if (map.length !== width * height) throw new RangeError(`hogDescriptor: map has ${map.length} values, expected ${width}×${height}`);
  const cx = Math.floor(width / cell);
  const cy = Math.floor(height / cell);
  if (cx < block || cy < block) throw new RangeError(`hogDescriptor: ${width}×${height} map holds fewer than ${block}×${block} cells of ${cell} px`);
  const hist = new Float64Array(cx * cy * bins);
  const binWidth = Math.PI / bins;
  for (let y = 0; y < cy * cell; y++) {
    for (let x = 0; x < cx * cell; x++) {
      const gx = x > 0 && x < width - 1 ? map[y * width + x + 1]! - map[y * width + x - 1]! : 0;
      const gy = y > 0 && y < height - 1 ? map[(y + 1) * width + x]! - map[(y - 1) * width + x]! : 0;
      const mag = Math.hypot(gx, gy);
      if (mag === 0) continue;
      let theta = Math.atan2(gy, gx);
      if (theta < 0) theta += Math.PI;
      if (theta >= Math.PI) theta -= Math.PI;
      // Bin b is centred at (b + 0.5)·binWidth; split the vote between the two nearest centres.
      const pos = theta / binWidth - 0.5;
      const b0 = Math.floor(pos);
      const f = pos - b0;
      const base = (Math.floor(y / cell) * cx + Math.floor(x / cell)) * bins;
      hist[base + ((b0 + bins) % bins)]! += mag * (1 - f);
      hist[base + ((b0 + 1) % bins)]! += mag * f;
    }
  }
  const bx = cx - block + 1;
  const by = cy - block + 1;
  const len = block * block * bins;
  const out = new Float64Array(bx * by * len);
  const eps = 1e-5;
  const v = new Float64Array(len);
  for (let j = 0; j < by; j++) {
    for (let i = 0; i < bx; i++) {
      let q = 0;
      for (let dj = 0; dj < block; dj++) {
        for (let di = 0; di < block; di++) {
          const base = ((j + dj) * cx + (i + di)) * bins;
          for (let b = 0; b < bins; b++) v[q++] = hist[base + b]!;
        }
      }
      for (let pass = 0; pass < 2; pass++) {
        let norm = 0;
        for (let t = 0; t < len; t++) norm += v[t]! * v[t]!;
        norm = Math.sqrt(norm + eps * eps);
        for (let t = 0; t < len; t++) v[t] = pass === 0 ? Math.min(v[t]! / norm, 0.2) : v[t]! / norm;
      }
      out.set(v, (j * bx + i) * len);
    }
  }
  return out;
}

/** Pearson correlation of the HOG descriptors of two maps (Adebayo et al.'s "HOG similarity"). */
export function hogSimilarity(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number, options: HogOptions = {}): number {
  return pearson(hogDescriptor(a, width, height, options), hogDescriptor(b, width, height, options));
}
