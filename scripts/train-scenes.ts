/**
 * Trains the embedded default model on synthetic scenes (`npm run train:scenes`).
 *
 * A small fully convolutional CNN (3×3 conv blocks with BatchNorm and ReLU, a 1×1 conv to the 10 classes,
 * global average pooling → logits) so it accepts any input size. It trains with TF.js on the
 * WebAssembly backend: WebAssembly has no `Conv2DBackpropFilter` kernel, so this script registers
 * one built from the backend's own forward convolution (XNNPACK); the pure-JS CPU backend's convs
 * are ~20× slower (shared notes: ResNet-50 forward 6 s on CPU vs 0.32 s on WebAssembly). Every training scene is fresh (seed = firstSeed + step·batch + i), so there
 * is no over-fitting to a fixed set; held-out scenes use seeds ≥ 1 000 000 000.
 *
 * Usage: npx vite-node scripts/train-scenes.ts [--steps N] [--batch B] [--size S] [--lr LR]
 *        [--out DIR] [--eval N] [--init DIR --first-seed K] [--arch four-stage|five-stage]
 *        [--transfer DIR] [--scales 224,324,...] [--freeze-bn]
 *        [--bench] [--check-grads]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '../src/core/tf.js';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { generateScene, SCENE_LABELS } from '../src/scenes/index.js';
import { resizeImage } from '../src/core/resize.js';
import { AUTHORS_SIZES } from '../src/core/schedule.js';
import { sizesKept } from '../src/scenes/sizes-kept.js';

/** The training size of step `step`: the list reshuffled (seeded) every `scales.length` steps. */
function scaleOfStep(scales: readonly number[], step: number, seed: number): number {
  const cycle = Math.floor(step / scales.length);
  const order = scales.map((s, i) => ({ s, k: Math.sin((cycle + 1) * 12.9898 + (i + 1) * 78.233 + seed) * 43758.5453 % 1 }));
  order.sort((a, b) => a.k - b.k);
  return order[step % scales.length].s;
}

/** First seed of the held-out evaluation scenes; training seeds stay far below it. */
export const HELD_OUT_SEED = 1_000_000_000;

