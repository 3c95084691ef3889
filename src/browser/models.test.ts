import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../core/tf.js';
import type { ModelAdapter, RgbImage } from '../core/types.js';
import { loadModel } from '../node/load-model.js';
import { ModelError } from '../models/safe-path.js';
import { ZOO } from '../models/manifest.js';
import type { FetchLike } from './fetch-bytes.js';
import { loadZooModel } from './zoo.js';
import { loadModelFromUrl } from './url-model.js';
import { describeFiles, loadModelFromFiles } from './files-model.js';
import { topPredictions } from './predict.js';
import { describeShared, sharedPath } from '../testing/shared.js';

const MIRROR = sharedPath('models');
const MOBILENET = 'mobilenet_v1_0.25_224';
const needsMirror = describeShared(`models/${MOBILENET}`, 'models/labels', 'models/tflite');
const MIRROR_URL = 'http://mirror.test/models/';

/** A fake fetch serving local folders under URL prefixes, logging requests; `tamper` may alter answers. */
function folderFetch(roots: Record<string, string>, tamper: (url: string, bytes: Uint8Array) => Uint8Array | Response | undefined = () => undefined): FetchLike & { log: string[] } {
  const log: string[] = [];
  const f = async (url: string): Promise<Response> => {
    log.push(url);
    for (const [prefix, dir] of Object.entries(roots)) {
      if (!url.startsWith(prefix)) continue;
      const file = path.join(dir, decodeURIComponent(url.slice(prefix.length)));
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) break;
      const bytes = new Uint8Array(fs.readFileSync(file));
      const t = tamper(url, bytes);
      if (t instanceof Response) return t;
      const body = t ?? bytes;
      return new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.byteLength) } });
    }
    return new Response('not found', { status: 404 });
  };
  return Object.assign(f, { log });
}

function fileOf(p: string, name = path.basename(p)): File {
  return new File([fs.readFileSync(p)], name);
}

/** A smooth, deterministic test picture (not a real photo: the checks compare engines, not accuracy). */
function picture(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      data[i] = (128 + 100 * Math.sin(x / 9)) | 0;
      data[i + 1] = (128 + 100 * Math.cos(y / 7)) | 0;
      data[i + 2] = ((x * y) / 40) & 255;
    }
  }
  return { width, height, channels: 3, data };
}

async function logits(model: ModelAdapter, image: RgbImage): Promise<Float32Array> {
  return (await topPredictions(model, image, { k: 1000 })).sort((a, b) => a.index - b.index).reduce((out, p) => ((out[p.index] = p.logit), out), new Float32Array(1000));
}

let reference: ModelAdapter;
let refLogits: Float32Array;
const image = picture(250, 190);

beforeAll(async () => {
  await tf.setBackend('cpu');
  // The browser loaders build the TF.js model: compare with the Node loader's TF.js engine.
  reference = await loadModel(MOBILENET, { engine: 'tfjs' });
  refLogits = await logits(reference, image);
});
afterAll(() => reference?.dispose());

