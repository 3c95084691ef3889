/**
 * Writes the forward pass of a TF.js layers model, up to chosen layers, as an ONNX graph (see
 * {@link OnnxGraphBuilder}). Spatial tensors are NCHW inside the graph: convolution kernels are
 * re-laid out once (HWIO → OIHW, depthwise → grouped), channel axes are remapped, and 'same'
 * padding becomes `SAME_UPPER` (TensorFlow puts the odd extra pixel at the bottom/right, as
 * SAME_UPPER does). A layer or option outside this list throws an {@link OnnxExportError}.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type * as tf from '../../core/tf.js';
import { OnnxExportError, OnnxGraphBuilder, type Attr } from './builder.js';

/* The layer internals we read: public fields of tfjs-layers objects that its typings keep private. */
interface Internals {
  kernel?: { read(): tf.Tensor };
  depthwiseKernel?: { read(): tf.Tensor };
  pointwiseKernel?: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  gamma?: { read(): tf.Tensor } | null;
  beta?: { read(): tf.Tensor } | null;
  movingMean?: { read(): tf.Tensor };
  movingVariance?: { read(): tf.Tensor };
  epsilon?: number;
  axis?: number | number[];
  activation?: { getClassName(): string };
  strides?: number[] | number;
  padding?: string | number[][];
  dilationRate?: number[] | number;
  dataFormat?: string;
  poolSize?: number[] | number;
  alpha?: number;
  maxValue?: number | null;
  targetShape?: number[];
  groups?: number;
}

/** A value of the graph: its ONNX name and rank; rank-4 values are stored NCHW. */
interface Val {
  readonly name: string;
  readonly rank: number;
}

const IDENTITY = new Set(['Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization']);

function pair(v: number[] | number | undefined): [number, number] {
  if (v === undefined) return [1, 1];
  return typeof v === 'number' ? [v, v] : [v[0], v[1] ?? v[0]];
}

/** Float32 values of a layer weight, copied. */
function values(w: { read(): tf.Tensor }): { data: Float32Array; shape: number[] } {
  const t = w.read();
  return { data: Float32Array.from(t.dataSync() as Float32Array), shape: [...t.shape] };
}

/** HWIO `[kh, kw, in, out]` → OIHW `[out, in, kh, kw]`. */
function hwioToOihw(data: Float32Array, [kh, kw, ci, co]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = data[((y * kw + x) * ci + i) * co + o];
  return out;
}

/**
 * Depthwise `[kh, kw, in, mult]` → grouped-conv `[in·mult, 1, kh, kw]`: TF.js output channel
 * `c·mult + m` reads input channel `c`, as group `c` of an ONNX Conv with `group = in` does.
 */
function depthwiseToGrouped(data: Float32Array, [kh, kw, ci, m]: number[]): Float32Array {
  return hwioToOihw(data, [kh, kw, 1, ci * m]);
}

/** Adds the fused activation `name` (a tfjs-layers activation class name) after `x`. */
export function activation(b: OnnxGraphBuilder, x: Val, name: string, where: string): Val {
  const op = (o: string, attrs: Record<string, Attr> = {}): Val => ({ name: b.node(o, [x.name], attrs), rank: x.rank });
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return op('Relu');
    case 'relu6':
      return { name: b.node('Clip', [x.name, b.floats('zero', new Float32Array([0]), []), b.floats('six', new Float32Array([6]), [])]), rank: x.rank };
    case 'sigmoid':
      return op('Sigmoid');
    case 'tanh':
      return op('Tanh');
    case 'elu':
      return op('Elu', { alpha: { float: 1 } });
    case 'selu':
      return op('Selu');
    case 'softplus':
      return op('Softplus');
    case 'softsign':
      return op('Softsign');
    case 'hardSigmoid':
      return op('HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } });
    case 'swish':
      return { name: b.node('Mul', [x.name, b.node('Sigmoid', [x.name])]), rank: x.rank };
    case 'softmax':
      if (x.rank === 4) break;
      return op('Softmax', { axis: { int: -1 } });
  }
  throw new OnnxExportError(`${where}: activation "${name}" is not supported by the onnxruntime export`);
}

/** ONNX axis of a TF.js axis of a value (channels-last 4-D values are stored NCHW). */
function onnxAxis(axis: number, rank: number, where: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new OnnxExportError(`${where}: axis ${axis} out of range`);
  return rank === 4 ? [0, 2, 3, 1][a] : a;
}

function padAttrs(padding: string | number[][] | undefined, where: string): Record<string, Attr> {
  if (padding === undefined || padding === 'valid') return { auto_pad: { str: 'VALID' } };
  if (padding === 'same') return { auto_pad: { str: 'SAME_UPPER' } };
  throw new OnnxExportError(`${where}: padding "${String(padding)}" is not supported`);
}