interface Args {
  steps: number;
  batch: number;
  size: number;
  out: string;
  evalN: number;
  bench: boolean;
  checkGrads: boolean;
  lr: number;
  /** Continue from this saved model instead of a fresh initialisation. */
  init: string | null;
  /** First training seed (a continuation uses seeds after the first run's). */
  firstSeed: number;
  /** Copy the weights of every same-named layer from this saved model into a fresh network. */
  transfer: string | null;
  /**
   * Input sizes to train at: each step renders its scenes at `size` (scaleRef 224) and upsamples
   * them bilinearly to one of these, as CAMERAS does. Empty: train at `size` only.
   */
  scales: number[];
  /** Network of a fresh start (default `four-stage`, the committed model's). */
  arch: Arch;
  /**
   * Train with BatchNorm in inference mode: every size is normalised by the same (loaded) moving
   * statistics, instead of each step's own batch statistics that multi-size steps blend into a
   * mixture no single size has. Gamma and beta still learn.
   */
  freezeBatchNorm: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { steps: 1000, batch: 24, size: 160, out: 'models/scenes', evalN: 500, bench: false, checkGrads: false, lr: 2e-3, init: null, firstSeed: 1, transfer: null, scales: [], arch: 'four-stage', freezeBatchNorm: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--steps') a.steps = Number(v), i++;
    else if (k === '--batch') a.batch = Number(v), i++;
    else if (k === '--size') a.size = Number(v), i++;
    else if (k === '--out') a.out = v, i++;
    else if (k === '--eval') a.evalN = Number(v), i++;
    else if (k === '--lr') a.lr = Number(v), i++;
    else if (k === '--bench') a.bench = true;
    else if (k === '--check-grads') a.checkGrads = true;
    else if (k === '--freeze-bn') a.freezeBatchNorm = true;
    else if (k === '--init') a.init = v, i++;
    else if (k === '--first-seed') a.firstSeed = Number(v), i++;
    else if (k === '--transfer') a.transfer = v, i++;
    else if (k === '--arch') {
      if (v !== 'four-stage' && v !== 'five-stage') throw new Error('--arch must be four-stage or five-stage');
      a.arch = v;
      i++;
    }
    else if (k === '--scales') a.scales = v.split(',').map(Number), i++;
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

/**
 * `Conv2DBackpropFilter` for the WebAssembly backend, as one forward convolution:
 * dW[a,b,i,o] = Σ_{n,y,x} xpad[n, y·s+a, x·s+b, i] · dy[n,y,x,o] is a 'valid' convolution of
 * xpad transposed to [i, H, W, n] with dy transposed to [y, x, n, o] as the filter, dilated by s.
 */
function registerWasmConvGradients(): void {
  const k = (name: string) => {
    const cfg = tf.getKernel(name, 'wasm');
    if (!cfg) throw new Error(`wasm kernel ${name} missing`);
    return cfg.kernelFunc as unknown as (args: object) => tf.TensorInfo;
  };
  const [pad, transpose, conv, slice, reverse] = [k('PadV2'), k('Transpose'), k('Conv2D'), k('Slice'), k('Reverse')];
  const naiveInputGrad = k('Conv2DBackpropInput');
  // The backend's own input gradient is a naive loop (~7× slower than its forward conv); for stride 1
  // it is the forward convolution of dy with the flipped, transposed filter.
  tf.registerKernel({
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const { strides, pad: padMode, dimRoundingMode, inputShape, dataFormat } = attrs as unknown as {
        strides: [number, number] | number;
        pad: 'same' | 'valid' | number;
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        inputShape: [number, number, number, number];
        dataFormat: string;
      };
      const s = typeof strides === 'number' ? [strides, strides] : strides;
      if (s[0] !== 1 || s[1] !== 1 || (dataFormat && dataFormat !== 'NHWC')) return naiveInputGrad(args);
      const f = filter.shape as [number, number, number, number];
      const info = tf.backend_util.computeConv2DInfo(inputShape, f, 1, 1, padMode, dimRoundingMode);
      const { top, bottom, left, right } = info.padInfo;
      const b = backend as unknown as { disposeData(id: object): void };
      const flipped = reverse({ inputs: { x: filter }, backend, attrs: { dims: [0, 1] } });
      const ft = transpose({ inputs: { x: flipped }, backend, attrs: { perm: [0, 1, 3, 2] } });
      const [kh, kw] = f;
      const explicit = [[0, 0], [kh - 1 - top, kh - 1 - bottom], [kw - 1 - left, kw - 1 - right], [0, 0]];
      const out = conv({ inputs: { x: dy, filter: ft }, backend, attrs: { strides: [1, 1], pad: explicit, dataFormat: 'NHWC', dilations: [1, 1] } });
      b.disposeData(flipped.dataId);
      b.disposeData(ft.dataId);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad: padMode, dimRoundingMode, filterShape, dataFormat } = attrs as unknown as {
        strides: [number, number] | number;
        pad: 'same' | 'valid' | number;
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        filterShape: [number, number, number, number];
        dataFormat: string;
      };
      if (dataFormat && dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter(wasm): NHWC only');
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        padMode,
        dimRoundingMode,
      );
      const { top, left } = info.padInfo;
      const [n, h, w, ci] = x.shape;
      const [kh, kw, , co] = filterShape;
      const needH = (info.outHeight - 1) * info.strideHeight + kh;
      const needW = (info.outWidth - 1) * info.strideWidth + kw;
      const b = backend as unknown as { disposeData(id: object): void };
      const tmp: tf.TensorInfo[] = [];
      const keep = (t: tf.TensorInfo) => (tmp.push(t), t);
      let xp: tf.TensorInfo = x;
      const bottom = Math.max(0, needH - h - top);
      const right = Math.max(0, needW - w - left);
      if (top || left || bottom || right) {
        xp = keep(pad({ inputs: { x }, backend, attrs: { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 } }));
      }
      const xt = keep(transpose({ inputs: { x: xp }, backend, attrs: { perm: [3, 1, 2, 0] } }));
      const dyt = keep(transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }));
      let out = keep(
        conv({
          inputs: { x: xt, filter: dyt },
          backend,
          attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] },
        }),
      );
      if (out.shape[1] !== kh || out.shape[2] !== kw) {
        out = keep(slice({ inputs: { x: out }, backend, attrs: { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] } }));
      }
      const result = transpose({ inputs: { x: out }, backend, attrs: { perm: [1, 2, 0, 3] } });
      for (const t of tmp) b.disposeData(t.dataId);
      void n;
      return result;
    },
  });
}

