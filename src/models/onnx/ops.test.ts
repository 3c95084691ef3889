/**
 * Operator semantics of the ONNX import on small models built here with the protobuf encoder,
 * compared with onnxruntime-node (the reference engine) at two input sizes, plus gradient checks
 * and the unsupported-op error.
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '../../core/tf.js';
import { useWasmBackend } from '../../testing/fixtures.js';
import { OnnxGraph } from './graph.js';
import { nhwc, toPlain, type Value } from './values.js';

const { onnx } = onnxProto;

type AttrSpec = { i: number } | { f: number } | { ints: number[] } | { floats: number[] } | { s: string };
interface NodeSpec {
  op: string;
  in: string[];
  out: string[];
  name?: string;
  attrs?: Record<string, AttrSpec>;
}
interface InitSpec {
  name: string;
  dims: number[];
  data: ArrayLike<number>;
  int?: boolean;
}

/** Encodes a one-input ONNX model (input `x`, NCHW with symbolic H, W). */
function buildModel(channels: number, nodes: NodeSpec[], inits: InitSpec[], output: string, opset = 13): Uint8Array {
  const attr = (name: string, a: AttrSpec) => {
    if ('i' in a) return { name, type: 2, i: a.i };
    if ('f' in a) return { name, type: 1, f: a.f };
    if ('ints' in a) return { name, type: 7, ints: a.ints };
    if ('floats' in a) return { name, type: 6, floats: a.floats };
    return { name, type: 3, s: new TextEncoder().encode(a.s) };
  };
  const dim = (d: number | string) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'test',
      node: nodes.map((n, k) => ({
        opType: n.op,
        input: n.in,
        output: n.out,
        name: n.name ?? `/block/${n.op}_${k}`,
        attribute: Object.entries(n.attrs ?? {}).map(([k2, v]) => attr(k2, v)),
      })),
      initializer: inits.map((t) =>
        t.int
          ? { name: t.name, dims: t.dims, dataType: 7, int64Data: Array.from(t.data) }
          : { name: t.name, dims: t.dims, dataType: 1, floatData: Array.from(t.data) },
      ),
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [dim(1), dim(channels), dim('h'), dim('w')] } } } }],
      output: [{ name: output, type: { tensorType: { elemType: 1 } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Seeded values in [-1, 1). */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function init(name: string, dims: number[], seed: number): InitSpec {
  return { name, dims, data: seeded(dims.reduce((a, b) => a * b, 1), seed) };
}

function ints(name: string, values: number[]): InitSpec {
  return { name, dims: [values.length], data: values, int: true };
}

/** Our output (logical layout, flattened) for an NCHW input. */
function runOurs(graph: OnnxGraph, nchw: Float32Array, dims: number[]): { shape: number[]; data: Float32Array } {
  const x = tf.tidy(() => tf.tensor4d(nchw, dims as [number, number, number, number]).transpose([0, 2, 3, 1]));
  const [v] = graph.execute(graph.fullPlan(), new Map<string, Value>([['x', nhwc(x)]]), [graph.outputName]);
  x.dispose();
  if (v.kind === 'const') return { shape: [...v.shape], data: Float32Array.from(v.data) };
  const t = toPlain(v);
  const out = { shape: [...t.shape], data: Float32Array.from(t.dataSync()) };
  tf.dispose([t, v.t]);
  return out;
}

async function runOrt(bytes: Uint8Array, nchw: Float32Array, dims: number[]): Promise<{ shape: number[]; data: Float32Array }> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const r = await s.run({ x: new ort.Tensor('float32', nchw, dims) });
    const o = r[s.outputNames[0]];
    return { shape: [...o.dims].map(Number), data: Float32Array.from(o.data as Float32Array) };
  } finally {
    await s.release();
  }
}

/** Builds, runs both engines at each size, compares within `tol` relative to max(1, |ref|). */
async function expectSameAsOrt(
  channels: number,
  nodes: NodeSpec[],
  inits: InitSpec[],
  output: string,
  sizes: [number, number][] = [
    [9, 11],
    [16, 13],
  ],
  tol = 1e-5,
  opset = 13,
): Promise<void> {
  const bytes = buildModel(channels, nodes, inits, output, opset);
  const graph = new OnnxGraph(bytes);
  try {
    for (const [h, w] of sizes) {
      const dims = [1, channels, h, w];
      const x = seeded(channels * h * w, h * 131 + w);
      const before = tf.memory().numTensors;
      const ours = runOurs(graph, x, dims);
      expect(tf.memory().numTensors).toBe(before);
      const ref = await runOrt(bytes, x, dims);
      expect(ours.shape).toEqual(ref.shape);
      let diff = 0;
      let scale = 1;
      for (let i = 0; i < ref.data.length; i++) {
        diff = Math.max(diff, Math.abs(ours.data[i] - ref.data[i]));
        scale = Math.max(scale, Math.abs(ref.data[i]));
      }
      expect(diff, `${h}×${w}`).toBeLessThanOrEqual(tol * scale);
    }
  } finally {
    graph.dispose();
  }
}

beforeAll(useWasmBackend);

describe('ONNX Conv and ConvTranspose', () => {
  it('handles strides, asymmetric pads, dilations and strides with dilations together', async () => {
    for (const attrs of [
      { strides: { ints: [2, 1] }, pads: { ints: [1, 0, 2, 1] } },
      { dilations: { ints: [2, 2] }, pads: { ints: [2, 2, 2, 2] } },
      { strides: { ints: [2, 2] }, dilations: { ints: [2, 1] }, pads: { ints: [1, 1, 1, 1] } },
    ] as Record<string, AttrSpec>[]) {
      await expectSameAsOrt(3, [{ op: 'Conv', in: ['x', 'w', 'b'], out: ['y'], attrs: { kernel_shape: { ints: [3, 3] }, ...attrs } }], [init('w', [4, 3, 3, 3], 1), init('b', [4], 2)], 'y');
    }
  });

  it('resolves auto_pad SAME_UPPER, SAME_LOWER and VALID against the input size', async () => {
    for (const mode of ['SAME_UPPER', 'SAME_LOWER', 'VALID']) {
      await expectSameAsOrt(2, [{ op: 'Conv', in: ['x', 'w'], out: ['y'], attrs: { auto_pad: { s: mode }, strides: { ints: [2, 2] } } }], [init('w', [3, 2, 4, 4], 3)], 'y');
    }
  });

  it('runs grouped, depthwise and depthwise-multiplier convolutions', async () => {
    await expectSameAsOrt(4, [{ op: 'Conv', in: ['x', 'w', 'b'], out: ['y'], attrs: { group: { i: 2 }, pads: { ints: [1, 1, 1, 1] } } }], [init('w', [6, 2, 3, 3], 4), init('b', [6], 5)], 'y');
    await expectSameAsOrt(4, [{ op: 'Conv', in: ['x', 'w'], out: ['y'], attrs: { group: { i: 4 }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } } }], [init('w', [4, 1, 3, 3], 6)], 'y');
    await expectSameAsOrt(3, [{ op: 'Conv', in: ['x', 'w', 'b'], out: ['y'], attrs: { group: { i: 3 } } }], [init('w', [6, 1, 2, 2], 7), init('b', [6], 8)], 'y');
  });

  it('runs ConvTranspose with strides, pads, output_padding, groups and dilations', async () => {
    await expectSameAsOrt(4, [{ op: 'ConvTranspose', in: ['x', 'w', 'b'], out: ['y'], attrs: { strides: { ints: [2, 2] }, pads: { ints: [1, 0, 1, 2] }, output_padding: { ints: [1, 0] }, group: { i: 2 } } }], [init('w', [4, 3, 3, 3], 9), init('b', [6], 10)], 'y');
    await expectSameAsOrt(2, [{ op: 'ConvTranspose', in: ['x', 'w'], out: ['y'], attrs: { dilations: { ints: [2, 2] }, strides: { ints: [3, 2] } } }], [init('w', [2, 3, 2, 3], 11)], 'y');
  });
});

