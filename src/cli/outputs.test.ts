import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageStems, modelSlug, prepareOutDir, refuseExisting } from './outputs.js';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cameras-outputs-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('imageStems', () => {
  it('keeps plain stems, folds the extension into stems two inputs share, and refuses one name from two folders', () => {
    expect([...imageStems(['a/owl.jpg', 'a/cat.png', 'b/Owl.PNG']).values()]).toEqual(['owl-jpg', 'cat', 'Owl-PNG']);
    expect(() => imageStems(['x/cat.png', 'x/./cat.png'])).toThrow('x/./cat.png is listed twice');
    expect(() => imageStems(['a/owl.png', 'b/owl.png'])).toThrow(/a\/owl\.png and b\/owl\.png would write the same output files/);
  });
});

describe('modelSlug', () => {
  it('makes zoo names, paths and URLs safe file-name parts', () => {
    expect(modelSlug('mobilenet_v1_0.25_224')).toBe('mobilenet_v1_0.25_224');
    expect(modelSlug('/models/resnet 50.onnx')).toBe('resnet_50');
    expect(modelSlug('https://host/x/model.json')).toBe('model');
  });
});

describe('refuseExisting and prepareOutDir', () => {
  it('refuses existing files unless overwrite, naming the first', () => {
    const a = path.join(tmp, 'a.png');
    fs.writeFileSync(a, 'x');
    expect(() => refuseExisting([path.join(tmp, 'new.png')], false)).not.toThrow();
    expect(() => refuseExisting([path.join(tmp, 'new.png'), a], undefined)).toThrow(`${a} already exists: pass --overwrite`);
    expect(() => refuseExisting([a], true)).not.toThrow();
  });

  it('removes only the folders it created, and only when empty', () => {
    const out = path.join(tmp, 'p', 'q', 'r');
    prepareOutDir(out).removeIfEmpty();
    expect(fs.existsSync(path.join(tmp, 'p'))).toBe(false);
    const kept = prepareOutDir(out);
    fs.writeFileSync(path.join(out, 'map.npy'), 'x');
    kept.removeIfEmpty();
    expect(fs.existsSync(path.join(out, 'map.npy'))).toBe(true);
    fs.rmSync(path.join(out, 'map.npy'));
    // Existing before: not ours to remove.
    prepareOutDir(out).removeIfEmpty();
    expect(fs.existsSync(out)).toBe(true);
    expect(() => prepareOutDir(path.join(tmp, 'a.png'))).toThrow(/--out .*a\.png: is a file, not a folder/);
    expect(() => prepareOutDir(path.join(tmp, 'a.png', 'sub'))).toThrow(/cannot create the folder \(a part of the path is a file\)/);
  });
});
