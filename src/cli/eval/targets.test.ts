import { describe, expect, it } from 'vitest';
import { VOC_TO_IMAGENET } from '../../metrics/voc-imagenet.js';
import { VOC_CLASSES } from '../../metrics/voc-classes.js';
import type { AnnotationSet } from '../../node/annotations.js';
import { classCandidates, imagenetOffset } from './targets.js';

const standard = ['tench, Tinca tinca', ...Array.from({ length: 999 }, (_, i) => `label ${i + 1}`)];
const tf1001 = ['background', ...standard];
const voc: AnnotationSet = { format: 'voc', classNames: VOC_CLASSES, images: [], hasDifficultFlags: false };

describe('imagenetOffset', () => {
  it('recognises the standard and the 1001-class orders only', () => {
    expect(imagenetOffset(standard)).toBe(0);
    expect(imagenetOffset(tf1001)).toBe(1);
    expect(imagenetOffset(['kit fox', ...standard.slice(1)])).toBeUndefined();
    expect(imagenetOffset(standard.slice(0, 999))).toBeUndefined();
    expect(imagenetOffset(undefined)).toBeUndefined();
  });
});

describe('classCandidates', () => {
  it('uses VOC_TO_IMAGENET for a VOC set and a standard-order ImageNet model, shifted for 1001 labels', () => {
    const a = classCandidates(voc, standard);
    expect(a.source).toBe('voc-imagenet');
    expect(a.note).toMatch(/approximate/);
    const dog = VOC_CLASSES.indexOf('dog');
    expect(a.candidates[dog]).toEqual(VOC_TO_IMAGENET.dog);
    const b = classCandidates(voc, tf1001);
    expect(b.candidates[dog]).toEqual((VOC_TO_IMAGENET.dog as number[]).map((i) => i + 1));
    expect(b.candidates.every((c) => c.length > 0)).toBe(true);
  });

  it('prefers a user class map and otherwise matches exact names', () => {
    const m = classCandidates(voc, standard, { dog: [5, 'label 7'] });
    expect(m.source).toBe('class-map');
    expect(m.candidates[VOC_CLASSES.indexOf('dog')]).toEqual([5, 7]);
    expect(m.candidates[VOC_CLASSES.indexOf('cat')]).toEqual([]);
    const labels = ['cat', 'dog, doggy', 'car'];
    const n = classCandidates(voc, labels);
    expect(n.source).toBe('names');
    expect(n.candidates[VOC_CLASSES.indexOf('dog')]).toEqual([1]);
    expect(n.note).toMatch(/skipped: aeroplane/);
    const none = classCandidates(voc, ['kit fox']);
    expect(none.note).toMatch(/--class-map/);
    expect(() => classCandidates(voc, standard, { dog: 'no such label' })).toThrow(/not one of the model's labels/);
  });
});
