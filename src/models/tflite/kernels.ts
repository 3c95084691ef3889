/**
 * TFLite builtin operators as float32 TF.js computations. Quantised activations are treated as the
 * real values they encode, so a quantised model runs as the float model it approximates; weights
 * are dequantised once at load. Convolutions and dense layers use the input-gradient-only ops so
 * gradients can flow on every backend.
 */
import * as tf from '../../core/tf.js';
import { conv2dInputGrad, depthwiseConv2dInputGrad, denseInputGrad, spatialMean, type ConvPad } from '../../core/ops.js';
import { dequantize, rawValues, sizeOf } from './dequantize.js';
import type { FbTable } from './flatbuffer.js';
import type { ModelDef, OperatorDef, TensorDef } from './schema.js';

/** One compiled operator: run-time inputs (null for constants it holds itself) to its first output. */
export type Kernel = (inputs: readonly (tf.Tensor | null)[]) => tf.Tensor;

/** Constant tensors shared by the kernels, created once and released with the model. */
export class ConstantPool {
  private readonly cache = new Map<string, tf.Tensor>();

  constructor(private readonly model: ModelDef) {}

  /** Dequantised constant `index`, optionally re-laid out by `layout` (cached under `key`). */
  get(index: number, key = 'raw', layout?: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
    const id = `${index}:${key}`;
    let t = this.cache.get(id);
    if (!t) {
      const def = this.model.tensors[index];
      const base = tf.tensor(dequantize(def), def.shape.length ? [...def.shape] : [], 'float32');
      t = layout ? tf.tidy(() => layout(base)) : base;
      if (t !== base) base.dispose();
      this.cache.set(id, t);
    }
    return t;
  }

  /** Release every constant. */
  dispose(): void {
    for (const t of this.cache.values()) t.dispose();
    this.cache.clear();
  }
}

/** TFLite `ActivationFunctionType` applied after an op. */
function activate(x: tf.Tensor, fn: number, op: OperatorDef): tf.Tensor {
  switch (fn) {
    case 0:
      return x;
    case 1:
      return tf.relu(x);
    case 2:
      return tf.clipByValue(x, -1, 1);
    case 3:
      return tf.relu6(x);
    case 4:
      return tf.tanh(x);
    default:
      throw new Error(`TFLite operator ${op.index} (${op.opName}): fused activation ${fn} is not supported`);
  }
}

function padding(code: number): 'same' | 'valid' {
  return code === 1 ? 'valid' : 'same';
}

function opt(o: FbTable | null, kind: 'int8' | 'int32' | 'float32', index: number, fallback: number): number {
  if (!o) return fallback;
  return o[kind](index, fallback);
}

function constInts(model: ModelDef, index: number): number[] {
  return Array.from(rawValues(model.tensors[index]), (v) => Math.round(v));
}

function isConst(model: ModelDef, index: number): boolean {
  return index >= 0 && model.tensors[index].data !== null;
}

/** Name and static shape of `t`, for error messages. */
function shapeOf(t: TensorDef): string {
  return `${t.name} [${t.shape.join(', ')}]`;
}