describe('ONNX pooling', () => {
  it('MaxPool ceil_mode keeps PyTorch’s output size (SqueezeNet at 324 px needs it)', async () => {
    for (const ceil of [0, 1]) {
      await expectSameAsOrt(2, [{ op: 'MaxPool', in: ['x'], out: ['y'], attrs: { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, ceil_mode: { i: ceil } } }], [], 'y', [
        [10, 12],
        [13, 14],
      ]);
    }
    await expectSameAsOrt(2, [{ op: 'MaxPool', in: ['x'], out: ['y'], attrs: { kernel_shape: { ints: [3, 2] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 0] }, ceil_mode: { i: 1 } } }], [], 'y');
  });

  it('AveragePool divides by the right count with count_include_pad and ceil_mode', async () => {
    for (const include of [0, 1]) {
      for (const ceil of [0, 1]) {
        await expectSameAsOrt(
          2,
          [{ op: 'AveragePool', in: ['x'], out: ['y'], attrs: { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] }, count_include_pad: { i: include }, ceil_mode: { i: ceil } } }],
          [],
          'y',
          [
            [10, 12],
            [13, 14],
          ],
        );
      }
    }
  });

  it('global pools, ReduceMean and Softmax over logical axes of NHWC-stored tensors', async () => {
    await expectSameAsOrt(3, [{ op: 'GlobalMaxPool', in: ['x'], out: ['y'] }], [], 'y');
    await expectSameAsOrt(3, [{ op: 'ReduceMean', in: ['x'], out: ['y'], attrs: { axes: { ints: [2, 3] }, keepdims: { i: 0 } } }], [], 'y');
    await expectSameAsOrt(3, [{ op: 'ReduceMean', in: ['x'], out: ['y'], attrs: { axes: { ints: [1] }, keepdims: { i: 0 } } }], [], 'y');
    await expectSameAsOrt(3, [{ op: 'Softmax', in: ['x'], out: ['y'], attrs: { axis: { i: 1 } } }], [], 'y');
    await expectSameAsOrt(3, [{ op: 'Softmax', in: ['x'], out: ['y'], attrs: { axis: { i: 1 } } }], [], 'y', [[5, 4]], 1e-5, 11);
  });
});

