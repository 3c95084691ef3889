/**
 * Normalisations and reductions: BatchNormalization (inference, folded to one scale and shift
 * at load time), InstanceNormalization, LayerNormalization, Softmax, LogSoftmax, Reduce*,
 * ArgMax/ArgMin. Reductions over NHWC-stored tensors use the stored axes directly.
 */
import * as tf from '../../../core/tf.js';
import { attrFloat, attrInt, type OnnxNode, type OpContext, type OpDef } from '../node.js';
import {
  alignToNhwc,
  LOGICAL_TO_PHYS,
  logicalShape,
  normAxis,
  physAxis,
  toPlain,
  type TensorValue,
  type Value,
} from '../values.js';
import { axesFrom, tensorIn } from './util.js';

interface ScaleShift {
  readonly mul: tf.Tensor1D;
  readonly add: tf.Tensor1D;
}

/** Broadcasts a per-channel vector against a value's stored layout. */
function perChannel(v: tf.Tensor, x: TensorValue): tf.Tensor {
  if (x.nhwc) return v;
  const r = x.t.rank;
  return r <= 2 ? v : v.reshape([v.shape[0], ...new Array(r - 2).fill(1)]);
}

const BatchNormalization: OpDef = {
  constInputs: [1, 2, 3, 4],
  prepare: (node, inputs, keep) => {
    const [, scale, bias, mean, variance] = inputs;
    if (!scale || !bias || !mean || !variance) return undefined;
    const eps = attrFloat(node, 'epsilon', 1e-5);
    const n = scale.data.length;
    const mul = new Float32Array(n);
    const add = new Float32Array(n);
    for (let c = 0; c < n; c++) {
      mul[c] = scale.data[c] / Math.sqrt(variance.data[c] + eps);
      add[c] = bias.data[c] - mean.data[c] * mul[c];
    }
    return { mul: keep(tf.tensor1d(mul)), add: keep(tf.tensor1d(add)) } satisfies ScaleShift;
  },
  run: (node, inputs, prepared) => {
    const x = tensorIn(inputs[0], 0);
    let p = prepared as ScaleShift | undefined;
    if (!p) {
      const vec = (i: number): tf.Tensor1D => {
        const v = inputs[i];
        if (!v) throw new Error(`input ${i} is missing`);
        return (v.kind === 'const' ? tf.tensor1d(Float32Array.from(v.data)) : toPlain(v).reshape([-1])) as tf.Tensor1D;
      };
      const mul = tf.div(vec(1), tf.sqrt(tf.add(vec(4), attrFloat(node, 'epsilon', 1e-5)))) as tf.Tensor1D;
      p = { mul, add: tf.sub(vec(2), tf.mul(vec(3), mul)) as tf.Tensor1D };
    }
    const t = tf.add(tf.mul(x.t, perChannel(p.mul, x)), perChannel(p.add, x));
    return [{ kind: 'tensor', t, nhwc: x.nhwc }];
  },
};

function normalise(t: tf.Tensor, axes: number[], eps: number): tf.Tensor {
  const mean = tf.mean(t, axes, true);
  const d = tf.sub(t, mean);
  const variance = tf.mean(tf.square(d), axes, true);
  return tf.mul(d, tf.rsqrt(tf.add(variance, eps)));
}

const InstanceNormalization: OpDef = {
  run: (node, inputs) => {
    const x = tensorIn(inputs[0], 0);
    const scale = tensorIn(inputs[1], 1);
    const bias = tensorIn(inputs[2], 2);
    const r = x.t.rank;
    const axes = x.nhwc ? [1, 2] : Array.from({ length: r - 2 }, (_, i) => i + 2);
    const y = normalise(x.t, axes, attrFloat(node, 'epsilon', 1e-5));
    const t = tf.add(tf.mul(y, perChannel(toPlain(scale).reshape([-1]), x)), perChannel(toPlain(bias).reshape([-1]), x));
    return [{ kind: 'tensor', t, nhwc: x.nhwc }];
  },
};

const LayerNormalization: OpDef = {
  run: (node, inputs) => {
    if (node.outputs.slice(1).some((o) => o)) throw new Error('the Mean and InvStdDev outputs are not supported');
    const x = tensorIn(inputs[0], 0);
    const r = x.t.rank;
    const axis = normAxis(attrInt(node, 'axis', -1), r);
    const axes = Array.from({ length: r - axis }, (_, i) => physAxis(axis + i, x.nhwc));
    let t = normalise(x.t, axes, attrFloat(node, 'epsilon', 1e-5));
    const align = (v: Value | undefined, i: number): tf.Tensor | undefined => {
      if (!v) return undefined;
      const p = toPlain(tensorIn(v, i));
      return x.nhwc ? alignToNhwc(p) : p;
    };
    const scale = align(inputs[1], 1);
    const bias = align(inputs[2], 2);
    if (scale) t = tf.mul(t, scale);
    if (bias) t = tf.add(t, bias);
    return [{ kind: 'tensor', t, nhwc: x.nhwc }];
  },
};