/** Compiles `op` into a kernel; throws an Error naming the operator when it is not supported. */
export function compileOp(model: ModelDef, op: OperatorDef, pool: ConstantPool): Kernel {
  const o = op.options;
  const tensors = model.tensors;
  const inDef = (i: number): TensorDef => tensors[op.inputs[i]];
  const input = (xs: readonly (tf.Tensor | null)[], i: number): tf.Tensor => {
    const x = xs[i];
    if (x) return x;
    const idx = op.inputs[i];
    if (idx < 0) throw new Error(`TFLite operator ${op.index} (${op.opName}): input ${i} is missing`);
    return pool.get(idx);
  };

  switch (op.opName) {
    case 'CONV_2D': {
      const [pad, sw, sh, act, dw, dh] = [opt(o, 'int8', 0, 0), opt(o, 'int32', 1, 1), opt(o, 'int32', 2, 1), opt(o, 'int8', 3, 0), opt(o, 'int32', 4, 1), opt(o, 'int32', 5, 1)];
      // TFLite filters are [out, kh, kw, in]; TF.js wants [kh, kw, in, out].
      const filter = pool.get(op.inputs[1], 'hwio', (t) => tf.transpose(t, [1, 2, 3, 0])) as tf.Tensor4D;
      const bias = op.inputs[2] >= 0 && op.inputs.length > 2 ? (pool.get(op.inputs[2]) as tf.Tensor1D) : undefined;
      return (xs) =>
        activate(
          conv2dInputGrad(input(xs, 0) as tf.Tensor4D, filter, { strides: [sh, sw], pad: padding(pad) as ConvPad, dilations: [dh, dw], bias }),
          act,
          op,
        );
    }
    case 'DEPTHWISE_CONV_2D': {
      const [pad, sw, sh, act, dw, dh] = [opt(o, 'int8', 0, 0), opt(o, 'int32', 1, 1), opt(o, 'int32', 2, 1), opt(o, 'int8', 4, 0), opt(o, 'int32', 5, 1), opt(o, 'int32', 6, 1)];
      const fDef = inDef(1);
      const inC = inDef(0).shape[3];
      const outC = fDef.shape[3];
      if (!inC || outC % inC !== 0) throw new Error(`TFLite operator ${op.index} (DEPTHWISE_CONV_2D): filter ${shapeOf(fDef)} does not fit input ${shapeOf(inDef(0))}`);
      // TFLite depthwise filters are [1, kh, kw, in * multiplier] with the multiplier fastest.
      const filter = pool.get(op.inputs[1], 'hwcm', (t) => t.reshape([fDef.shape[1], fDef.shape[2], inC, outC / inC])) as tf.Tensor4D;
      const bias = op.inputs[2] >= 0 && op.inputs.length > 2 ? (pool.get(op.inputs[2]) as tf.Tensor1D) : undefined;
      return (xs) =>
        activate(
          depthwiseConv2dInputGrad(input(xs, 0) as tf.Tensor4D, filter, { strides: [sh, sw], pad: padding(pad), dilations: [dh, dw], bias }),
          act,
          op,
        );
    }
    case 'FULLY_CONNECTED': {
      const act = opt(o, 'int8', 0, 0);
      if (opt(o, 'int8', 1, 0) !== 0) throw new Error(`TFLite operator ${op.index} (FULLY_CONNECTED): shuffled weights are not supported`);
      const keepDims = opt(o, 'int8', 2, 0) !== 0;
      const wDef = inDef(1);
      const [units, depth] = wDef.shape;
      // TFLite weights are [units, depth]; the dense op wants [depth, units].
      const kernel = pool.get(op.inputs[1], 'io', (t) => tf.transpose(t)) as tf.Tensor2D;
      const bias = op.inputs.length > 2 && op.inputs[2] >= 0 ? (pool.get(op.inputs[2]) as tf.Tensor1D) : undefined;
      return (xs) => {
        const x = input(xs, 0);
        const y = activate(denseInputGrad(x.reshape([-1, depth]) as tf.Tensor2D, kernel, bias), act, op);
        return keepDims ? y.reshape([...x.shape.slice(0, -1), units]) : y;
      };
    }
    case 'ADD':
    case 'SUB':
    case 'MUL':
    case 'DIV': {
      const act = opt(o, 'int8', 0, 0);
      const f = { ADD: tf.add, SUB: tf.sub, MUL: tf.mul, DIV: tf.div }[op.opName];
      return (xs) => activate(f(input(xs, 0), input(xs, 1)), act, op);
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const [pad, sw, sh, fw, fh, act] = [opt(o, 'int8', 0, 0), opt(o, 'int32', 1, 1), opt(o, 'int32', 2, 1), opt(o, 'int32', 3, 1), opt(o, 'int32', 4, 1), opt(o, 'int8', 5, 0)];
      const avg = op.opName === 'AVERAGE_POOL_2D';
      const [, h, w] = inDef(0).shape;
      const outShape = tensors[op.outputs[0]].shape;
      // A window that covers the whole map at the native size is the model's global pooling:
      // keep it global at other input sizes, as the classifier after it expects one position.
      const global = h === fh && w === fw && outShape[1] === 1 && outShape[2] === 1;
      return (xs) => {
        const x = input(xs, 0) as tf.Tensor4D;
        if (global) return activate(avg ? spatialMean(x, true) : tf.max(x, [1, 2], true), act, op);
        const f = avg ? tf.avgPool : tf.maxPool;
        return activate(f(x, [fh, fw], [sh, sw], padding(pad)), act, op);
      };
    }
    case 'MEAN':
    case 'SUM':
    case 'REDUCE_MAX': {
      if (!isConst(model, op.inputs[1])) throw new Error(`TFLite operator ${op.index} (${op.opName}): run-time axes are not supported`);
      const rank = inDef(0).shape.length;
      const axes = constInts(model, op.inputs[1]).map((a) => (a < 0 ? a + rank : a));
      const keep = opt(o, 'int8', 0, 0) !== 0;
      const f = { MEAN: tf.mean, SUM: tf.sum, REDUCE_MAX: tf.max }[op.opName];
      const spatial = op.opName === 'MEAN' && rank === 4 && axes.length === 2 && axes.includes(1) && axes.includes(2);
      return (xs) => (spatial ? spatialMean(input(xs, 0) as tf.Tensor4D, keep) : f(input(xs, 0), axes, keep));
    }
    case 'RESHAPE':
    case 'SQUEEZE': {
      const outDef = tensors[op.outputs[0]];
      const staticIn = sizeOf(inDef(0).shape);
      return (xs) => {
        const x = input(xs, 0);
        const target = [...outDef.shape];
        if (sizeOf(target) === x.size) return x.reshape(target);
        // At another input size the stored shape no longer fits: keep the batch and flatten the
        // rest, which is what a reshape to rank 1 or 2 before a classifier means.
        if (target.length <= 2 && staticIn === sizeOf(target)) return x.reshape(target.length === 2 ? [x.shape[0], -1] : [-1]);
        throw new Error(`TFLite operator ${op.index} (${op.opName}): cannot reshape [${x.shape.join(', ')}] to [${target.join(', ')}] at this input size`);
      };
    }
    case 'SOFTMAX': {
      const beta = opt(o, 'float32', 0, 1);
      return (xs) => tf.softmax(beta === 1 ? input(xs, 0) : tf.mul(input(xs, 0), beta));
    }
    case 'CONCATENATION': {
      const rank = inDef(0).shape.length;
      const axis = opt(o, 'int32', 0, 0);
      const act = opt(o, 'int8', 1, 0);
      return (xs) => activate(tf.concat(op.inputs.map((_, i) => input(xs, i)), axis < 0 ? axis + rank : axis), act, op);
    }
    case 'PAD':
    case 'PADV2': {
      if (!isConst(model, op.inputs[1])) throw new Error(`TFLite operator ${op.index} (${op.opName}): run-time paddings are not supported`);
      const p = constInts(model, op.inputs[1]);
      const pairs = Array.from({ length: p.length / 2 }, (_, i) => [p[2 * i], p[2 * i + 1]] as [number, number]);
      let value = 0;
      if (op.opName === 'PADV2' && op.inputs.length > 2 && op.inputs[2] >= 0) value = dequantize(inDef(2))[0];
      return (xs) => tf.pad(input(xs, 0), pairs, value);
    }
    case 'RELU':
      return (xs) => tf.relu(input(xs, 0));
    case 'RELU6':
      return (xs) => tf.relu6(input(xs, 0));
    case 'RELU_N1_TO_1':
      return (xs) => tf.clipByValue(input(xs, 0), -1, 1);
    case 'LOGISTIC':
      return (xs) => tf.sigmoid(input(xs, 0));
    case 'TANH':
      return (xs) => tf.tanh(input(xs, 0));
    case 'HARD_SWISH':
      return (xs) => {
        const x = input(xs, 0);
        return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
      };
    case 'LEAKY_RELU': {
      const alpha = opt(o, 'float32', 0, 0.2);
      return (xs) => tf.leakyRelu(input(xs, 0), alpha);
    }
    case 'QUANTIZE':
    case 'DEQUANTIZE':
      // Float in, float out: (de)quantisation only changes the encoding of the same real values.
      return (xs) => tf.clone(input(xs, 0));
    default:
      throw new Error(`Unsupported TFLite operator ${op.opName} (operator ${op.index}, output ${tensors[op.outputs[0]]?.name ?? '?'})`);
  }
}