/** Writes one layer on its input values. */
function writeLayer(b: OnnxGraphBuilder, layer: tfl.layers.Layer, ins: readonly Val[], skipActivation: boolean): Val {
  const cls = layer.getClassName();
  const l = layer as unknown as Internals;
  const where = `layer "${layer.name}" (${cls})`;
  if (l.dataFormat && l.dataFormat !== 'channelsLast') throw new OnnxExportError(`${where}: channelsFirst is not supported`);
  const x = ins[0];
  const act = (y: Val): Val => (skipActivation || !l.activation ? y : activation(b, y, l.activation.getClassName(), where));
  const need4d = () => {
    if (x.rank !== 4) throw new OnnxExportError(`${where}: input of rank ${x.rank}, expected 4`);
  };
  if (IDENTITY.has(cls)) return x;
  switch (cls) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      need4d();
      if ((l.groups ?? 1) !== 1) throw new OnnxExportError(`${where}: grouped convolutions are not supported`);
      const conv = { strides: { ints: pair(l.strides) }, dilations: { ints: pair(l.dilationRate) }, ...padAttrs(l.padding as string, where) };
      const bias = l.bias ? values(l.bias) : undefined;
      let y: string;
      if (cls === 'Conv2D') {
        const k = values(l.kernel!);
        const [kh, kw, ci, co] = k.shape;
        const w = b.floats(`${layer.name}.kernel`, hwioToOihw(k.data, k.shape), [co, ci, kh, kw]);
        y = b.node('Conv', bias ? [x.name, w, b.floats(`${layer.name}.bias`, bias.data, bias.shape)] : [x.name, w], { ...conv, kernel_shape: { ints: [kh, kw] } }, layer.name);
      } else {
        const k = values(l.depthwiseKernel!);
        const [kh, kw, ci, m] = k.shape;
        const w = b.floats(`${layer.name}.depthwise`, depthwiseToGrouped(k.data, k.shape), [ci * m, 1, kh, kw]);
        const dwBias = cls === 'DepthwiseConv2D' && bias ? [b.floats(`${layer.name}.bias`, bias.data, bias.shape)] : [];
        y = b.node('Conv', [x.name, w, ...dwBias], { ...conv, kernel_shape: { ints: [kh, kw] }, group: { int: ci } }, layer.name);
        if (cls === 'SeparableConv2D') {
          const p = values(l.pointwiseKernel!);
          const pw = b.floats(`${layer.name}.pointwise`, hwioToOihw(p.data, p.shape), [p.shape[3], p.shape[2], 1, 1]);
          y = b.node('Conv', bias ? [y, pw, b.floats(`${layer.name}.bias`, bias.data, bias.shape)] : [y, pw], { kernel_shape: { ints: [1, 1] } }, layer.name);
        }
      }
      return act({ name: y, rank: 4 });
    }
    case 'Dense': {
      if (x.rank !== 2) throw new OnnxExportError(`${where}: Dense on a rank-${x.rank} input is not supported`);
      const k = values(l.kernel!);
      const bias = l.bias ? values(l.bias) : { data: new Float32Array(k.shape[1]), shape: [k.shape[1]] };
      const y = b.node('Gemm', [x.name, b.floats(`${layer.name}.kernel`, k.data, k.shape), b.floats(`${layer.name}.bias`, bias.data, bias.shape)], {}, layer.name);
      return act({ name: y, rank: 2 });
    }
    case 'BatchNormalization': {
      const axes = Array.isArray(l.axis) ? l.axis : [l.axis ?? -1];
      if (axes.length !== 1 || (axes[0] !== -1 && axes[0] !== x.rank - 1)) throw new OnnxExportError(`${where}: only the channel axis is supported`);
      if (x.rank !== 4 && x.rank !== 2) throw new OnnxExportError(`${where}: input of rank ${x.rank}`);
      const mean = values(l.movingMean!);
      const variance = values(l.movingVariance!);
      const c = mean.shape[0];
      const gamma = l.gamma ? values(l.gamma).data : new Float32Array(c).fill(1);
      const beta = l.beta ? values(l.beta).data : new Float32Array(c);
      const p = (n: string, d: Float32Array) => b.floats(`${layer.name}.${n}`, d, [c]);
      const y = b.node('BatchNormalization', [x.name, p('gamma', gamma), p('beta', beta), p('mean', mean.data), p('variance', variance.data)], { epsilon: { float: l.epsilon ?? 1e-3 } }, layer.name);
      return { name: y, rank: x.rank };
    }
    case 'Activation':
      return act(x);
    case 'ReLU': {
      if (l.maxValue == null) return { name: b.node('Relu', [x.name]), rank: x.rank };
      return { name: b.node('Clip', [x.name, b.floats('zero', new Float32Array([0]), []), b.floats('max', new Float32Array([l.maxValue]), [])]), rank: x.rank };
    }
    case 'LeakyReLU':
      return { name: b.node('LeakyRelu', [x.name], { alpha: { float: l.alpha ?? 0.3 } }), rank: x.rank };
    case 'ELU':
      return { name: b.node('Elu', [x.name], { alpha: { float: l.alpha ?? 1 } }), rank: x.rank };
    case 'Softmax':
      return activation(b, x, 'softmax', where);
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      need4d();
      const k = pair(l.poolSize);
      const attrs = { kernel_shape: { ints: k }, strides: { ints: pair(l.strides ?? l.poolSize) }, ...padAttrs(l.padding as string, where) };
      return { name: b.node(cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x.name], attrs, layer.name), rank: 4 };
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      need4d();
      const pooled = b.node(cls === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x.name], {}, layer.name);
      return { name: b.node('Flatten', [pooled], { axis: { int: 1 } }), rank: 2 };
    }
    case 'Add':
    case 'Multiply':
    case 'Subtract':
    case 'Maximum':
    case 'Minimum':
    case 'Average': {
      if (ins.some((v) => v.rank !== x.rank)) throw new OnnxExportError(`${where}: inputs of different ranks`);
      const op = { Add: 'Add', Multiply: 'Mul', Subtract: 'Sub', Maximum: 'Max', Minimum: 'Min', Average: 'Add' }[cls]!;
      let y = ins[0].name;
      for (const v of ins.slice(1)) y = b.node(op, [y, v.name]);
      if (cls === 'Average') y = b.node('Mul', [y, b.floats('inv_n', new Float32Array([1 / ins.length]), [])]);
      return { name: y, rank: x.rank };
    }
    case 'Concatenate': {
      if (ins.some((v) => v.rank !== x.rank)) throw new OnnxExportError(`${where}: inputs of different ranks`);
      const axis = onnxAxis((l.axis as number | undefined) ?? -1, x.rank, where);
      return { name: b.node('Concat', ins.map((v) => v.name), { axis: { int: axis } }, layer.name), rank: x.rank };
    }
    case 'ZeroPadding2D': {
      need4d();
      const [[t, bo], [le, r]] = l.padding as number[][];
      return { name: b.node('Pad', [x.name, b.int64s('pads', [0, 0, t, le, 0, 0, bo, r])], {}, layer.name), rank: 4 };
    }
    case 'Flatten':
    case 'Reshape': {
      // Keras flattens and reshapes in channels-last order.
      const src = x.rank === 4 ? b.toNhwc(x.name) : x.name;
      if (cls === 'Flatten') return { name: b.node('Flatten', [src], { axis: { int: 1 } }), rank: 2 };
      const target = l.targetShape ?? [];
      const y = b.node('Reshape', [src, b.int64s('shape', [0, ...target])]);
      const rank = target.length + 1;
      return { name: rank === 4 ? b.toNchw(y) : y, rank };
    }
  }
  throw new OnnxExportError(`${where}: not supported by the onnxruntime export`);
}