describe('ONNX elementwise ops and normalisations', () => {
  it('broadcasts constants against NHWC-stored tensors and computes activations', async () => {
    await expectSameAsOrt(
      3,
      [
        { op: 'Mul', in: ['x', 'scale'], out: ['a'] },
        { op: 'Add', in: ['a', 'shift'], out: ['b'] },
        { op: 'HardSwish', in: ['b'], out: ['c'] },
        { op: 'PRelu', in: ['c', 'slope'], out: ['d'] },
        { op: 'Clip', in: ['d', 'lo', 'hi'], out: ['e'] },
        { op: 'Sigmoid', in: ['e'], out: ['f'] },
        { op: 'Sub', in: ['f', 'half'], out: ['g'] },
        { op: 'Div', in: ['g', 'scale'], out: ['h'] },
        { op: 'Erf', in: ['h'], out: ['i'] },
        { op: 'Pow', in: ['i', 'two'], out: ['j'] },
        { op: 'Sqrt', in: ['j'], out: ['k'] },
        { op: 'LeakyRelu', in: ['h'], out: ['l'], attrs: { alpha: { f: 0.2 } } },
        { op: 'HardSigmoid', in: ['l'], out: ['m'] },
        { op: 'Tanh', in: ['m'], out: ['n'] },
        { op: 'Add', in: ['k', 'n'], out: ['y'] },
      ],
      [
        init('scale', [3, 1, 1], 12),
        init('shift', [1, 3, 1, 1], 13),
        init('slope', [3, 1, 1], 14),
        { name: 'lo', dims: [], data: [-0.5] },
        { name: 'hi', dims: [], data: [0.75] },
        { name: 'half', dims: [], data: [0.5] },
        { name: 'two', dims: [], data: [2] },
      ],
      'y',
      undefined,
      1e-5,
      14,
    );
  });

  it('BatchNormalization, InstanceNormalization and LayerNormalization in a channels-last block', async () => {
    await expectSameAsOrt(
      4,
      [
        { op: 'BatchNormalization', in: ['x', 's', 'b', 'm', 'v'], out: ['a'], attrs: { epsilon: { f: 1e-3 } } },
        { op: 'InstanceNormalization', in: ['a', 's', 'b'], out: ['c'] },
        // ConvNeXt's LayerNorm2d: permute to NHWC, normalise the last axis, permute back.
        { op: 'Transpose', in: ['c'], out: ['d'], attrs: { perm: { ints: [0, 2, 3, 1] } } },
        { op: 'LayerNormalization', in: ['d', 's', 'b'], out: ['e'], attrs: { axis: { i: -1 } } },
        { op: 'Transpose', in: ['e'], out: ['y'], attrs: { perm: { ints: [0, 3, 1, 2] } } },
      ],
      [init('s', [4], 15), init('b', [4], 16), init('m', [4], 17), { name: 'v', dims: [4], data: [0.5, 1, 2, 0.25] }],
      'y',
      undefined,
      1e-4,
      17,
    );
  });
});

