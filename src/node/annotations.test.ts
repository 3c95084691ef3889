import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bestCandidate, findLabel, matchClasses } from '../metrics/class-targets.js';
import { regionsToMask } from '../metrics/ground-truth.js';
import { centerPoint, scorePoint } from '../metrics/pointing-game.js';
import { PointingGameTally } from '../metrics/pointing-tally.js';
import { VOC_CLASSES } from '../metrics/voc-classes.js';
import { VOC_TO_IMAGENET } from '../metrics/voc-imagenet.js';
import { availableImages, loadAnnotations, loadClassMap, parseCocoAnnotations, parseDifficultFlags, parseVocAnnotations } from './annotations.js';
import { describeShared, itShared, sharedPath } from '../testing/shared.js';

const voc = sharedPath('data/voc07');

describeShared('data/voc07')('VOC07 annotations', () => {
  it('loads all 4,952 test images with difficult flags and finds the five present', async () => {
    const set = await loadAnnotations(path.join(voc, 'test_annotations.json'));
    expect(set.format).toBe('voc');
    expect(set.images).toHaveLength(4952);
    expect(set.hasDifficultFlags).toBe(true);
    const objects = set.images.reduce((s, im) => s + im.classes.reduce((t, c) => t + c.regions.length, 0), 0);
    expect(objects).toBe(14976);
    const present = await availableImages(set, voc);
    expect(present.map((im) => im.id)).toEqual(['000456', '000542', '001150', '001763', '004545']);
    const im = present.find((i) => i.id === '001150')!;
    // sofa's only box is difficult: kept but marked, so the pointing game skips it.
    expect(im.classes.map((c) => [c.className, c.allDifficult])).toEqual([['dog', false], ['person', false], ['sofa', true]]);
    const i456 = present[0]!;
    expect(i456.classes.map((c) => [c.className, c.difficultSubset])).toEqual([['bus', false], ['person', true]]);
    expect(i456.classes[0]!.regions[0]).toEqual({ kind: 'box', x0: 91, y0: 42, x1: 424, y1: 302 });
  });

  it('runs the center baseline end to end on the five images (hand-checked outcomes)', async () => {
    const set = await loadAnnotations(path.join(voc, 'test_annotations.json'));
    const tally = new PointingGameTally(set.classNames);
    const outcomes: string[] = [];
    for (const im of await availableImages(set, voc)) {
      for (const c of im.classes) {
        const r = scorePoint(im.id, c, centerPoint(im.width, im.height), im.width, im.height);
        tally.add(r);
        outcomes.push(`${im.id}:${c.className}:${r.all}/${r.difficult}`);
      }
    }
    expect(outcomes).toEqual([
      '000456:bus:hit/skipped', '000456:person:miss/miss', '000542:cat:hit/skipped',
      '001150:dog:hit/skipped', '001150:person:hit/skipped', '001150:sofa:skipped/skipped',
      '001763:cat:miss/skipped', '001763:dog:hit/skipped', '001763:sofa:hit/skipped', '001763:tvmonitor:skipped/skipped',
      '004545:car:miss/miss', '004545:dog:miss/miss', '004545:horse:hit/skipped', '004545:person:hit/hit',
    ]);
    // all: bus 1, car 0, cat 1/2, dog 2/3, horse 1, person 2/3, sofa 1 → mean of 7 classes.
    expect(tally.meanAccuracy('all')).toBeCloseTo((1 + 0 + 0.5 + 2 / 3 + 1 + 2 / 3 + 1) / 7, 12);
    // difficult: car 0, dog 0, person 1/2.
    expect(tally.meanAccuracy('difficult')).toBeCloseTo(0.5 / 3, 12);
  });

  it('parses flags strictly and rejects malformed annotations', () => {
    const f = parseDifficultFlags('a\t0\t1\nb 1 0\n\n', 2);
    expect([...f.entries()]).toEqual([['a', [false, true]], ['b', [true, false]]]);
    expect(() => parseDifficultFlags('a\t0\t1\t0', 2)).toThrow(/line 1/);
    expect(() => parseDifficultFlags('a\t0\t2', 2)).toThrow(SyntaxError);
    expect(() => parseVocAnnotations({})).toThrow(SyntaxError);
    expect(() => parseVocAnnotations([{ id: 'x', w: 5, h: 5, objects: [{ cls: 'unicorn', bbox: [1, 1, 2, 2], difficult: 0 }] }])).toThrow(/unicorn/);
    expect(() => parseVocAnnotations([{ id: 'x', w: 5, h: 5, objects: [{ cls: 'dog', bbox: [1, 1, 2], difficult: 0 }] }])).toThrow(RangeError);
  });
});

