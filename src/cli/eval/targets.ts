/**
 * Which model class to explain for each annotated data-set class in `cameras eval`: the data set's
 * class names are matched to the model's labels (exactly, or through a class map), and for VOC
 * with an ImageNet classifier through the approximate {@link VOC_TO_IMAGENET} map.
 */
import type { ClassMap } from '../../metrics/class-targets.js';
import { matchClasses } from '../../metrics/class-targets.js';
import { VOC_TO_IMAGENET } from '../../metrics/voc-imagenet.js';
import type { AnnotationSet } from '../../node/annotations.js';

/** Candidate labels per data-set class, and how they were found (for a note on stderr). */
export interface ClassCandidates {
  /** Model label indices per data-set class index; empty when the class has no counterpart. */
  readonly candidates: number[][];
  /** `class-map` (user's file), `voc-imagenet` (built-in approximate map) or `names` (exact names). */
  readonly source: 'class-map' | 'voc-imagenet' | 'names';
  /** Human-readable explanation of the choice, printed as a note. */
  readonly note?: string;
}

/**
 * How `VOC_TO_IMAGENET` (standard-order ImageNet-1k indices) applies to a model's labels: as is
 * for the standard 1000-label order, shifted by one for the 1001-label TensorFlow order with
 * `background` first, not at all for any other labelling (their order cannot be inferred).
 */
export function imagenetOffset(labels: readonly string[] | undefined): number | undefined {
  if (!labels) return undefined;
  const tench = (s: string | undefined) => s !== undefined && /^tench\b/i.test(s.trim());
  if (labels.length === 1000 && tench(labels[0])) return 0;
  if (labels.length === 1001 && /^background$/i.test(labels[0]!.trim()) && tench(labels[1])) return 1;
  return undefined;
}

/** `VOC_TO_IMAGENET` with every index shifted by `offset`. */
function shiftedVocMap(offset: number): ClassMap {
  return Object.fromEntries(
    Object.entries(VOC_TO_IMAGENET).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map((i: string | number) => (typeof i === 'number' ? i + offset : i))]),
  );
}

/**
 * Candidate model labels for every class of `set`. A user class map wins; otherwise a VOC set
 * with an ImageNet-1k model (standard or 1001 order) uses `VOC_TO_IMAGENET`; otherwise classes
 * match labels by exact name.
 *
 * @throws RangeError from {@link matchClasses} for a class-map entry naming an unknown label.
 */
export function classCandidates(set: AnnotationSet, labels: readonly string[] | undefined, classMap?: ClassMap): ClassCandidates {
  if (classMap) return { candidates: matchClasses(set.classNames, labels, classMap), source: 'class-map' };
  const names = matchClasses(set.classNames, labels);
  const offset = set.format === 'voc' ? imagenetOffset(labels) : undefined;
  if (offset !== undefined && names.every((c) => c.length === 0)) {
    return {
      candidates: matchClasses(set.classNames, labels, shiftedVocMap(offset)),
      source: 'voc-imagenet',
      note:
        'VOC classes mapped to ImageNet labels through the approximate VOC_TO_IMAGENET map (person → ballplayer/groom/scuba diver); ' +
        'an ImageNet classifier never trained on VOC: not comparable with the paper\'s Table 1. Use --class-map to choose the labels.',
    };
  }
  const missing = set.classNames.filter((_, i) => names[i]!.length === 0);
  let note: string | undefined;
  if (missing.length === set.classNames.length) {
    note = `no data-set class matches a model label by name${set.format === 'voc' ? ' (and the model\'s labels are not ImageNet-1k in the standard order)' : ''}: pass --class-map`;
  } else if (missing.length > 0) {
    note = `classes without a matching model label are skipped: ${missing.join(', ')} (use --class-map)`;
  }
  return { candidates: names, source: 'names', ...(note ? { note } : {}) };
}