needsMirror('loadZooModel', () => {
  it('loads from a mirror URL, checks the zoo hash, and predicts exactly as the Node loader', async () => {
    const fetch = folderFetch({ [MIRROR_URL]: MIRROR });
    const before = tf.memory().numTensors;
    const m = await loadZooModel(MOBILENET, { mirror: MIRROR_URL, allowPublic: false, fetch });
    try {
      expect(m.labels).toHaveLength(1000);
      expect(m.labels).toEqual(reference.labels);
      expect(m.defaultLayer()).toBe('conv_pw_13_relu');
      expect(Array.from(await logits(m, image))).toEqual(Array.from(refLogits));
      expect(fetch.log[0]).toBe(`${MIRROR_URL}labels/imagenet_1000_standard.json`);
      expect(fetch.log).toContain(`${MIRROR_URL}${MOBILENET}/model.json`);
    } finally {
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a mirror file whose hash does not match, naming every source tried', async () => {
    const fetch = folderFetch({ [MIRROR_URL]: MIRROR }, (url, b) => (url.endsWith('model.json') ? b.map((x, i) => (i === 10 ? x ^ 1 : x)) : undefined));
    await expect(loadZooModel(MOBILENET, { mirror: MIRROR_URL, allowPublic: false, fetch })).rejects.toThrow(/model\.json: SHA-256 mismatch/);
  });

  it('falls back to the public URL when the mirror lacks the model, and warns about missing labels', async () => {
    const zoo = ZOO[MOBILENET];
    const publicDir = zoo.url!.replace(/[^/]*$/, '');
    const fetch = folderFetch({ [publicDir]: path.join(MIRROR, MOBILENET) });
    const warnings: string[] = [];
    const m = await loadZooModel(MOBILENET, { mirror: 'http://empty.test/', fetch, onWarning: (w) => warnings.push(w) });
    try {
      expect(fetch.log).toContain('http://empty.test/mobilenet_v1_0.25_224/model.json');
      expect(fetch.log).toContain(zoo.url);
      expect(fetch.log.indexOf('http://empty.test/mobilenet_v1_0.25_224/model.json')).toBeLessThan(fetch.log.indexOf(zoo.url!));
      expect(m.labels).toBeUndefined();
      expect(warnings.join('\n')).toMatch(/labels for mobilenet_v1_0\.25_224 unavailable/);
      expect(Array.from(await logits(m, image))).toEqual(Array.from(refLogits));
    } finally {
      m.dispose();
    }
  });

  it('explains what is missing when nothing serves the files', async () => {
    const fetch = folderFetch({});
    await expect(loadZooModel(MOBILENET, { mirror: MIRROR_URL, allowPublic: false, fetch })).rejects.toThrow(/cannot get mobilenet_v1_0\.25_224\/model\.json: .*not found/);
    await expect(loadZooModel(MOBILENET, { allowPublic: false, fetch })).rejects.toThrow(/no mirror is set and public downloads are off/);
    await expect(loadZooModel('resnet_9000', { fetch })).rejects.toThrow(/unknown zoo model "resnet_9000" \(known: .*darknet_tiny/);
  });
});

needsMirror('loadModelFromFiles', () => {
  const dir = path.join(MIRROR, MOBILENET);
  const weightFiles = (): File[] => fs.readdirSync(dir).filter((f) => f !== 'model.json').map((f) => fileOf(path.join(dir, f)));

  it('builds the model from model.json, shards, a labels file and cameras.json, predicting as under Node', async () => {
    const manifest = new File([JSON.stringify({ name: 'my-mobilenet', preprocess: 'tf', layer: 'conv_pw_12_relu' })], 'cameras.json');
    const labels = fileOf(path.join(MIRROR, 'labels/imagenet_1000_standard.json'), 'labels.json');
    const m = await loadModelFromFiles([fileOf(path.join(dir, 'model.json')), ...weightFiles(), labels, manifest]);
    try {
      expect(m.name).toBe('my-mobilenet');
      expect(m.defaultLayer()).toBe('conv_pw_12_relu');
      expect(m.labels).toEqual(reference.labels);
      expect(Array.from(await logits(m, image))).toEqual(Array.from(refLogits));
    } finally {
      m.dispose();
    }
  });

  it('names a missing weight shard', async () => {
    const files = [fileOf(path.join(dir, 'model.json')), ...weightFiles().filter((f) => f.name !== 'group3-shard1of1')];
    await expect(loadModelFromFiles(files)).rejects.toThrow(/weight file "group3-shard1of1" is missing: choose it together with model\.json/);
  });

  it('sorts out selections and refuses what is not a model', () => {
    const tfl = new File([new Uint8Array(4)], 'net.tflite');
    expect(describeFiles([tfl, new File(['a\nb'], 'labels.txt')])).toMatchObject({ format: 'tflite', main: tfl });
    expect(describeFiles([new File(['{}'], 'model.json'), new File(['[]'], 'labels.json')]).format).toBe('tfjs-layers');
    expect(() => describeFiles([])).toThrow(ModelError);
    expect(() => describeFiles([new File(['x'], 'notes.txt')])).toThrow(/unsupported model files \(notes\.txt\)/);
    expect(() => describeFiles([new File(['x'], 'a.onnx'), tfl])).toThrow(/several models chosen \(a\.onnx, net\.tflite\)/);
  });

  it('reports a corrupt model file readably', async () => {
    await expect(loadModelFromFiles([new File([new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])], 'broken.tflite')])).rejects.toThrow(/^broken: .*expected "TFL3"/);
    await expect(loadModelFromFiles([new File([new Uint8Array([8, 1, 18, 3, 1, 2, 3])], 'junk.onnx')])).rejects.toThrow(/^junk: not an ONNX model/);
    await expect(loadModelFromFiles([new File(['{"hello": 1}'], 'model.json')])).rejects.toThrow(/not a TF\.js layers model/);
    await expect(loadModelFromFiles([new File([], 'empty.onnx')])).rejects.toThrow('empty: empty file');
  });

  it('loads a .tflite file with the TFLite importer', async () => {
    const m = await loadModelFromFiles([fileOf(path.join(MIRROR, 'tflite/mobilenet_v1_0.25_128_quant.tflite'))]);
    try {
      expect(m.name).toBe('mobilenet_v1_0.25_128_quant');
      expect(m.inputSize).toBe(128);
      expect(m.listLayers().some((l) => l.spatial)).toBe(true);
    } finally {
      m.dispose();
    }
  });
});

needsMirror('loadModelFromUrl', () => {
  it('reads cameras.json beside model.json', async () => {
    const modelDir = path.join(MIRROR, MOBILENET);
    const labels = JSON.parse(fs.readFileSync(path.join(MIRROR, 'labels/imagenet_1000_standard.json'), 'utf8')) as string[];
    const fetch = folderFetch({ 'http://h.test/m/': modelDir });
    const withManifest: FetchLike = async (url, init) =>
      url === 'http://h.test/m/cameras.json'
        ? new Response(JSON.stringify({ name: 'from-url', labels: labels.slice(), inputSize: 224 }), { headers: { 'content-type': 'application/json' } })
        : fetch(url, init);
    const m = await loadModelFromUrl('/m/model.json', { origin: 'http://h.test/page', fetch: withManifest });
    try {
      expect(m.name).toBe('from-url');
      expect(m.labels?.[281]).toBe(labels[281]);
      expect(Array.from(await logits(m, image))).toEqual(Array.from(refLogits));
    } finally {
      m.dispose();
    }
    // Without cameras.json the folder's name is used.
    const bare = await loadModelFromUrl('http://h.test/m/model.json', { fetch });
    expect(bare.name).toBe('m');
    expect(bare.labels).toBeUndefined();
    bare.dispose();
    await expect(loadModelFromUrl('http://h.test/m/weights.bin', { fetch })).rejects.toThrow(/cannot tell the model format/);
  });
});