describe('ONNX shape arithmetic and data movement', () => {
  it('evaluates Shape/Gather/Unsqueeze/Concat on the CPU to drive Reshape, then Gemm and MatMul', async () => {
    await expectSameAsOrt(
      2,
      [
        { op: 'GlobalAveragePool', in: ['x'], out: ['p'] },
        { op: 'Shape', in: ['p'], out: ['s'] },
        { op: 'Gather', in: ['s', 'zero'], out: ['n'], attrs: { axis: { i: 0 } } },
        { op: 'Unsqueeze', in: ['n', 'axes0'], out: ['n1'] },
        { op: 'Concat', in: ['n1', 'minus1'], out: ['shape'], attrs: { axis: { i: 0 } } },
        { op: 'Reshape', in: ['p', 'shape'], out: ['f'] },
        { op: 'Gemm', in: ['f', 'wg', 'bg'], out: ['g'], attrs: { transB: { i: 1 }, alpha: { f: 0.5 }, beta: { f: 2 } } },
        { op: 'MatMul', in: ['g', 'wm'], out: ['y'] },
      ],
      [{ name: 'zero', dims: [], data: [0], int: true }, ints('axes0', [0]), ints('minus1', [-1]), init('wg', [5, 2], 18), init('bg', [5], 19), init('wm', [5, 3], 20)],
      'y',
    );
  });

  it('Slice with steps (negative too), Pad modes, Split, Concat, Flatten, Squeeze on NHWC-stored tensors', async () => {
    await expectSameAsOrt(
      4,
      [
        { op: 'Slice', in: ['x', 'st', 'en', 'ax', 'sp'], out: ['a'] },
        { op: 'Pad', in: ['a', 'pads'], out: ['b'], attrs: { mode: { s: 'reflect' } } },
        { op: 'Pad', in: ['b', 'pads2'], out: ['c'], attrs: { mode: { s: 'edge' } } },
        { op: 'Pad', in: ['c', 'pads3', 'cval'], out: ['d'] },
        { op: 'Split', in: ['d', 'split'], out: ['e1', 'e2'], attrs: { axis: { i: 1 } } },
        { op: 'Concat', in: ['e2', 'e1', 'e2'], out: ['f'], attrs: { axis: { i: 1 } } },
        { op: 'Transpose', in: ['f'], out: ['g'], attrs: { perm: { ints: [0, 3, 1, 2] } } },
        { op: 'Flatten', in: ['g'], out: ['h'], attrs: { axis: { i: 2 } } },
        { op: 'Unsqueeze', in: ['h', 'ax0'], out: ['i'] },
        { op: 'Squeeze', in: ['i', 'ax0'], out: ['y'] },
      ],
      [
        ints('st', [0, -1, 1]),
        ints('en', [100, -100, 4]),
        ints('ax', [2, 3, 1]),
        ints('sp', [2, -2, 1]),
        ints('pads', [0, 0, 1, 2, 0, 0, 2, 1]),
        ints('pads2', [0, 0, 2, 0, 0, 0, 1, 3]),
        ints('pads3', [0, 1, -1, 0, 0, 0, 1, -1]),
        { name: 'cval', dims: [], data: [0.25] },
        ints('split', [1, 3]),
        ints('ax0', [0]),
      ],
      'y',
    );
  });
});

describe('ONNX opset differences', () => {
  it('reads axes, splits and clip bounds from attributes in opset 11 and from inputs in opset 13', async () => {
    const body = (v13: boolean): NodeSpec[] => [
      { op: 'Split', in: v13 ? ['x', 'split'] : ['x'], out: ['a', 'b'], attrs: { axis: { i: 1 }, ...(v13 ? {} : { split: { ints: [1, 2] } }) } },
      { op: 'ReduceSum', in: v13 ? ['b', 'rax'] : ['b'], out: ['c'], attrs: { keepdims: { i: 1 }, ...(v13 ? {} : { axes: { ints: [1] } }) } },
      { op: 'Add', in: ['a', 'c'], out: ['d'] },
      { op: 'Clip', in: ['d', 'lo', 'hi'], out: ['e'] },
      { op: 'Unsqueeze', in: v13 ? ['e', 'uax'] : ['e'], out: ['f'], attrs: v13 ? {} : { axes: { ints: [0] } } },
      { op: 'Squeeze', in: v13 ? ['f', 'uax'] : ['f'], out: ['y'], attrs: v13 ? {} : { axes: { ints: [0] } } },
    ];
    const inits: InitSpec[] = [ints('split', [1, 2]), ints('rax', [1]), ints('uax', [0]), { name: 'lo', dims: [], data: [-0.3] }, { name: 'hi', dims: [], data: [0.4] }];
    await expectSameAsOrt(3, body(false), inits.filter((t) => t.name === 'lo' || t.name === 'hi'), 'y', undefined, 1e-5, 11);
    await expectSameAsOrt(3, body(true), inits, 'y', undefined, 1e-5, 13);
  });
});

