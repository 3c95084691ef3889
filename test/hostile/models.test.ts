/**
 * Case 2: hostile model files. Weight paths that leave the model folder (traversal, absolute, URL)
 * are refused before anything is read; weight files of the wrong length, NaN/Inf weights, truncated,
 * oversized and garbage ONNX/TFLite files, ONNX graphs with a cycle or a missing input: clear errors.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import * as path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf.js';
import { loadModel } from '../../src/node/load-model.js';
import { ModelError } from '../../src/models/safe-path.js';
import { readLayersArtifacts } from '../../src/models/tfjs-artifacts.js';
import { loadOnnxModel } from '../../src/models/onnx/index.js';
import { loadTfliteModel } from '../../src/models/tflite/index.js';
import { cleanupTemp, listFiles, PHOTOS, runCli, STACK_LINE, tempDir } from '../../src/testing/cli.js';
import { saveModel, tinyLayersModel, writeModelFolder, type SavedModel } from '../../src/testing/layers-models.js';
import { itShared, sharedPath } from '../../src/testing/shared.js';

const SQUEEZENET = sharedPath('fixtures/onnx/squeezenet1_1.onnx');
const TFLITE = sharedPath('models/tflite/mobilenet_v1_0.25_128_quant.tflite');
const IMAGE = path.join(PHOTOS, 'coffee.png');

let saved: SavedModel;
let root: string;
let sentinel: string;
let server: Server;
let port: number;
const requests: string[] = [];

beforeAll(async () => {
  const m = tinyLayersModel();
  saved = await saveModel(m);
  m.dispose();
  root = tempDir('cameras-models-');
  // A file outside every model folder holding exactly the bytes the manifest asks for: if a loader
  // read it, the model would load and the run would succeed.
  sentinel = path.join(root, 'sentinel.bin');
  writeFileSync(sentinel, saved.weights);
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.end(Buffer.from(saved.weights));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  cleanupTemp();
});

/** Loads a model in a child process (a hang there fails the test instead of freezing the suite). */
function loadInChild(spec: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/hostile/fixtures/load-model-child.ts'), spec], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`loading ${spec} hung`));
    }, 60_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out.trim());
    });
  });
}

/** A model folder two levels below `root` whose only weight path is `weightPath`. */
function folderWithPath(name: string, weightPath: string): string {
  return writeModelFolder(path.join(root, name, 'inner', 'model'), saved, (m) => {
    m.modelJson.weightsManifest[0].paths = [weightPath];
  });
}

