/**
 * Mask energy: the share of a saliency map's mass that falls inside a ground-truth mask,
 * Σ_{mask} map / Σ map (the "energy-based pointing game" of Score-CAM, Wang et al. 2020).
 * 1 means every bit of saliency is on the object; an all-zero map scores 0.
 */
export function maskEnergy(map: ArrayLike<number>, mask: ArrayLike<number>): number {
  if (map.length !== mask.length) throw new Error(`map (${map.length}) and mask (${mask.length}) differ in size`);
  let inside = 0;
  let total = 0;
  for (let i = 0; i < map.length; i++) {
    const v = Math.max(0, map[i]);
    total += v;
    if (mask[i]) inside += v;
  }
  return total > 0 ? inside / total : 0;
}
