/**
 * Min–max normalisation to [0, 1]: (m − min) / (max − min). A constant map (including all-zero)
 * or one with non-finite values gives zeros, never NaN.
 */
export function normalizeMap(raw: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float32Array(raw.length);
  const range = hi - lo;
  if (!(range > 0) || !Number.isFinite(range)) return out;
  for (let i = 0; i < raw.length; i++) out[i] = (raw[i] - lo) / range;
  return out;
}