describe('COCO-format annotations', () => {
  const coco = {
    images: [{ id: 7, file_name: 'img7.jpg', width: 5, height: 2 }, { id: 8, file_name: 'img8.png', width: 4, height: 4 }],
    categories: [{ id: 18, name: 'dog' }, { id: 1, name: 'person' }],
    annotations: [
      { image_id: 7, category_id: 18, bbox: [0, 0, 5, 2], segmentation: { counts: '324O', size: [2, 5] } },
      { image_id: 7, category_id: 18, bbox: [0, 0, 1, 1], segmentation: { counts: [0, 1, 9], size: [2, 5] } },
      { image_id: 8, category_id: 1, bbox: [1, 1, 2, 2], segmentation: [[1, 1, 3, 1, 3, 3, 1, 3]] },
      { image_id: 8, category_id: 18, bbox: [0, 3, 1, 1] },
    ],
  };

  it('orders categories by id, decodes RLE and polygons, falls back to boxes', () => {
    const set = parseCocoAnnotations(coco, parseDifficultFlags('img8 0 1', 2));
    expect(set.classNames).toEqual(['person', 'dog']);
    const [a, b] = set.images;
    expect(a!.id).toBe('img7');
    expect(a!.classes.map((c) => c.className)).toEqual(['dog']);
    expect(Array.from(regionsToMask(a!.classes[0]!.regions, 5, 2))).toEqual([1, 0, 1, 0, 0, 0, 1, 0, 0, 1]);
    expect(a!.classes[0]!.difficultSubset).toBeUndefined();
    expect(b!.classes.map((c) => [c.className, c.difficultSubset])).toEqual([['person', false], ['dog', true]]);
    expect(Array.from(regionsToMask(b!.classes[0]!.regions, 4, 4))).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(regionsToMask(b!.classes[1]!.regions, 4, 4)).indexOf(1)).toBe(12);
    const boxes = parseCocoAnnotations(coco, undefined, 'box');
    expect(Array.from(regionsToMask(boxes.images[0]!.classes[0]!.regions, 5, 2)).every((v) => v === 1)).toBe(true);
  });

  it('loads from a file with a sibling-free default and rejects inconsistent input', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cameras-coco-'));
    writeFileSync(path.join(dir, 'ann.json'), JSON.stringify(coco));
    const set = await loadAnnotations(path.join(dir, 'ann.json'));
    expect(set.format).toBe('coco');
    expect(set.hasDifficultFlags).toBe(false);
    const bad = { ...coco, annotations: [{ image_id: 99, category_id: 1, bbox: [0, 0, 1, 1] }] };
    expect(() => parseCocoAnnotations(bad)).toThrow(/image_id 99/);
    const badRle = { ...coco, annotations: [{ image_id: 7, category_id: 1, segmentation: { counts: [1], size: [3, 3] } }] };
    expect(() => parseCocoAnnotations(badRle)).toThrow(/RLE size/);
    expect(() => parseCocoAnnotations({ images: [] })).toThrow(SyntaxError);
  });
});

