/**
 * Forward-only engines for the benchmark ResNet: a TF.js backend (WebAssembly with a thread count,
 * CPU, tfjs-node) running the layers model, or onnxruntime-node running the ONNX export of the same
 * weights. Inputs are made once per size, so a timing covers the forward pass and the read-back of
 * the logits only.
 */
import * as tf from '../src/core/tf.js';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, type BackendName } from '../src/node/backend.js';
import { buildResNetModel } from './resnet50.js';
import { resnetToOnnx } from './resnet-onnx.js';
import type { ResNetSpec } from './resnet-spec.js';
import { fillNormal, mulberry32, normalSampler } from './prng.js';

/** One way of running forward passes. */
export interface ForwardEngine {
  /** e.g. `tfjs-wasm-2t`, `onnxruntime-2t`. */
  readonly name: string;
  /** Start the runtime and load the model. */
  prepare(): Promise<void>;
  /** One forward pass of a `size × size` image; resolves once the logits are on the CPU. */
  forward(size: number): Promise<void>;
  /** Free everything `prepare` and `forward` made. */
  release(): Promise<void>;
}

/** The same pseudo-random NHWC image for every engine at a size. */
export function benchInput(size: number): Float32Array {
  return fillNormal(normalSampler(mulberry32(1000 + size)), size * size * 3, 1);
}

/** The ResNet on a TF.js backend. */
export function tfjsEngine(spec: ResNetSpec, backend: Exclude<BackendName, 'auto'>, threads?: number): ForwardEngine {
  let model: tfl.LayersModel | null = null;
  const inputs = new Map<number, tf.Tensor4D>();
  let label = `tfjs-${backend}`;
  return {
    get name() {
      return label;
    },
    async prepare() {
      const info = await initBackend(backend, { threads });
      label = `tfjs-${info.backend}-${info.threads}t`;
      model = buildResNetModel(spec, 'resnet50');
    },
    async forward(size) {
      if (!model) throw new Error('engine not prepared');
      let x = inputs.get(size);
      if (!x) inputs.set(size, (x = tf.tensor4d(benchInput(size), [1, size, size, 3])));
      const y = model.predict(x) as tf.Tensor;
      await y.data();
      y.dispose();
    },
    async release() {
      for (const x of inputs.values()) x.dispose();
      inputs.clear();
      model?.dispose();
      model = null;
    },
  };
}

/** The ONNX export of the ResNet in onnxruntime-node. */
export function onnxruntimeEngine(spec: ResNetSpec, threads: number): ForwardEngine {
  type Ort = typeof import('onnxruntime-node');
  let ort: Ort | null = null;
  let session: import('onnxruntime-node').InferenceSession | null = null;
  const inputs = new Map<number, import('onnxruntime-node').Tensor>();
  return {
    name: `onnxruntime-${threads}t`,
    async prepare() {
      ort = await import('onnxruntime-node');
      session = await ort.InferenceSession.create(resnetToOnnx(spec), { intraOpNumThreads: threads, interOpNumThreads: 1 });
    },
    async forward(size) {
      if (!ort || !session) throw new Error('engine not prepared');
      let x = inputs.get(size);
      if (!x) {
        // Same pixels as the TF.js engines, laid out NCHW.
        const nhwc = benchInput(size);
        const nchw = new Float32Array(nhwc.length);
        const hw = size * size;
        for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) nchw[c * hw + p] = nhwc[p * 3 + c];
        inputs.set(size, (x = new ort.Tensor('float32', nchw, [1, 3, size, size])));
      }
      const out = await session.run({ input: x });
      void out.logits.data;
    },
    async release() {
      inputs.clear();
      await session?.release();
      session = null;
    },
  };
}