/**
 * The forward pass of `model` from its input to the outputs of `outputs` (layer names) as ONNX
 * bytes: input `input` NHWC, outputs `out0…` in the order given (4-D ones NHWC). `skipActivation`
 * names a layer whose own activation is left out (a softmax fused into the logits layer).
 */
export function layersToOnnx(model: tfl.LayersModel, outputs: readonly string[], skipActivation?: string): Uint8Array {
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const inputsOf = (l: tfl.layers.Layer) => (l.inboundNodes[0]?.inboundLayers ?? []) as tfl.layers.Layer[];
  const needed = new Set<string>();
  const stack = [...outputs];
  while (stack.length) {
    const n = stack.pop()!;
    if (needed.has(n)) continue;
    const layer = byName.get(n);
    if (!layer) throw new OnnxExportError(`no layer "${n}"`);
    needed.add(n);
    for (const p of inputsOf(layer)) {
      if (!byName.has(p.name)) byName.set(p.name, p);
      stack.push(p.name);
    }
  }
  const b = new OnnxGraphBuilder();
  const vals = new Map<string, Val>();
  let channels: number | undefined;
  // Layers in tfjs-layers' order are topologically sorted; an InputLayer outside `model.layers`
  // (Sequential models) comes first.
  const order = [...byName.values()].filter((l) => needed.has(l.name));
  order.sort((a, c) => Number(c.getClassName() === 'InputLayer') - Number(a.getClassName() === 'InputLayer'));
  for (const layer of order) {
    if (layer.getClassName() === 'InputLayer') {
      const shape = (layer as unknown as { batchInputShape: (number | null)[] }).batchInputShape;
      if (shape?.length !== 4 || typeof shape[3] !== 'number') throw new OnnxExportError(`input "${layer.name}" is not an NHWC image`);
      if (channels !== undefined) throw new OnnxExportError('models with several inputs are not supported');
      channels = shape[3];
      vals.set(layer.name, { name: b.toNchw('input'), rank: 4 });
      continue;
    }
    if (layer.inboundNodes.length !== 1) throw new OnnxExportError(`layer "${layer.name}" is shared or unconnected`);
    const ins = inputsOf(layer).map((p) => vals.get(p.name));
    if (ins.some((v) => !v)) throw new OnnxExportError(`layer "${layer.name}" comes before its inputs`);
    vals.set(layer.name, writeLayer(b, layer, ins as Val[], layer.name === skipActivation));
  }
  if (channels === undefined) throw new OnnxExportError('no input layer');
  return b.finish(
    channels,
    outputs.map((n) => ({ name: vals.get(n)!.name, nchw: vals.get(n)!.rank === 4 })),
  );
}