/**
 * Replaces the `FusedBatchNorm` gradient by one that broadcasts per-channel factors instead of
 * tiling them to the activation's size: the stock one's `Tile` took ~30 % of a WebAssembly step.
 * Returns the stock gradient function so `--check-grads` can compare the two.
 */
function registerBatchNormGradient(): tf.GradFunc {
  const stock = tf.getGradient('FusedBatchNorm');
  if (!stock) throw new Error('FusedBatchNorm gradient missing');
  tf.registerGradient({
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
      const [x, mean, variance, scale] = saved;
      const g = dy as tf.Tensor;
      const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
      const rs = tf.rsqrt(tf.add(variance, varianceEpsilon));
      const s = scale ?? tf.scalar(1);
      const xc = () => tf.sub(x, mean);
      const red = (t: tf.Tensor) => (mean.rank === 1 ? tf.sum(t, axes) : t).reshape(mean.shape);
      return {
        x: () => tf.mul(g, tf.mul(rs, s)),
        mean: () => red(tf.mul(g, tf.mul(rs, s).neg())),
        variance: () => red(tf.mul(tf.mul(g, xc()), tf.mul(tf.mul(tf.pow(rs, 3), s), -0.5))),
        offset: () => red(g),
        scale: () => red(tf.mul(tf.mul(g, xc()), rs)),
      };
    },
  });
  return stock.gradFunc;
}

/** `four-stage`: the committed model (κ = block4_relu, 14 × 14 at 224); `five-stage`: one more stage at 1/32. */
type Arch = 'four-stage' | 'five-stage';

/**
 * The network: conv blocks (3×3 conv, BatchNorm, ReLU), the last one at 1/16 of the input (14×14
 * at 224), or 1/32 with `five-stage`. Without BatchNorm the same network stayed at chance for 200 steps.
 */
function buildModel(arch: Arch): tfl.LayersModel {
  const input = tfl.input({ shape: [null, null, 3], name: 'image' });
  let x: tfl.SymbolicTensor = input;
  const block = (name: string, filters: number, strides = 1) => {
    x = tfl.layers
      .conv2d({ name: `${name}_conv`, filters, kernelSize: 3, strides, padding: 'same', useBias: false, kernelInitializer: 'heNormal' })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: `${name}_bn`, momentum: 0.9 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ name: `${name}_relu` }).apply(x) as tfl.SymbolicTensor;
  };
  const pool = (name: string) => {
    x = tfl.layers.maxPooling2d({ name, poolSize: 2, strides: 2 }).apply(x) as tfl.SymbolicTensor;
  };
  block('block1', 24, 2);
  pool('pool1');
  block('block2', 32);
  pool('pool2');
  block('block3a', 64);
  block('block3', 64);
  pool('pool3');
  block('block4a', 96);
  block('block4', 128);
  if (arch === 'five-stage') {
    // A fifth stage at 1/32 widens the receptive field from 121 to 329 px, so that more of an
    // object upsampled 4× (as CAMERAS' largest sizes show it) is seen at once; κ is then 7 × 7 at 224.
    pool('pool4');
    block('block5a', 128);
    block('block5b', 128);
    block('block5', 128);
  }
  x = tfl.layers.conv2d({ name: 'classifier', filters: SCENE_LABELS.length, kernelSize: 1 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'logits' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x, name: 'scenes' });
}

/** A batch of scenes as NHWC in [0, 1] and one-hot labels. */
function makeBatch(seeds: number[], size: number, scaleRef?: number): { xs: tf.Tensor4D; ys: tf.Tensor2D; labels: number[] } {
  const buf = new Float32Array(seeds.length * size * size * 3);
  const labels: number[] = [];
  seeds.forEach((seed, i) => {
    const s = generateScene(seed, { width: size, height: size, scaleRef });
    const d = s.image.data;
    const off = i * size * size * 3;
    for (let j = 0; j < d.length; j++) buf[off + j] = d[j] / 255;
    labels.push(s.objects[0].classIndex);
  });
  return {
    xs: tf.tensor4d(buf, [seeds.length, size, size, 3]),
    ys: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), SCENE_LABELS.length).toFloat() as tf.Tensor2D),
    labels,
  };
}

