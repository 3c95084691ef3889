/**
 * Which sizes of a schedule enter a CAMERAS map. Algorithm 1 (line 6) keeps a size only when the
 * model's prediction there equals its prediction at the base size; the authors' code also keeps it
 * when the prediction equals the explained class; a looser rule keeps it while the explained class
 * stays among the K most probable.
 */

/**
 * - `prediction`: the prediction at that size equals the base size's (the paper; the default).
 * - `target`: it equals the base prediction or the explained class (the authors' code).
 * - `top:K`: the explained class is among the K most probable classes at that size.
 * - `all`: every size (what `checkPrediction: false` means).
 */
export type AcceptPolicy = 'prediction' | 'target' | 'all' | `top:${number}`;

/** The policies, for help texts. */
export const ACCEPT_POLICIES = ['prediction', 'target', 'top:K', 'all'] as const;

/** Reads a policy from text (`prediction`, `target`, `all`, `top:5`); throws a one-line error otherwise. */
export function parseAcceptPolicy(text: string): AcceptPolicy {
  const t = text.trim();
  if (t === 'prediction' || t === 'target' || t === 'all') return t;
  const m = /^top:(\d+)$/.exec(t);
  if (m && Number(m[1]) >= 1) return `top:${Number(m[1])}`;
  throw new Error(`unknown acceptance policy "${text}": use prediction, target, top:K (K ≥ 1) or all`);
}

/** Rank of `cls` in `logits` (0 = the most probable); ties count against it. */
export function rankOf(logits: ArrayLike<number>, cls: number): number {
  const v = logits[cls]!;
  let rank = 0;
  for (let i = 0; i < logits.length; i++) if (i !== cls && logits[i]! >= v) rank++;
  return rank;
}

/**
 * Whether a size whose logits are `logits` (argmax `predicted`) enters the map, given the base
 * size's prediction and the class being explained.
 */
export function acceptsSize(
  policy: AcceptPolicy,
  at: { readonly logits: ArrayLike<number>; readonly predicted: number },
  basePredicted: number,
  target: number,
): boolean {
  if (policy === 'all') return true;
  if (policy === 'prediction') return at.predicted === basePredicted;
  if (policy === 'target') return at.predicted === basePredicted || at.predicted === target;
  return rankOf(at.logits, target) < Number(policy.slice(4));
}
