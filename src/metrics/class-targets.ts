/**
 * Matching a data set's categories to a classifier's labels, for the pointing game on data sets
 * whose classes are not the model's (VOC or COCO with an ImageNet model).
 */

/**
 * A class map as given by `--class-map`: data-set category name → model label name, label index,
 * or a list of them (the target is then whichever of them the model scores highest).
 */
export type ClassMap = Readonly<Record<string, string | number | readonly (string | number)[]>>;

/** The synonyms of a label: the whole string and its comma-separated parts, trimmed. */
function synonyms(label: string): string[] {
  return [label.trim(), ...label.split(',').map((s) => s.trim())].filter((s) => s.length > 0);
}

/**
 * Index of the model label called `name`: a label matches when the whole label or one of its
 * comma-separated synonyms equals `name` exactly (ImageNet labels read `tabby, tabby cat`). The
 * first matching label wins; -1 when none does.
 */
export function findLabel(name: string, labels: readonly string[]): number {
  const n = name.trim();
  for (let i = 0; i < labels.length; i++) if (synonyms(labels[i]!).includes(n)) return i;
  return -1;
}

/**
 * Model label indices standing for each data-set class, in the data set's class order. A class is
 * resolved through `classMap` when it has an entry there, otherwise by exact name against
 * `labels`; an unmatched class gets an empty list (the caller skips it and says so).
 *
 * @throws RangeError for a class-map entry naming an unknown label or an index outside the labels.
 */
export function matchClasses(
  classNames: readonly string[],
  labels: readonly string[] | undefined,
  classMap?: ClassMap,
): number[][] {
  const count = labels?.length;
  const resolve = (v: string | number, cls: string): number => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < 0 || (count !== undefined && v >= count)) {
        throw new RangeError(`class map: index ${v} for "${cls}" is outside the model's ${count ?? '?'} labels`);
      }
      return v;
    }
    if (typeof v !== 'string') throw new TypeError(`class map: "${cls}" maps to ${JSON.stringify(v)}, expected a label or an index`);
    if (!labels) throw new RangeError(`class map: "${cls}" names label "${v}" but the model has no label names; use an index`);
    const i = findLabel(v, labels);
    if (i < 0) throw new RangeError(`class map: label "${v}" (for "${cls}") is not one of the model's labels`);
    return i;
  };
  if (classMap) {
    for (const key of Object.keys(classMap)) {
      if (!classNames.includes(key)) throw new RangeError(`class map: "${key}" is not a class of the data set`);
    }
  }
  return classNames.map((cls) => {
    const entry = classMap?.[cls];
    if (entry !== undefined) {
      const list = Array.isArray(entry) ? entry : [entry as string | number];
      if (list.length === 0) throw new RangeError(`class map: "${cls}" maps to an empty list`);
      return [...new Set(list.map((v) => resolve(v, cls)))];
    }
    if (!labels) return [];
    const i = findLabel(cls, labels);
    return i < 0 ? [] : [i];
  });
}

/**
 * The candidate the model scores highest (first on ties): the class to explain when a data-set
 * class stands for several model labels.
 */
export function bestCandidate(scores: ArrayLike<number>, candidates: readonly number[]): number {
  if (candidates.length === 0) throw new RangeError('bestCandidate: no candidates');
  let best = -1;
  for (const c of candidates) {
    if (!Number.isInteger(c) || c < 0 || c >= scores.length) throw new RangeError(`bestCandidate: index ${c} outside ${scores.length} scores`);
    if (best < 0 || scores[c]! > scores[best]!) best = c;
  }
  return best;
}