describe.concurrent('cameras explain with a model whose weight paths leave its folder', () => {
  itShared('data/photos/coffee.png')('control: the same model with its own weights file works (exit 0, files written)', async () => {
    const dir = writeModelFolder(path.join(root, 'good'), saved);
    const out = tempDir('cameras-out-');
    const run = await runCli(['explain', IMAGE, '-m', dir, '--sizes', '32', '-q', '-o', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(listFiles(out)).toEqual(['coffee.good.cameras.npy', 'coffee.good.cameras.png', 'coffee.good.cameras.raw.npy']);
  });

  const cases: [string, (dir: string) => string, RegExp][] = [
    ['../../etc/passwd', () => '../../etc/passwd', /points outside the model folder/],
    ['a ../ path that reaches a file of the right size', () => '../../../sentinel.bin', /points outside the model folder/],
    ['an absolute path to a file of the right size', () => sentinel, /is an absolute path/],
    ['a URL to another host', () => `http://127.0.0.1:${port}/weights.bin`, /is a URL/],
    ['a file: URL', () => `file://${sentinel}`, /is a URL/],
  ];
  for (const [what, weightPath, reason] of cases) {
    it(`${what}: refused, one line, exit ≠ 0, nothing read or written`, async () => {
      const p = weightPath(root);
      const dir = folderWithPath(what.replace(/\W+/g, '_'), p);
      const out = tempDir('cameras-out-');
      const before = requests.length;
      const run = await runCli(['explain', IMAGE, '-m', dir, '--sizes', '32', '-q', '-o', out]);
      expect(run.code, run.stderr).not.toBe(0);
      expect(run.lines, run.stderr).toHaveLength(1);
      expect(run.lines[0]).toMatch(reason);
      expect(run.lines[0]).toContain(p);
      expect(run.stderr).not.toMatch(STACK_LINE);
      expect(listFiles(out)).toEqual([]);
      expect(requests.length).toBe(before);
    });
  }
});

describe('model files that do not match their manifest', () => {
  it('the path check runs before any read: the reader is never asked for an outside path', async () => {
    for (const bad of ['../x.bin', '/etc/passwd', 'C:\\Windows\\win.ini', '\\\\host\\share\\w.bin', 'https://evil.example/w.bin', '//evil.example/w.bin', 'a/../../b.bin', 'w.bin\0.txt']) {
      const asked: string[] = [];
      const json = structuredClone(saved.modelJson);
      json.weightsManifest[0].paths = [bad];
      const read = async (rel: string) => {
        asked.push(rel);
        if (rel === 'model.json') return new TextEncoder().encode(JSON.stringify(json));
        return saved.weights;
      };
      await expect(readLayersArtifacts(read, 'm'), bad).rejects.toThrow(ModelError);
      expect(asked, bad).toEqual(['model.json']);
    }
  });

  it('weights shorter or longer than the manifest declares', async () => {
    const n = saved.weights.byteLength;
    const short = writeModelFolder(path.join(root, 'short'), saved, (m) => (m.weights = m.weights.subarray(0, n - 4)));
    await expect(loadModel(short)).rejects.toThrow(new RegExp(`has ${n - 4} bytes, the manifest declares ${n}`));
    const long = writeModelFolder(path.join(root, 'long'), saved, (m) => {
      const w = new Uint8Array(n + 4);
      w.set(m.weights);
      m.weights = w;
    });
    await expect(loadModel(long)).rejects.toThrow(new RegExp(`has ${n + 4} bytes, the manifest declares ${n}`));
    const missing = writeModelFolder(path.join(root, 'missing'), saved, (m) => (m.modelJson.weightsManifest[0].paths = ['nowhere.bin']));
    await expect(loadModel(missing)).rejects.toThrow(/nowhere\.bin: cannot read \(ENOENT\)/);
  });

  it('NaN and Inf weights are refused, naming the weight', async () => {
    const before = tf.memory().numTensors;
    for (const bad of [NaN, Infinity, -Infinity]) {
      const dir = writeModelFolder(path.join(root, `nonfinite-${bad}`), saved, (m) => {
        const f = new Float32Array(m.weights.buffer, m.weights.byteOffset, m.weights.byteLength / 4);
        f[f.length - 2] = bad; // inside the last weight (the dense layer's bias)
      });
      await expect(loadModel(dir)).rejects.toThrow(/weight "logits\/bias" contains NaN or Inf/);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a float32 weight stored after an odd-sized uint8-quantised one (unaligned offset) still loads and is checked', async () => {
    // Move the dense bias (3 floats) to the front as uint8: 3 bytes, so every float32 after it is unaligned.
    const quantised = (bad?: number) =>
      writeModelFolder(path.join(root, `quantised-${bad ?? 'ok'}`), saved, (m) => {
        const specs = m.modelJson.weightsManifest[0].weights;
        const floats = new Float32Array(m.weights.buffer.slice(0));
        const chunks: { spec: (typeof specs)[number]; bytes: Uint8Array }[] = [];
        let at = 0;
        for (const spec of specs) {
          const n = spec.shape.reduce((a, b) => a * b, 1);
          const values = floats.subarray(at, at + n);
          at += n;
          if (spec.name === 'logits/bias') {
            const min = Math.min(...values);
            const scale = (Math.max(...values) - min) / 255 || 1;
            chunks.unshift({ spec: { ...spec, quantization: { dtype: 'uint8', scale, min } }, bytes: Uint8Array.from(values, (v) => Math.round((v - min) / scale)) });
          } else {
            const copy = Float32Array.from(values);
            if (bad !== undefined && spec.name === 'conv/kernel') copy[5] = bad;
            chunks.push({ spec, bytes: new Uint8Array(copy.buffer) });
          }
        }
        m.modelJson.weightsManifest[0].weights = chunks.map((c) => c.spec);
        const out = new Uint8Array(chunks.reduce((a, c) => a + c.bytes.length, 0));
        let o = 0;
        for (const c of chunks) (out.set(c.bytes, o), (o += c.bytes.length));
        m.weights = out;
      });
    const model = await loadModel(quantised());
    expect(model.listLayers().map((l) => l.name)).toContain('conv');
    model.dispose();
    await expect(loadModel(quantised(NaN))).rejects.toThrow(/weight "conv\/kernel" contains NaN or Inf/);
  });

  it('a layer graph that cannot be built (unknown input layer, node index past the calls, cycle): an error, not a hang', async () => {
    type Layer = { name: string; inbound_nodes: unknown[][][] };
    const variant = (name: string, edit: (layers: Layer[]) => void) =>
      writeModelFolder(path.join(root, `graph-${name}`), saved, (m) => edit((m.modelJson.modelTopology as { config: { layers: Layer[] } }).config.layers));
    const byName = (layers: Layer[], n: string) => layers.find((l) => l.name === n)!;
    const cases: [string, RegExp][] = [
      [variant('unknown', (ls) => (byName(ls, 'gap').inbound_nodes[0][0][0] = 'conv_typo')), /layer "gap" takes its input from "conv_typo", which is not a layer of the model/],
      [variant('node-index', (ls) => (byName(ls, 'gap').inbound_nodes[0][0][1] = 3)), /layer "gap" takes its input from node 3 of layer "conv", which is never computed/],
      [variant('cycle', (ls) => (byName(ls, 'conv').inbound_nodes[0][0][0] = 'logits')), /takes its input from node 0 of layer "(logits|conv|gap)", which is never computed \(a cycle/],
    ];
    // tfjs-layers would loop forever on these: run each in a child that is killed after 60 s.
    const results = await Promise.all(cases.map(([dir]) => loadInChild(dir)));
    results.forEach((out, i) => expect(out).toMatch(cases[i][1]));
  });

  it('a manifest that is not JSON, not a layers model, or declares absurd shapes', async () => {
    const dir = path.join(root, 'badjson');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'model.json'), '{"modelTopology": ');
    await expect(loadModel(dir)).rejects.toThrow(/model\.json is not valid JSON/);
    writeFileSync(path.join(dir, 'model.json'), '{"format": "graph-model"}');
    await expect(loadModel(dir)).rejects.toThrow(/not a TF.js layers model/);
    const neg = writeModelFolder(path.join(root, 'negshape'), saved, (m) => (m.modelJson.weightsManifest[0].weights[0].shape = [-3, 3, 3, 4]));
    await expect(loadModel(neg)).rejects.toThrow(/invalid shape/);
    const dtype = writeModelFolder(path.join(root, 'dtype'), saved, (m) => (m.modelJson.weightsManifest[0].weights[0].dtype = 'complex64' as 'float32'));
    await expect(loadModel(dtype)).rejects.toThrow(/unsupported dtype "complex64"/);
  });
});

// ---------------------------------------------------------------------------------------------
// ONNX and TFLite files.

const onnx = onnxProto.onnx;

function valueInfo(name: string, dims: number[]) {
  return { name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

type NodeSpec = { opType: string; input: string[]; output: string[]; name: string; attribute?: unknown[] };

/** A tiny ONNX classifier X[1,3,8,8] → Conv(4) → … → Y[1,4], encoded with the importer's own protobuf schema. */
function onnxModel(nodes: NodeSpec[], weight?: Record<string, unknown>): Uint8Array {
  const W = weight ?? { name: 'W', dims: [4, 3, 3, 3], dataType: 1, floatData: Array.from({ length: 108 }, (_, i) => Math.sin(i)) };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'tiny', node: nodes as never, initializer: [W], input: [valueInfo('X', [1, 3, 8, 8])], output: [valueInfo('Y', [1, 4])] },
  });
  return onnx.ModelProto.encode(model).finish();
}

const conv: NodeSpec = { opType: 'Conv', input: ['X', 'W'], output: ['c'], name: 'conv', attribute: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1] }] };
const tail = (from: string): NodeSpec[] => [
  { opType: 'GlobalAveragePool', input: [from], output: ['p'], name: 'gap' },
  { opType: 'Flatten', input: ['p'], output: ['Y'], name: 'flat' },
];