describe('ONNX import errors', () => {
  it('names the op type and the node of an unsupported op', () => {
    const bytes = buildModel(1, [
      { op: 'Relu', in: ['x'], out: ['a'] },
      { op: 'NonMaxSuppression', in: ['a'], out: ['y'], name: '/head/nms/NonMaxSuppression' },
    ], [], 'y');
    expect(() => new OnnxGraph(bytes)).toThrow(/unsupported ONNX op "NonMaxSuppression" in node "\/head\/nms\/NonMaxSuppression"/);
  });

  it('names the node when an op fails at run time, and frees what it computed', () => {
    const bytes = buildModel(2, [
      { op: 'Relu', in: ['x'], out: ['a'] },
      { op: 'Reshape', in: ['a', 'shape'], out: ['y'], name: '/fc/Reshape' },
    ], [ints('shape', [1, 7])], 'y');
    const graph = new OnnxGraph(bytes);
    const x = tf.zeros([1, 3, 3, 2]);
    const before = tf.memory().numTensors;
    expect(() => graph.execute(graph.fullPlan(), new Map([['x', nhwc(x)]]), ['y'])).toThrow(/node "\/fc\/Reshape" \(Reshape\): cannot reshape \[1,2,3,3\]/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    graph.dispose();
  });

  it('rejects bytes that are not an ONNX model', () => {
    expect(() => new OnnxGraph(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(/not an ONNX model/);
  });
});

describe('ONNX gradients', () => {
  /** ⟨∇ₓ⟨u, f(x)⟩, v⟩ must equal ⟨u, f(x+v) − f(x)⟩ for a model that is affine in x. */
  it('are exact adjoints through conv, transposed conv, pooling, pads, slices and reshapes', () => {
    const bytes = buildModel(2, [
      { op: 'Conv', in: ['x', 'w1', 'b1'], out: ['a'], attrs: { group: { i: 2 }, strides: { ints: [2, 2] }, dilations: { ints: [1, 2] }, pads: { ints: [1, 2, 0, 1] } } },
      { op: 'ConvTranspose', in: ['a', 'w2'], out: ['b'], attrs: { strides: { ints: [2, 2] }, pads: { ints: [1, 1, 0, 0] } } },
      { op: 'AveragePool', in: ['b'], out: ['c'], attrs: { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] }, ceil_mode: { i: 1 } } },
      { op: 'Conv', in: ['c', 'w3'], out: ['d'], attrs: { group: { i: 3 }, pads: { ints: [1, 1, 1, 1] } } },
      { op: 'Slice', in: ['d', 'st', 'en', 'ax', 'sp'], out: ['e'] },
      { op: 'Pad', in: ['e', 'pads'], out: ['f'], attrs: { mode: { s: 'reflect' } } },
      { op: 'Flatten', in: ['f'], out: ['y'] },
    ], [init('w1', [4, 1, 3, 3], 21), init('b1', [4], 22), init('w2', [4, 3, 3, 3], 23), init('w3', [3, 1, 3, 3], 24), ints('st', [0]), ints('en', [100]), ints('ax', [3]), ints('sp', [2]), ints('pads', [0, 0, 1, 1, 0, 0, 1, 1])], 'y');
    const graph = new OnnxGraph(bytes);
    const shape: [number, number, number, number] = [1, 12, 15, 2];
    const x = tf.tensor4d(seeded(360, 1), shape);
    const v = tf.tensor4d(seeded(360, 2), shape);
    const f = (t: tf.Tensor): tf.Tensor => {
      const [out] = graph.execute(graph.fullPlan(), new Map([['x', nhwc(t)]]), ['y']);
      return (out as { t: tf.Tensor }).t;
    };
    const before = tf.memory().numTensors;
    const lhs = tf.tidy(() => {
      const y0 = f(x);
      const u = tf.tensor(seeded(y0.size, 3), y0.shape);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), u)))(x);
      const rhs = tf.sum(tf.mul(u, tf.sub(f(tf.add(x, v)), y0)));
      return tf.stack([tf.sum(tf.mul(g, v)), rhs]);
    });
    const [a, b] = lhs.dataSync();
    lhs.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(b)).toBeGreaterThan(1e-2);
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-4 * Math.abs(b));
    tf.dispose([x, v]);
    graph.dispose();
  });

  it('match central differences through MaxPool (ceil mode), activations and LayerNormalization', () => {
    const bytes = buildModel(3, [
      { op: 'Conv', in: ['x', 'w'], out: ['a'], attrs: { pads: { ints: [1, 1, 1, 1] } } },
      { op: 'MaxPool', in: ['a'], out: ['b'], attrs: { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, ceil_mode: { i: 1 } } },
      { op: 'HardSwish', in: ['b'], out: ['c'] },
      { op: 'Transpose', in: ['c'], out: ['d'], attrs: { perm: { ints: [0, 2, 3, 1] } } },
      { op: 'LayerNormalization', in: ['d', 's', 'bb'], out: ['e'] },
      { op: 'Erf', in: ['e'], out: ['y'] },
    ], [init('w', [4, 3, 3, 3], 25), init('s', [4], 26), init('bb', [4], 27)], 'y', 17);
    const graph = new OnnxGraph(bytes);
    const shape: [number, number, number, number] = [1, 8, 10, 3];
    const x = tf.tensor4d(seeded(240, 5), shape);
    const u = seeded(4 * 5 * 4, 6);
    const loss = (t: tf.Tensor): tf.Scalar => {
      const [out] = graph.execute(graph.fullPlan(), new Map([['x', nhwc(t)]]), ['y']);
      const y = (out as { t: tf.Tensor }).t;
      return tf.sum(tf.mul(y, tf.tensor(u, y.shape)));
    };
    const g = tf.grad(loss)(x).dataSync();
    const base = x.dataSync();
    const eps = 1e-2;
    let checked = 0;
    for (const i of [0, 17, 58, 101, 150, 199, 239]) {
      const at = (d: number) => tf.tidy(() => loss(tf.tensor4d(Float32Array.from(base, (val, k) => (k === i ? val + d : val)), shape)).dataSync()[0]);
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      expect(Math.abs(g[i] - fd), `element ${i}`).toBeLessThanOrEqual(2e-2 * Math.max(0.1, Math.abs(fd)));
      checked++;
    }
    expect(checked).toBe(7);
    expect(Math.max(...Array.from(g, Math.abs))).toBeGreaterThan(0);
    x.dispose();
    graph.dispose();
  });

  it('route MaxPool gradients to the first maximum of each window, like PyTorch', () => {
    const bytes = buildModel(2, [{ op: 'MaxPool', in: ['x'], out: ['y'], attrs: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] }, ceil_mode: { i: 1 } } }], [], 'y');
    const graph = new OnnxGraph(bytes);
    const run = (t: tf.Tensor): tf.Tensor => {
      const [out] = graph.execute(graph.fullPlan(), new Map([['x', nhwc(t)]]), ['y']);
      return (out as { t: tf.Tensor }).t;
    };
    // Ties (a constant image): only the top-left cell of each window receives the gradient.
    const flat = tf.fill([1, 5, 5, 2], 0.5);
    const g = tf.grad((t: tf.Tensor) => tf.sum(run(t)))(flat);
    const got = g.dataSync();
    for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 2; c++) {
      expect(got[(y * 5 + x) * 2 + c]).toBe(y % 2 === 0 && x % 2 === 0 ? 1 : 0);
    }
    // Distinct values: the gradient lands on each window's maximum, with the upstream weight.
    const xs = seeded(50, 9);
    const x = tf.tensor4d(xs, [1, 5, 5, 2]);
    const u = seeded(18, 10);
    const gx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(run(t), tf.tensor4d(u, [1, 3, 3, 2]))))(x).dataSync();
    const expected = new Float32Array(50);
    for (let oy = 0; oy < 3; oy++) for (let ox = 0; ox < 3; ox++) for (let c = 0; c < 2; c++) {
      let best = -1;
      for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) {
        const yy = 2 * oy + dy;
        const xx = 2 * ox + dx;
        if (yy < 5 && xx < 5 && (best < 0 || xs[(yy * 5 + xx) * 2 + c] > xs[best])) best = (yy * 5 + xx) * 2 + c;
      }
      expected[best] += u[(oy * 3 + ox) * 2 + c];
    }
    expect(Array.from(gx)).toEqual(Array.from(expected));
    tf.dispose([flat, g, x]);
    graph.dispose();
  });
});