/** Softmax-family axis handling: opset ≥ 13 works on one axis, older opsets on a 2-D coercion. */
function softmaxLike(log: boolean): OpDef {
  const f = (t: tf.Tensor, axis: number): tf.Tensor => {
    if (axis === t.rank - 1) return log ? tf.logSoftmax(t) : tf.softmax(t);
    const shifted = tf.sub(t, tf.max(t, axis, true));
    const sum = tf.sum(tf.exp(shifted), axis, true);
    return log ? tf.sub(shifted, tf.log(sum)) : tf.div(tf.exp(shifted), sum);
  };
  return {
    run: (node, inputs, _p, ctx: OpContext) => {
      const x = tensorIn(inputs[0], 0);
      const r = x.t.rank;
      if (ctx.opset < 13) {
        const axis = normAxis(attrInt(node, 'axis', 1), r);
        const t = toPlain(x);
        const shape = t.shape;
        const rows = shape.slice(0, axis).reduce((a, b) => a * b, 1);
        return [{ kind: 'tensor', t: f(t.reshape([rows, -1]), 1).reshape(shape), nhwc: false }];
      }
      const axis = normAxis(attrInt(node, 'axis', -1), r);
      return [{ kind: 'tensor', t: f(x.t, physAxis(axis, x.nhwc)), nhwc: x.nhwc }];
    },
  };
}

type Reducer = (t: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor;

const reducers: Record<string, Reducer> = {
  ReduceMean: (t, a, k) => tf.mean(t, a, k),
  ReduceSum: (t, a, k) => tf.sum(t, a, k),
  ReduceMax: (t, a, k) => tf.max(t, a, k),
  ReduceMin: (t, a, k) => tf.min(t, a, k),
  ReduceProd: (t, a, k) => tf.prod(t, a, k),
  ReduceSumSquare: (t, a, k) => tf.sum(tf.square(t), a, k),
  ReduceL1: (t, a, k) => tf.sum(tf.abs(t), a, k),
  ReduceL2: (t, a, k) => tf.sqrt(tf.sum(tf.square(t), a, k)),
  ReduceLogSumExp: (t, a, k) => tf.logSumExp(t, a, k),
};

function reduceOp(name: string): OpDef {
  const f = reducers[name];
  return {
    constInputs: [1],
    run: (node, inputs) => {
      const x = tensorIn(inputs[0], 0);
      const shape = logicalShape(x);
      const r = shape.length;
      const keep = attrInt(node, 'keepdims', 1) === 1;
      const given = axesFrom(node, inputs[1], 1);
      if ((!given || given.length === 0) && attrInt(node, 'noop_with_empty_axes', 0) === 1) return [x];
      const axes = given && given.length > 0 ? given.map((a) => normAxis(a, r)) : shape.map((_, i) => i);
      if (x.nhwc) {
        const rest = [0, 1, 2, 3].filter((a) => !axes.includes(a)).map((a) => LOGICAL_TO_PHYS[a]);
        const ordered = rest.every((p, i) => i === 0 || p > rest[i - 1]);
        if (keep || ordered) {
          const t = f(x.t, axes.map((a) => LOGICAL_TO_PHYS[a]), keep);
          return [{ kind: 'tensor', t, nhwc: keep }];
        }
      }
      return [{ kind: 'tensor', t: f(toPlain(x), axes, keep), nhwc: false }];
    },
  };
}

function argOp(max: boolean): OpDef {
  return {
    run: (node: OnnxNode, inputs) => {
      const x = tensorIn(inputs[0], 0);
      const t = toPlain(x);
      const axis = normAxis(attrInt(node, 'axis', 0), t.rank);
      const lastIndex = attrInt(node, 'select_last_index', 0) === 1;
      const src = lastIndex ? tf.reverse(t, [axis]) : t;
      let idx = max ? tf.argMax(src, axis) : tf.argMin(src, axis);
      if (lastIndex) idx = tf.sub(t.shape[axis] - 1, idx);
      if (attrInt(node, 'keepdims', 1) === 1) idx = tf.expandDims(idx, axis);
      return [{ kind: 'tensor', t: idx, nhwc: false }];
    },
  };
}

/** Normalisation and reduction op table. */
export const normOps: Record<string, OpDef> = {
  BatchNormalization,
  InstanceNormalization,
  LayerNormalization,
  Softmax: softmaxLike(false),
  LogSoftmax: softmaxLike(true),
  ...Object.fromEntries(Object.keys(reducers).map((k) => [k, reduceOp(k)])),
  ArgMax: argOp(true),
  ArgMin: argOp(false),
};