describe('class matching', () => {
  const labels = ['tabby, tabby cat', 'dog', 'crane', 'crane', 'person'];

  it('matches exact names and synonyms, and class maps by label or index', () => {
    expect(findLabel('tabby cat', labels)).toBe(0);
    expect(findLabel('tabby ca', labels)).toBe(-1);
    expect(matchClasses(['dog', 'cat', 'person'], labels)).toEqual([[1], [], [4]]);
    expect(matchClasses(['dog', 'cat'], labels, { cat: ['tabby', 3, 0] })).toEqual([[1], [0, 3]]);
    expect(matchClasses(['cat'], undefined, { cat: 7 })).toEqual([[7]]);
    expect(() => matchClasses(['cat'], labels, { cat: 5 })).toThrow(RangeError);
    expect(() => matchClasses(['cat'], labels, { cat: 'lion' })).toThrow(/lion/);
    expect(() => matchClasses(['cat'], labels, { cow: 1 })).toThrow(/not a class/);
    expect(bestCandidate([0.1, 0.5, 0.2, 0.5], [0, 3, 1])).toBe(3);
    // By first synonym when the whole name is not a label; two labels of one name are ambiguous.
    expect(matchClasses(['tabby, Felis catus', 'dog, Canis familiaris', 'crane'], labels)).toEqual([[0], [1], []]);
    // The model's own label list: class i is label i, repeated names included.
    expect(matchClasses(labels, labels)).toEqual([[0], [1], [2], [3], [4]]);
    expect(() => bestCandidate([1], [])).toThrow(RangeError);
  });

  itShared('models/labels/imagenet_1000_standard.json', 'models/labels/imagenet_1000_darknet_order.json')('maps ImageNet categories to Darknet\'s abbreviated labels, skipping only ambiguous or differently spelt names', async () => {
    const { readFile } = await import('node:fs/promises');
    const read = async (f: string) => JSON.parse(await readFile(sharedPath(f), 'utf8')) as string[];
    const standard = await read('models/labels/imagenet_1000_standard.json');
    const darknet = await read('models/labels/imagenet_1000_darknet_order.json');
    const m = matchClasses(standard, darknet);
    const skipped = standard.filter((_, i) => m[i]!.length === 0);
    // 'jelly fish' is spelt 'jellyfish' there: skipped too, not guessed.
    expect(skipped.sort()).toEqual(['crane', 'crane', 'jelly fish', 'maillot', 'maillot, tank suit']);
    expect(new Set(m.flat()).size).toBe(m.flat().length);
    expect(darknet[m[standard.indexOf('kit fox, Vulpes macrotis')]![0]!]).toBe('kit fox');
    expect(darknet[m[standard.indexOf('Cardigan, Cardigan Welsh corgi')]![0]!]).toBe('Cardigan');
    expect(darknet[m[standard.indexOf('cardigan')]![0]!]).toBe('cardigan');
  });

  itShared('models/labels/imagenet_1000_standard.json')('maps every VOC class to ImageNet labels whose names fit', async () => {
    const { readFile } = await import('node:fs/promises');
    const imagenet = JSON.parse(await readFile(sharedPath('models/labels/imagenet_1000_standard.json'), 'utf8')) as string[];
    const m = matchClasses(VOC_CLASSES, imagenet, VOC_TO_IMAGENET);
    expect(m.every((l) => l.length > 0)).toBe(true);
    const names = (c: string) => m[VOC_CLASSES.indexOf(c)]!.map((i) => imagenet[i]!.split(',')[0]);
    expect(names('cat')).toEqual(['tabby', 'tiger cat', 'Persian cat', 'Siamese cat', 'Egyptian cat']);
    expect(names('dog')[0]).toBe('Chihuahua');
    expect(names('dog').at(-1)).toBe('Mexican hairless');
    expect(names('diningtable')).toEqual(['dining table']);
    expect(names('tvmonitor')).toEqual(['monitor', 'screen', 'television']);
    expect(names('bird')).toContain('goldfinch');
    expect(names('bird')).toContain('albatross');
  });

  it('reads and validates a class-map file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cameras-map-'));
    writeFileSync(path.join(dir, 'ok.json'), JSON.stringify({ dog: [151, 'Chihuahua'], cat: 281 }));
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ dog: -1 }));
    expect(await loadClassMap(path.join(dir, 'ok.json'))).toEqual({ dog: [151, 'Chihuahua'], cat: 281 });
    await expect(loadClassMap(path.join(dir, 'bad.json'))).rejects.toThrow(/dog/);
  });
});