/** Images per step at `scale` so that every step costs about as much as `batch` images at 224. */
export function batchAtScale(batch: number, scale: number): number {
  return Math.max(2, Math.round(batch * (224 / scale) ** 2));
}

/**
 * A batch of scenes rendered at `size` (objects at their 224-px pixel size) and upsampled
 * bilinearly (half-pixel centres, as CAMERAS resizes its input copies) to `scale` × `scale`.
 */
function makeScaledBatch(seeds: number[], size: number, scale: number): { xs: tf.Tensor4D; ys: tf.Tensor2D; labels: number[] } {
  const b = makeBatch(seeds, size, 224);
  if (scale === size) return b;
  const xs = tf.tidy(() => resizeImage(b.xs, [scale, scale], 'bilinear'));
  b.xs.dispose();
  return { ...b, xs };
}

/**
 * Mean number of `sizes` (shorter side) whose prediction equals the prediction at 224, over `n`
 * held-out single-object scenes: the share of CAMERAS' schedule a map would keep.
 */
async function meanSizesKept(model: tfl.LayersModel, n: number, sizes: readonly number[]): Promise<number> {
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const { xs, ys } = makeBatch([HELD_OUT_SEED + i], 224);
    kept += await sizesKept((x) => model.predict(x) as tf.Tensor, xs, sizes);
    tf.dispose([xs, ys]);
  }
  return kept / n;
}

/** Top-1 accuracy on `n` held-out scenes at `size`. */
async function evaluate(model: tfl.LayersModel, n: number, size: number): Promise<number> {
  let correct = 0;
  for (let i = 0; i < n; i += 25) {
    const seeds = Array.from({ length: Math.min(25, n - i) }, (_, j) => HELD_OUT_SEED + i + j);
    const { xs, ys, labels } = makeBatch(seeds, size);
    const pred = tf.tidy(() => (model.predict(xs) as tf.Tensor2D).argMax(1));
    const p = await pred.data();
    labels.forEach((l, j) => (correct += p[j] === l ? 1 : 0));
    tf.dispose([xs, ys, pred]);
  }
  return correct / n;
}

/**
 * One optimiser step with every layer in inference mode (`training: false`): BatchNorm normalises
 * with its moving statistics and leaves them unchanged. Returns [loss, accuracy] of the batch.
 */
async function inferenceModeStep(model: tfl.LayersModel, optimizer: tf.Optimizer, xs: tf.Tensor4D, ys: tf.Tensor2D): Promise<[number, number]> {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let acc: tf.Scalar | null = null;
  const loss = optimizer.minimize(
    () => {
      const logits = model.apply(xs, { training: false }) as tf.Tensor2D;
      acc = tf.keep(tf.mean(tf.equal(tf.argMax(logits, 1), tf.argMax(ys, 1)).toFloat()) as tf.Scalar);
      return tf.losses.softmaxCrossEntropy(ys, logits) as tf.Scalar;
    },
    true,
    vars,
  ) as tf.Scalar;
  const out: [number, number] = [(await loss.data())[0], (await acc!.data())[0]];
  tf.dispose([loss, acc!]);
  return out;
}

/** Reads a saved `model.json` + weight files from disk (no tfjs-node). */
function fileHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const groups = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      const all = Buffer.concat(groups.flatMap((g) => g.paths.map((p) => readFileSync(path.join(dir, p)))));
      return {
        modelTopology: json.modelTopology,
        weightSpecs: groups.flatMap((g) => g.weights),
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

/** Writes the model as `model.json` + `weights.bin` (standard TF.js layers format) without tfjs-node. */
async function saveModel(model: tfl.LayersModel, dir: string): Promise<number> {
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData as ArrayBuffer;
      writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(data));
      const json = {
        format: 'layers-model',
        generatedBy: 'cameras scripts/train-scenes.ts',
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      bytes = data.byteLength;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: data.byteLength } };
    }),
  );
  return bytes;
}