describe('ONNX graphs', () => {
  it('control: the tiny graph loads and predicts 4 logits', async () => {
    const m = await loadOnnxModel(onnxModel([conv, { opType: 'Relu', input: ['c'], output: ['r'], name: 'relu' }, ...tail('r')]), { inputSize: 8 });
    const logits = await m.predict(tf.ones([1, 8, 8, 3]) as tf.Tensor4D);
    expect(logits.shape).toEqual([1, 4]);
    logits.dispose();
    m.dispose();
  });

  it('a cycle is refused, naming the tensor, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const cyclic = onnxModel([conv, { opType: 'Add', input: ['c', 'd'], output: ['e'], name: 'add' }, { opType: 'Relu', input: ['e'], output: ['d'], name: 'relu' }, ...tail('d')]);
    await expect(loadOnnxModel(cyclic)).rejects.toThrow(/cycle through "(d|e)"/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('initializers whose data does not match their dims, or hold NaN/Inf, are refused before any allocation', async () => {
    const graph = [conv, { opType: 'Relu', input: ['c'], output: ['r'], name: 'relu' }, ...tail('r')];
    const raw = (n: number) => new Uint8Array(new Float32Array(n).fill(0.5).buffer);
    await expect(loadOnnxModel(onnxModel(graph, { name: 'W', dims: [4, 3, 3, 3], dataType: 1, rawData: raw(100) }))).rejects.toThrow(/"W" has 400 bytes of data for 108 elements/);
    await expect(loadOnnxModel(onnxModel(graph, { name: 'W', dims: [4, 3, 3, 3], dataType: 1, rawData: raw(200) }))).rejects.toThrow(/"W" has 800 bytes/);
    // An int64 tensor declaring 10⁹ elements with 8 bytes of data: refused without an 8 GB allocation.
    await expect(loadOnnxModel(onnxModel(graph, { name: 'W', dims: [1000, 1000, 1000], dataType: 7, rawData: new Uint8Array(8) }))).rejects.toThrow(/8 bytes of data for 1000000000 elements/);
    await expect(loadOnnxModel(onnxModel(graph, { name: 'W', dims: [4, 3, 3, 3], dataType: 1, floatData: Array.from({ length: 107 }, () => 1) }))).rejects.toThrow(/holds 107 values for 108 elements/);
    const nan = Array.from({ length: 108 }, (_, i) => (i === 50 ? NaN : 1));
    await expect(loadOnnxModel(onnxModel(graph, { name: 'W', dims: [4, 3, 3, 3], dataType: 1, floatData: nan }))).rejects.toThrow(/"W" contains NaN or Inf/);
    const inf = Array.from({ length: 108 }, (_, i) => (i === 7 ? -Infinity : 1));
    await expect(loadOnnxModel(onnxModel(graph, { name: 'W', dims: [4, 3, 3, 3], dataType: 1, floatData: inf }))).rejects.toThrow(/contains NaN or Inf/);
  });

  it('a node input that nothing produces is refused, naming it', async () => {
    const before = tf.memory().numTensors;
    const missing = onnxModel([conv, { opType: 'Add', input: ['c', 'ghost'], output: ['e'], name: 'add' }, ...tail('e')]);
    await expect(loadOnnxModel(missing)).rejects.toThrow(/"ghost" is neither produced by a node nor an input or initializer/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('through loadModel (onnxruntime first, TF.js fallback) a cycle is still a clear error naming the file', async () => {
    const file = path.join(root, 'cyclic.onnx');
    writeFileSync(file, onnxModel([conv, { opType: 'Add', input: ['c', 'd'], output: ['e'], name: 'add' }, { opType: 'Relu', input: ['e'], output: ['d'], name: 'relu' }, ...tail('d')]));
    const err = (await loadModel(file).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/cycle/i);
  });
});

describe('truncated, oversized and garbage model files', () => {
  itShared('fixtures/onnx/squeezenet1_1.onnx')('truncated ONNX: a decoding error at every cut, fast', async () => {
    const bytes = readFileSync(SQUEEZENET);
    for (const f of [0.0005, 0.01, 0.1, 0.5, 0.9, 0.9999]) {
      const t = performance.now();
      await expect(loadOnnxModel(bytes.subarray(0, Math.floor(bytes.length * f))), `cut at ${f}`).rejects.toThrow(/not an ONNX model: protobuf decoding failed/);
      expect(performance.now() - t).toBeLessThan(2000);
    }
  });

  itShared('models/tflite/mobilenet_v1_0.25_128_quant.tflite')('truncated TFLite: a format error for every cut through the model data', () => {
    const bytes = readFileSync(TFLITE);
    for (const f of [0.0005, 0.01, 0.1, 0.5, 0.9]) {
      expect(() => loadTfliteModel(bytes.subarray(0, Math.floor(bytes.length * f))), `cut at ${f}`).toThrow(/Invalid TFLite model: .*truncated or corrupt/);
    }
  });

  it('garbage and empty files, through loadModel: errors that name the file', async () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['garbage.onnx', new TextEncoder().encode('<html>404 Not Found</html>'), /ONNX/],
      ['ff.onnx', new Uint8Array(256).fill(0xff), /ONNX/],
      ['garbage.tflite', new TextEncoder().encode('<html>404 Not Found</html>'), /TFLite/],
      ['empty.onnx', new Uint8Array(0), /empty file/],
      ['empty.tflite', new Uint8Array(0), /empty file/],
    ];
    for (const [name, bytes, reason] of cases) {
      const file = path.join(root, name);
      writeFileSync(file, bytes);
      const err = (await loadModel(file, { onnxEngine: 'tfjs' }).catch((e: unknown) => e)) as Error;
      expect(err, name).toBeInstanceOf(Error);
      expect(err.message, name).toContain(file);
      expect(err.message, name).toMatch(reason);
    }
  });

  itShared('fixtures/onnx/squeezenet1_1.onnx', 'models/tflite/mobilenet_v1_0.25_128_quant.tflite')('trailing bytes after a complete file: ONNX refuses (protobuf), TFLite ignores them (flatbuffer)', async () => {
    const onnxBytes = Buffer.concat([readFileSync(SQUEEZENET), Buffer.alloc(64, 7)]);
    await expect(loadOnnxModel(onnxBytes)).rejects.toThrow(/protobuf decoding failed/);
    const tfl = loadTfliteModel(Buffer.concat([readFileSync(TFLITE), Buffer.alloc(64, 7)]));
    expect(tfl.inputSize).toBe(128);
    tfl.dispose();
  });

  it('files above the 2 GiB format limit are refused from their size, before reading, naming the file', async () => {
    for (const name of ['huge.onnx', 'huge.tflite']) {
      const file = path.join(root, name);
      const fd = openSync(file, 'w');
      ftruncateSync(fd, 3 * 1024 ** 3); // sparse: no disk space, no memory
      closeSync(fd);
      const rss = process.memoryUsage().rss;
      const t = performance.now();
      const err = (await loadModel(file).catch((e: unknown) => e)) as Error;
      expect(err, name).toBeInstanceOf(ModelError);
      expect(err.message).toBe(`${file}: 3221225472 bytes, above the 2 GiB limit of ${name.endsWith('onnx') ? 'ONNX' : 'TFLite'} files`);
      expect(performance.now() - t).toBeLessThan(1000);
      expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 ** 2);
    }
  });

  it('a weights file that is a symbolic link is followed only as the user laid it out (documented)', async () => {
    // Links are the user's own layout (the Hugging Face cache links snapshots to blobs): the
    // path check is on the manifest's strings, which an attacker controls; links are not.
    const dir = writeModelFolder(path.join(root, 'linked'), saved);
    const target = path.join(root, 'blob.bin');
    writeFileSync(target, saved.weights);
    const link = path.join(dir, 'linked.bin');
    symlinkSync(target, link);
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as SavedModel['modelJson'];
    json.weightsManifest[0].paths = ['linked.bin'];
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    const m = await loadModel(dir);
    expect(m.listLayers().map((l) => l.name)).toContain('conv');
    m.dispose();
  });
});
