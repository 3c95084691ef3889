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
 * resolved through `classMap` when it has an entry there; otherwise class i is label i when the
 * data set's class list is the model's label list, else the class's one label by name (whole name,
 * or its first synonym: see {@link matchByName}). An unmatched or ambiguous class gets an empty list
 * (the caller skips it and says so).
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
  // A data set labelled with the model's own label list (ImageNet val, an ImageNet model in the
  // standard order): class i is label i, repeated names included.
  const identical = labels !== undefined && labels.length === classNames.length && labels.every((l, i) => l === classNames[i]);
  return classNames.map((cls, ci) => {
    const entry = classMap?.[cls];
    if (entry !== undefined) {
      const list = Array.isArray(entry) ? entry : [entry as string | number];
      if (list.length === 0) throw new RangeError(`class map: "${cls}" maps to an empty list`);
      return [...new Set(list.map((v) => resolve(v, cls)))];
    }
    if (!labels) return [];
    return identical ? [ci] : matchByName(cls, labels);
  });
}

/**
 * The one label a data-set class stands for, by name: the labels equal to the whole class name, or
 * else those sharing its first synonym (`kit fox, Vulpes macrotis` → `kit fox`, how other label
 * files abbreviate ImageNet's). Two or more candidates are ambiguous (ImageNet has two `crane`s and
 * two `maillot`s): the class gets none rather than a guess.
 */
function matchByName(cls: string, labels: readonly string[]): number[] {
  const exact = labels.flatMap((l, i) => (l.trim() === cls.trim() ? [i] : []));
  if (exact.length > 0) return exact.length === 1 ? exact : [];
  const first = synonyms(cls)[1] ?? cls.trim();
  const shared = labels.flatMap((l, i) => (synonyms(l).includes(first) ? [i] : []));
  return shared.length === 1 ? shared : [];
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
