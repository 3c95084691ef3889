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

/**
 * Throws when a map holds NaN or Inf, which only non-finite activations, gradients or model outputs
 * can cause: a clear error rather than a map that silently means nothing.
 */
export function assertFiniteMap(raw: Float32Array, what: string): void {
  for (let i = 0; i < raw.length; i++) {
    if (!Number.isFinite(raw[i])) {
      throw new Error(`${what}: the map has non-finite values (NaN or Inf): the model's activations or gradients are not finite for this input`);
    }
  }
}
