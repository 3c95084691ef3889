/**
 * The sizes at which CAMERAS runs the model. A size is the length in pixels of the image's shorter
 * side; the longer side keeps the aspect ratio (see {@link scaledShape}).
 */
export type Schedule =
  | { readonly sizes: readonly number[] }
  | { readonly maxSize: number; readonly steps: number; readonly baseSize?: number };

/** The authors' default list: 224, 324, …, 924 (8 sizes). */
export const AUTHORS_SIZES: readonly number[] = [224, 324, 424, 524, 624, 724, 824, 924];

/** The paper's setting: ζm = 1000 in N = 7 steps from ζ₀ = 224. */
export const PAPER_SCHEDULE = { maxSize: 1000, steps: 7 } as const;

/**
 * Expands a schedule into sizes. `{ maxSize, steps }` gives `steps` sizes spaced evenly from the base
 * size ζ₀ (the model's native input size unless `baseSize` is set) to ζm, rounded to whole pixels:
 * ζ_t = round(ζ₀ + (ζm − ζ₀)·t/(N − 1)), t = 0…N−1 (224 → 1000 in 7 steps: 224, 353, 483, 612, 741,
 * 871, 1000). Sizes must be positive integers; duplicates are removed, order kept.
 */
export function scheduleSizes(schedule: Schedule, modelSize: number): number[] {
  let sizes: number[];
  if ('sizes' in schedule) {
    sizes = [...schedule.sizes];
  } else {
    const base = schedule.baseSize ?? modelSize;
    const { maxSize, steps } = schedule;
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`);
    if (!(maxSize >= base)) throw new Error(`maxSize ${maxSize} is smaller than the base size ${base}`);
    sizes = steps === 1 ? [base] : Array.from({ length: steps }, (_, t) => Math.round(base + ((maxSize - base) * t) / (steps - 1)));
  }
  if (sizes.length === 0) throw new Error('the schedule has no sizes');
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 1 || s > 8192) throw new Error(`invalid size ${s}: sizes are whole pixels in 1..8192`);
  }
  return [...new Set(sizes)];
}

/**
 * Shape `[H, W]` of an `height × width` image whose shorter side is scaled to `size`, the longer
 * side rounded to keep the aspect ratio. With `square`, the image is stretched to `size × size`
 * (what the authors' code does; fine for square inputs).
 */
export function scaledShape(height: number, width: number, size: number, square = false): [number, number] {
  if (square || height === width) return [size, size];
  return height < width ? [size, Math.max(1, Math.round((width * size) / height))] : [Math.max(1, Math.round((height * size) / width)), size];
}
