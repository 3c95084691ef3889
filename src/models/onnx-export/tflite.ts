/**
 * Writes operators of a TFLite model as an ONNX graph (see {@link OnnxGraphBuilder}), with the
 * semantics of the TF.js import (`../tflite/kernels.ts`): weights dequantised to float32, quantised
 * activations computed as the real values they encode, a pool whose window covers the whole
 * native-size map kept global at every size. Spatial tensors are NCHW inside the graph.
 */
import type { FbTable } from '../tflite/flatbuffer.js';
import { dequantize, rawValues, sizeOf } from '../tflite/dequantize.js';
import type { ModelDef, OperatorDef } from '../tflite/schema.js';
import { OnnxExportError, OnnxGraphBuilder, type Attr } from './builder.js';

/** A value of the graph: its ONNX name and rank; rank-4 values are stored NCHW. */
interface Val {
  readonly name: string;
  readonly rank: number;
}

const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1];

function opt(o: FbTable | null, kind: 'int8' | 'int32' | 'float32', index: number, fallback: number): number {
  return o ? o[kind](index, fallback) : fallback;
}

function padAttr(code: number): Record<string, Attr> {
  return { auto_pad: { str: code === 1 ? 'VALID' : 'SAME_UPPER' } };
}

/** `[d0, d1, d2, d3]`-shaped NHWC data → NCHW data. */
function nhwcToNchw(data: Float32Array, [n, h, w, c]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let a = 0; a < n; a++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((a * c + k) * h + y) * w + x] = data[((a * h + y) * w + x) * c + k];
  return out;
}

/** Fused `ActivationFunctionType` after `x`. */
function activate(b: OnnxGraphBuilder, x: Val, fn: number, op: OperatorDef): Val {
  const clip = (lo: number, hi: number): Val => ({
    name: b.node('Clip', [x.name, b.floats('lo', new Float32Array([lo]), []), b.floats('hi', new Float32Array([hi]), [])]),
    rank: x.rank,
  });
  switch (fn) {
    case 0:
      return x;
    case 1:
      return { name: b.node('Relu', [x.name]), rank: x.rank };
    case 2:
      return clip(-1, 1);
    case 3:
      return clip(0, 6);
    case 4:
      return { name: b.node('Tanh', [x.name]), rank: x.rank };
  }
  throw new OnnxExportError(`TFLite operator ${op.index} (${op.opName}): fused activation ${fn} is not supported`);
}

/**
 * Operators `0..lastOp` of `model` that `wanted` (tensor indices) depend on, as ONNX bytes: input
 * `input` NHWC, outputs `out0…` in the order of `wanted` (4-D ones NHWC). With `logits`, the single
 * wanted tensor is flattened to `[N, classes]` and multiplied by `logitsScale` (a softmax's beta).
 */
export function tfliteToOnnx(
  model: ModelDef,
  wanted: readonly number[],
  options: { logits?: { scale: number } } = {},
): Uint8Array {
  if (model.inputs.length !== 1) throw new OnnxExportError('only single-input TFLite models are supported');
  const inputIndex = model.inputs[0];
  const inputShape = model.tensors[inputIndex].shape;
  if (inputShape.length !== 4) throw new OnnxExportError('the TFLite input is not an NHWC image');
  const producer = new Map<number, OperatorDef>();
  for (const op of model.operators) for (const t of op.outputs) producer.set(t, op);
  const needed = new Set<number>();
  const stack = [...wanted];
  while (stack.length) {
    const t = stack.pop()!;
    const op = producer.get(t);
    if (!op || needed.has(op.index)) continue;
    needed.add(op.index);
    for (const i of op.inputs) if (i >= 0 && model.tensors[i].data === null) stack.push(i);
  }

  const b = new OnnxGraphBuilder();
  const vals = new Map<number, Val>([[inputIndex, { name: b.toNchw('input'), rank: 4 }]]);
  for (const op of model.operators) {
    if (!needed.has(op.index)) continue;
    vals.set(op.outputs[0], writeOp(b, model, op, vals));
  }
  const outs = wanted.map((t) => {
    const v = vals.get(t);
    if (!v) throw new OnnxExportError(`TFLite tensor ${model.tensors[t]?.name ?? t} is not computed from the input`);
    return v;
  });
  if (options.logits) {
    const [v] = outs;
    let y = v.rank === 4 ? b.toNhwc(v.name) : v.name;
    y = b.node('Flatten', [y], { axis: { int: 1 } });
    if (options.logits.scale !== 1) y = b.node('Mul', [y, b.floats('beta', new Float32Array([options.logits.scale]), [])]);
    return b.finish(inputShape[3], [{ name: y, nchw: false }]);
  }
  return b.finish(
    inputShape[3],
    outs.map((v) => ({ name: v.name, nchw: v.rank === 4 })),
  );
}