/**
 * Compares the gradients of the registered WebAssembly kernels with the CPU backend's, so that a
 * training run never rests on an unchecked kernel (`--check-grads`).
 */
async function checkGradients(stockBatchNorm: tf.GradFunc): Promise<void> {
  {
    await tf.setBackend('wasm');
    const shape = [3, 5, 4, 6];
    const t = (seed: number, sh: number[]) => tf.tensor(Array.from({ length: sh.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * seed)), sh);
    const [x, mean, variance, scale, offset, dy] = [t(0.3, shape), t(0.7, [6]), t(0.9, [6]).abs(), t(1.1, [6]), t(1.3, [6]), t(1.7, shape)];
    const attrs = { varianceEpsilon: 1e-3 } as unknown as tf.NamedAttrMap;
    const ours = tf.getGradient('FusedBatchNorm')!.gradFunc(dy, [x, mean, variance, scale], attrs);
    const ref = stockBatchNorm(dy, [x, mean, variance, scale], attrs);
    for (const k of ['x', 'mean', 'variance', 'scale', 'offset']) {
      const d = tf.max(tf.abs(tf.sub(ours[k](), ref[k]()))).dataSync()[0];
      console.log(`batchnorm grad check ${k}: max |ours − stock| = ${d.toExponential(2)}`);
      if (!(d < 1e-4)) throw new Error('batchnorm gradient check failed');
    }
    void offset;
  }
  const cases: { s: number; pad: 'same' | 'valid'; h: number; k: number }[] = [
    { s: 1, pad: 'same', h: 9, k: 3 },
    { s: 2, pad: 'same', h: 10, k: 3 },
    { s: 2, pad: 'same', h: 9, k: 3 },
    { s: 1, pad: 'valid', h: 8, k: 3 },
    { s: 1, pad: 'same', h: 6, k: 1 },
  ];
  for (const c of cases) {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.tensor4d(Array.from({ length: 2 * c.h * (c.h + 1) * 3 }, (_, i) => Math.sin(i * 0.37)), [2, c.h, c.h + 1, 3]);
      const f = tf.tensor4d(Array.from({ length: c.k * c.k * 3 * 5 }, (_, i) => Math.cos(i * 0.91)), [c.k, c.k, 3, 5]);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad);
        return tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape))));
      })([x, f]);
      const out = [await g[0].data(), await g[1].data()];
      tf.dispose([x, f, ...g]);
      return out;
    };
    const ref = await run('cpu');
    const got = await run('wasm');
    const diff = Math.max(...ref.map((r, j) => Math.max(...r.map((v, i) => Math.abs(v - got[j][i])))));
    console.log(`conv grad check s${c.s} ${c.pad} k${c.k}: max |wasm − cpu| = ${diff.toExponential(2)}`);
    if (!(diff < 1e-3)) throw new Error('gradient check failed');
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await tf.setBackend('wasm');
  registerWasmConvGradients();
  const stockBatchNorm = registerBatchNormGradient();
  if (args.checkGrads) return checkGradients(stockBatchNorm);
  tf.util.assert(tf.getBackend() === 'wasm', () => 'wasm backend failed to start');
  const model = args.init ? await tfl.loadLayersModel(fileHandler(args.init)) : buildModel(args.arch);
  if (args.transfer) {
    const from = await tfl.loadLayersModel(fileHandler(args.transfer));
    const copied: string[] = [];
    for (const layer of model.layers) {
      const src = from.layers.find((l) => l.name === layer.name);
      const w = src?.getWeights() ?? [];
      if (w.length && w.every((t, i) => t.shape.join() === layer.getWeights()[i]?.shape.join())) {
        layer.setWeights(w);
        copied.push(layer.name);
      }
    }
    from.dispose();
    console.log(`transferred ${copied.length} layers from ${args.transfer}: ${copied.join(', ')}`);
  }
  const optimizer = tf.train.adam(args.lr);
  // Adam reads `learningRate` at every step; TF.js keeps the field protected but mutable.
  const schedule = optimizer as unknown as { learningRate: number };
  model.compile({
    optimizer,
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
    metrics: ['accuracy'],
  });
  console.log(`params ${model.countParams()}, steps ${args.steps}, batch ${args.batch}, size ${args.size}`);
  const t0 = performance.now();
  let lossAvg = 0;
  let accAvg = 0;
  for (let step = 0; step < args.steps; step++) {
    // Warm-up then cosine decay: stable BatchNorm statistics early, fine convergence late.
    const warm = Math.min(1, (step + 1) / 100);
    schedule.learningRate = args.lr * warm * 0.5 * (1 + Math.cos((Math.PI * step) / args.steps));
    // Multi-scale steps cycle through the sizes with a seeded shuffle per cycle; each step holds about
    // the pixels of `batch` images at 224, so a step costs the same at every size.
    const scale = args.scales.length ? scaleOfStep(args.scales, step, args.firstSeed) : args.size;
    const n = args.scales.length ? batchAtScale(args.batch, scale) : args.batch;
    const seeds = Array.from({ length: n }, (_, i) => args.firstSeed + step * args.batch + i);
    // Training crops keep the pixel scale of 224-px scenes (scaleRef 224) whatever the crop size,
    // so the model sees objects at the size it meets at 224; larger scales are upsampled copies.
    const { xs, ys } = makeScaledBatch(seeds, args.size, scale);
    if (args.bench && step === 3) {
      const prof = await tf.profile(async () => tf.dispose((await model.trainOnBatch(xs, ys)) as unknown as tf.Tensor[]));
      const by = new Map<string, number>();
      for (const k of prof.kernels) by.set(k.name, (by.get(k.name) ?? 0) + (k.kernelTimeMs as number));
      console.log([...by].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([n, ms]) => `${n} ${ms.toFixed(0)}`).join(', '));
    }
    const [loss, acc] = args.freezeBatchNorm ? await inferenceModeStep(model, optimizer, xs, ys) : ((await model.trainOnBatch(xs, ys)) as number[]);
    tf.dispose([xs, ys]);
    lossAvg = step === 0 ? loss : 0.95 * lossAvg + 0.05 * loss;
    accAvg = step === 0 ? acc : 0.95 * accAvg + 0.05 * acc;
    if (args.bench || step % 50 === 0 || step === args.steps - 1) {
      const el = (performance.now() - t0) / 1000;
      console.log(`step ${step} loss ${lossAvg.toFixed(3)} acc ${accAvg.toFixed(3)} lr ${schedule.learningRate.toExponential(2)} ${el.toFixed(0)}s (${((el / (step + 1)) * 1000).toFixed(0)} ms/step) tensors ${tf.memory().numTensors}`);
    }
    if (args.bench && step >= 4) return;
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const acc224 = await evaluate(model, args.evalN, 224);
  console.log(`held-out accuracy at 224: ${acc224} (n=${args.evalN}); training ${trainSeconds.toFixed(0)} s`);
  const keptN = Math.min(args.evalN, 100);
  const kept = await meanSizesKept(model, keptN, AUTHORS_SIZES);
  console.log(`sizes of ${AUTHORS_SIZES.join(',')} kept: ${kept.toFixed(2)} on average (n=${keptN})`);
  const bytes = await saveModel(model, args.out);
  const manifest = {
    name: 'scenes',
    format: 'tfjs-layers',
    inputSize: 224,
    preprocess: 'unit',
    labels: [...SCENE_LABELS],
    output: 'logits',
    // The last conv block of whichever network was trained.
    layer: model.layers.some((l) => l.name === 'block5_relu') ? 'block5_relu' : 'block4_relu',
    accuracy: { heldOut: acc224, n: args.evalN, size: 224, firstSeed: HELD_OUT_SEED },
    sizesKept: { mean: kept, of: AUTHORS_SIZES, n: keptN, firstSeed: HELD_OUT_SEED },
    training: {
      script: 'scripts/train-scenes.ts',
      steps: args.steps,
      batch: args.batch,
      cropSize: args.size,
      scales: args.scales,
      transferredFrom: args.transfer,
      scenes: args.steps * args.batch,
      seeds: `${args.firstSeed}..${args.firstSeed + args.steps * args.batch - 1}`,
      initialisedFrom: args.init,
      freezeBatchNorm: args.freezeBatchNorm,
      seconds: Math.round(trainSeconds),
    },
  };
  writeFileSync(path.join(args.out, 'cameras.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`saved ${args.out} (${(bytes / 1e6).toFixed(2)} MB of weights)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
