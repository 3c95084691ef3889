import type { TargetSpec } from './method.js';

/** Index of the largest value; the first one on ties. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Numerically stable softmax of a logit vector. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let hi = -Infinity;
  for (let i = 0; i < logits.length; i++) hi = Math.max(hi, logits[i]);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - hi);
  for (let i = 0; i < logits.length; i++) out[i] /= sum;
  return out;
}

/** Canonical form of a label for lenient matching: lower case, single spaces. */
function canon(s: string): string {
  return s.trim().toLowerCase().replace(/[\s_]+/g, ' ');
}

/**
 * Resolves a target class: `predicted`, an index (bounds-checked) or a label. A label matches a class
 * name exactly, then case- and underscore-insensitively, then as one of its comma-separated synonyms
 * (ImageNet names such as "tabby, tabby cat"). Throws with the nearest names when nothing matches.
 */
export function resolveTarget(target: TargetSpec | undefined, predicted: number, numClasses: number, labels?: readonly string[]): number {
  if (target === undefined || target === 'predicted') return predicted;
  if (typeof target === 'number') {
    if (!Number.isInteger(target) || target < 0 || target >= numClasses) {
      throw new Error(`class ${target} is out of range: the model has ${numClasses} classes (0..${numClasses - 1})`);
    }
    return target;
  }
  if (/^\d+$/.test(target.trim())) return resolveTarget(Number(target.trim()), predicted, numClasses, labels);
  if (!labels) throw new Error(`cannot resolve label "${target}": the model has no labels; give a class index`);
  const exact = labels.indexOf(target);
  if (exact >= 0) return exact;
  const want = canon(target);
  const byName = labels.findIndex((l) => canon(l) === want);
  if (byName >= 0) return byName;
  const bySynonym = labels.findIndex((l) => l.split(',').some((part) => canon(part) === want));
  if (bySynonym >= 0) return bySynonym;
  const near = labels.filter((l) => canon(l).includes(want)).slice(0, 5);
  throw new Error(`unknown label "${target}"${near.length ? `; did you mean: ${near.map((n) => `"${n}"`).join(', ')}` : ''}`);
}