function writeOp(b: OnnxGraphBuilder, model: ModelDef, op: OperatorDef, vals: ReadonlyMap<number, Val>): Val {
  const o = op.options;
  const tensors = model.tensors;
  const where = `TFLite operator ${op.index} (${op.opName})`;
  const isConst = (k: number) => op.inputs[k] >= 0 && tensors[op.inputs[k]].data !== null;
  const runtime = (k: number): Val => {
    const v = vals.get(op.inputs[k]);
    if (!v) throw new OnnxExportError(`${where}: input ${k} is not computed before it`);
    return v;
  };
  /** A constant operand laid out to broadcast against a value of rank `rank` (NCHW when 4). */
  const constFor = (k: number, rank: number): string => {
    const t = tensors[op.inputs[k]];
    const data = dequantize(t);
    if (rank !== 4 || t.shape.length === 0) return b.floats(`c${t.index}`, data, t.shape);
    if (t.shape.length > 4) throw new OnnxExportError(`${where}: constant of rank ${t.shape.length}`);
    const s4 = [...new Array(4 - t.shape.length).fill(1), ...t.shape];
    return b.floats(`c${t.index}`, nhwcToNchw(data, s4), [s4[0], s4[3], s4[1], s4[2]]);
  };
  const operand = (k: number, rank: number): string => (isConst(k) ? constFor(k, rank) : runtime(k).name);
  const bias = (k: number): string[] => (op.inputs.length > k && op.inputs[k] >= 0 ? [b.floats(`b${op.inputs[k]}`, dequantize(tensors[op.inputs[k]]), tensors[op.inputs[k]].shape)] : []);
  const unary = (name: string, attrs: Record<string, Attr> = {}): Val => {
    const x = runtime(0);
    return { name: b.node(name, [x.name], attrs), rank: x.rank };
  };

  switch (op.opName) {
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D': {
      const depthwise = op.opName === 'DEPTHWISE_CONV_2D';
      const [pad, sw, sh] = [opt(o, 'int8', 0, 0), opt(o, 'int32', 1, 1), opt(o, 'int32', 2, 1)];
      const [act, dw, dh] = depthwise ? [opt(o, 'int8', 4, 0), opt(o, 'int32', 5, 1), opt(o, 'int32', 6, 1)] : [opt(o, 'int8', 3, 0), opt(o, 'int32', 4, 1), opt(o, 'int32', 5, 1)];
      if (!isConst(1)) throw new OnnxExportError(`${where}: run-time filters are not supported`);
      const x = runtime(0);
      if (x.rank !== 4) throw new OnnxExportError(`${where}: input of rank ${x.rank}`);
      const f = tensors[op.inputs[1]];
      const [fo, kh, kw, fi] = f.shape;
      // TFLite filters are [out, kh, kw, in] (depthwise: [1, kh, kw, in·mult], multiplier fastest):
      // both are OIHW after moving the last axis to position 1, with in = 1 per group for depthwise.
      const inC = tensors[op.inputs[0]].shape[3];
      if (depthwise ? !inC || fi % inC !== 0 : fi !== inC) throw new OnnxExportError(`${where}: filter [${f.shape}] does not fit the input (grouped convolutions are not supported)`);
      const w = depthwise
        ? b.floats(`f${f.index}`, reorderDepthwise(dequantize(f), kh, kw, fi), [fi, 1, kh, kw])
        : b.floats(`f${f.index}`, nhwcToNchw(dequantize(f), f.shape), [fo, fi, kh, kw]);
      const attrs: Record<string, Attr> = { ...padAttr(pad), strides: { ints: [sh, sw] }, dilations: { ints: [dh, dw] }, kernel_shape: { ints: [kh, kw] } };
      if (depthwise) attrs.group = { int: inC };
      return activate(b, { name: b.node('Conv', [x.name, w, ...bias(2)], attrs, tensors[op.outputs[0]].name), rank: 4 }, act, op);
    }
    case 'FULLY_CONNECTED': {
      const act = opt(o, 'int8', 0, 0);
      if (opt(o, 'int8', 1, 0) !== 0) throw new OnnxExportError(`${where}: shuffled weights are not supported`);
      if (opt(o, 'int8', 2, 0) !== 0) throw new OnnxExportError(`${where}: keep_num_dims is not supported`);
      if (!isConst(1)) throw new OnnxExportError(`${where}: run-time weights are not supported`);
      const x = runtime(0);
      const wDef = tensors[op.inputs[1]];
      const [units, depth] = wDef.shape;
      const flat = b.node('Reshape', [x.rank === 4 ? b.toNhwc(x.name) : x.name, b.int64s('shape', [-1, depth])]);
      const bs = bias(2);
      const y = b.node('Gemm', [flat, b.floats(`w${wDef.index}`, dequantize(wDef), [units, depth]), ...(bs.length ? bs : [b.floats('zero_bias', new Float32Array(units), [units])])], { transB: { int: 1 } });
      return activate(b, { name: y, rank: 2 }, act, op);
    }
    case 'ADD':
    case 'SUB':
    case 'MUL':
    case 'DIV': {
      const act = opt(o, 'int8', 0, 0);
      const ranks = [0, 1].map((k) => (isConst(k) ? -1 : runtime(k).rank));
      const rank = Math.max(...ranks);
      if (rank < 0) throw new OnnxExportError(`${where}: both operands are constants`);
      if (ranks.some((r) => r >= 0 && r !== rank)) throw new OnnxExportError(`${where}: run-time operands of different ranks`);
      const f = { ADD: 'Add', SUB: 'Sub', MUL: 'Mul', DIV: 'Div' }[op.opName]!;
      return activate(b, { name: b.node(f, [operand(0, rank), operand(1, rank)]), rank }, act, op);
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const [pad, sw, sh, fw, fh, act] = [opt(o, 'int8', 0, 0), opt(o, 'int32', 1, 1), opt(o, 'int32', 2, 1), opt(o, 'int32', 3, 1), opt(o, 'int32', 4, 1), opt(o, 'int8', 5, 0)];
      const avg = op.opName === 'AVERAGE_POOL_2D';
      const x = runtime(0);
      if (x.rank !== 4) throw new OnnxExportError(`${where}: input of rank ${x.rank}`);
      const [, h, w] = tensors[op.inputs[0]].shape;
      const outShape = tensors[op.outputs[0]].shape;
      const global = h === fh && w === fw && outShape[1] === 1 && outShape[2] === 1;
      const y = global
        ? b.node(avg ? 'GlobalAveragePool' : 'GlobalMaxPool', [x.name])
        : b.node(avg ? 'AveragePool' : 'MaxPool', [x.name], { ...padAttr(pad), strides: { ints: [sh, sw] }, kernel_shape: { ints: [fh, fw] } });
      return activate(b, { name: y, rank: 4 }, act, op);
    }
    case 'MEAN':
    case 'SUM':
    case 'REDUCE_MAX': {
      if (!isConst(1)) throw new OnnxExportError(`${where}: run-time axes are not supported`);
      const x = runtime(0);
      const keep = opt(o, 'int8', 0, 0) !== 0;
      const axes = Array.from(rawValues(tensors[op.inputs[1]]), (a) => Math.round(a < 0 ? a + x.rank : a));
      const mapped = x.rank === 4 ? axes.map((a) => NHWC_TO_NCHW_AXIS[a]) : axes;
      const rest = [...Array(x.rank).keys()].filter((a) => !axes.includes(a));
      const outRank = keep ? x.rank : rest.length;
      if (x.rank === 4 && outRank !== 4) {
        // Dropping axes of an NCHW value keeps the NHWC order only if the kept axes stay in order.
        const kept = rest.map((a) => NHWC_TO_NCHW_AXIS[a]);
        if (kept.some((a, i) => i > 0 && a < kept[i - 1])) throw new OnnxExportError(`${where}: this reduction changes the axis order`);
      }
      const keepdims = { keepdims: { int: keep ? 1 : 0 } };
      const y =
        op.opName === 'SUM'
          ? b.node('ReduceSum', [x.name, b.int64s('axes', mapped)], keepdims)
          : b.node(op.opName === 'MEAN' ? 'ReduceMean' : 'ReduceMax', [x.name], { axes: { ints: mapped }, ...keepdims });
      return { name: y, rank: outRank };
    }
    case 'RESHAPE':
    case 'SQUEEZE': {
      const x = runtime(0);
      const target = [...tensors[op.outputs[0]].shape];
      const src = x.rank === 4 ? b.toNhwc(x.name) : x.name;
      // As the TF.js import: a reshape to rank ≤ 2 keeps the batch and flattens the rest, which
      // is what it means at other input sizes; other targets are taken as stored.
      const shape = target.length === 2 ? [0, -1] : target.length === 1 ? [-1] : target;
      if (target.length <= 2 && sizeOf(tensors[op.inputs[0]].shape) !== sizeOf(target)) throw new OnnxExportError(`${where}: reshape changes the size`);
      const y = b.node('Reshape', [src, b.int64s('shape', shape)]);
      return { name: target.length === 4 ? b.toNchw(y) : y, rank: target.length };
    }
    case 'SOFTMAX': {
      const x = runtime(0);
      if (x.rank === 4) throw new OnnxExportError(`${where}: softmax over a 4-D tensor is not supported`);
      const beta = opt(o, 'float32', 0, 1);
      const src = beta === 1 ? x.name : b.node('Mul', [x.name, b.floats('beta', new Float32Array([beta]), [])]);
      return { name: b.node('Softmax', [src], { axis: { int: -1 } }), rank: x.rank };
    }
    case 'CONCATENATION': {
      const ins = op.inputs.map((_, k) => runtime(k));
      const rank = ins[0].rank;
      if (ins.some((v) => v.rank !== rank)) throw new OnnxExportError(`${where}: inputs of different ranks`);
      const a = opt(o, 'int32', 0, 0);
      const axis = a < 0 ? a + rank : a;
      const y = b.node('Concat', ins.map((v) => v.name), { axis: { int: rank === 4 ? NHWC_TO_NCHW_AXIS[axis] : axis } });
      return activate(b, { name: y, rank }, opt(o, 'int8', 1, 0), op);
    }
    case 'PAD':
    case 'PADV2': {
      if (!isConst(1)) throw new OnnxExportError(`${where}: run-time paddings are not supported`);
      const x = runtime(0);
      const p = Array.from(rawValues(tensors[op.inputs[1]]), (v) => Math.round(v));
      const order = x.rank === 4 ? [0, 3, 1, 2] : [...Array(x.rank).keys()];
      const pads = [...order.map((a) => p[2 * a]), ...order.map((a) => p[2 * a + 1])];
      const value = op.opName === 'PADV2' && op.inputs.length > 2 && op.inputs[2] >= 0 ? dequantize(tensors[op.inputs[2]])[0] : 0;
      return { name: b.node('Pad', [x.name, b.int64s('pads', pads), b.floats('pad_value', new Float32Array([value]), [])]), rank: x.rank };
    }
    case 'RELU':
      return unary('Relu');
    case 'RELU6':
      return activate(b, runtime(0), 3, op);
    case 'RELU_N1_TO_1':
      return activate(b, runtime(0), 2, op);
    case 'LOGISTIC':
      return unary('Sigmoid');
    case 'TANH':
      return unary('Tanh');
    case 'HARD_SWISH':
      return unary('HardSwish');
    case 'LEAKY_RELU':
      return unary('LeakyRelu', { alpha: { float: opt(o, 'float32', 0, 0.2) } });
    case 'QUANTIZE':
    case 'DEQUANTIZE':
      return runtime(0);
  }
  throw new OnnxExportError(`${where}: not supported by the onnxruntime export`);
}

/** Depthwise filter `[1, kh, kw, C]` → grouped-conv OIHW `[C, 1, kh, kw]`. */
function reorderDepthwise(data: Float32Array, kh: number, kw: number, c: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let k = 0; k < c; k++) out[(k * kh + y) * kw + x] = data[(y * kw + x) * c + k];
  return out;
}
