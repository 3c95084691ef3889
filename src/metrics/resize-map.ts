/**
 * Bilinear resizing of a single-channel map, exactly as PyTorch's
 * `F.interpolate(mode='bilinear', align_corners=False)` without antialiasing, which is what the
 * TorchRay benchmark uses to bring a saliency map to the original image size. Plain JS so the
 * pointing game never needs a TF.js backend.
 */

/** Source coordinate and weights for one output index along one axis. */
interface AxisTaps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w1: Float64Array;
}

function axisTaps(inSize: number, outSize: number): AxisTaps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    // Half-pixel centres; PyTorch clamps negative source coordinates to 0 (so the first output
    // pixels copy the first input pixel instead of extrapolating).
    const src = Math.max((d + 0.5) * scale - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[d] = lo;
    i1[d] = Math.min(lo + 1, inSize - 1);
    w1[d] = src - lo;
  }
  return { i0, i1, w1 };
}

/**
 * Resize an `h × w` row-major map to `H × W` with half-pixel-centre bilinear interpolation
 * (PyTorch `align_corners=False`, source coordinates clamped at 0, no antialiasing when shrinking).
 *
 * @param map - `h * w` values, row-major.
 * @param h - Input height.
 * @param w - Input width.
 * @param H - Output height.
 * @param W - Output width.
 * @returns A new `H * W` Float32Array.
 * @throws RangeError on non-positive or non-integer sizes or a map of the wrong length.
 */
export function resizeMapBilinear(
  map: ArrayLike<number>,
  h: number,
  w: number,
  H: number,
  W: number,
): Float32Array {
  for (const [name, v] of [['h', h], ['w', w], ['H', H], ['W', W]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`resizeMapBilinear: ${name} must be a positive integer, got ${v}`);
  }
  if (map.length !== h * w) {
    throw new RangeError(`resizeMapBilinear: map has ${map.length} values, expected ${h}×${w} = ${h * w}`);
  }
  const ys = axisTaps(h, H);
  const xs = axisTaps(w, W);
  const out = new Float32Array(H * W);
  for (let y = 0; y < H; y++) {
    const r0 = ys.i0[y]! * w;
    const r1 = ys.i1[y]! * w;
    const wy = ys.w1[y]!;
    for (let x = 0; x < W; x++) {
      const c0 = xs.i0[x]!;
      const c1 = xs.i1[x]!;
      const wx = xs.w1[x]!;
      const top = map[r0 + c0]! * (1 - wx) + map[r0 + c1]! * wx;
      const bottom = map[r1 + c0]! * (1 - wx) + map[r1 + c1]! * wx;
      out[y * W + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}
