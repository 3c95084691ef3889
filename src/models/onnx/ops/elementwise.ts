/**
 * Elementwise operators: activations, arithmetic with numpy broadcasting, comparisons, Clip,
 * PRelu, Where. They keep whatever layout their operands are stored in.
 */
import * as tf from '../../../core/tf.js';
import { attrFloat, attrInt, attrString, type OnnxNode, type OpDef } from '../node.js';
import { type ConstDType, type ConstValue, scalarOf, type TensorValue, type Value } from '../values.js';
import { alignOperands, broadcastCpu, tensorIn } from './util.js';

type Unary = (x: tf.Tensor, node: OnnxNode) => tf.Tensor;

const SQRT1_2 = Math.SQRT1_2;

const unaryTensor: Record<string, Unary> = {
  Relu: (x) => tf.relu(x),
  LeakyRelu: (x, n) => tf.leakyRelu(x, attrFloat(n, 'alpha', 0.01)),
  Sigmoid: (x) => tf.sigmoid(x),
  Tanh: (x) => tf.tanh(x),
  Exp: (x) => tf.exp(x),
  Log: (x) => tf.log(x),
  Sqrt: (x) => tf.sqrt(x),
  Erf: (x) => tf.erf(x),
  Neg: (x) => tf.neg(x),
  Abs: (x) => tf.abs(x),
  Reciprocal: (x) => tf.reciprocal(x),
  Floor: (x) => tf.floor(x),
  Ceil: (x) => tf.ceil(x),
  Round: (x) => tf.round(x),
  Sign: (x) => tf.sign(x),
  Sin: (x) => tf.sin(x),
  Cos: (x) => tf.cos(x),
  Softplus: (x) => tf.softplus(x),
  Softsign: (x) => tf.div(x, tf.add(tf.abs(x), 1)),
  Not: (x) => tf.logicalNot(x),
  Elu: (x, n) => {
    const alpha = attrFloat(n, 'alpha', 1);
    return alpha === 1 ? tf.elu(x) : tf.add(tf.relu(x), tf.mul(alpha, tf.sub(tf.exp(tf.minimum(x, 0)), 1)));
  },
  Selu: (x, n) => {
    const alpha = attrFloat(n, 'alpha', 1.67326319217681884765625);
    const gamma = attrFloat(n, 'gamma', 1.05070102214813232421875);
    return tf.mul(gamma, tf.add(tf.relu(x), tf.mul(alpha, tf.sub(tf.exp(tf.minimum(x, 0)), 1))));
  },
  Celu: (x, n) => {
    const alpha = attrFloat(n, 'alpha', 1);
    return tf.add(tf.relu(x), tf.minimum(0, tf.mul(alpha, tf.sub(tf.exp(tf.div(x, alpha)), 1))));
  },
  ThresholdedRelu: (x, n) => tf.mul(x, tf.cast(tf.greater(x, attrFloat(n, 'alpha', 1)), 'float32')),
  HardSigmoid: (x, n) =>
    tf.clipByValue(tf.add(tf.mul(x, attrFloat(n, 'alpha', 0.2)), attrFloat(n, 'beta', 0.5)), 0, 1),
  HardSwish: (x) => tf.mul(x, tf.clipByValue(tf.add(tf.mul(x, 1 / 6), 0.5), 0, 1)),
  Mish: (x) => tf.mul(x, tf.tanh(tf.softplus(x))),
  Gelu: (x, n) => {
    if (attrString(n, 'approximate', 'none') === 'tanh') {
      const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
    }
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, SQRT1_2))));
  },
};

const unaryCpu: Record<string, (x: number) => number> = {
  Relu: (x) => Math.max(0, x),
  Sqrt: Math.sqrt,
  Exp: Math.exp,
  Log: Math.log,
  Neg: (x) => -x,
  Abs: Math.abs,
  Reciprocal: (x) => 1 / x,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Sign: Math.sign,
  Not: (x) => (x ? 0 : 1),
};

function unaryOp(name: string): OpDef {
  const f = unaryTensor[name];
  const g = unaryCpu[name];
  return {
    cpu: g
      ? (_node, inputs) => {
          const x = inputs[0] as ConstValue;
          const dtype: ConstDType = name === 'Not' ? 'bool' : x.dtype;
          return [broadcastCpu([x], dtype, g)];
        }
      : undefined,
    run: (node, inputs) => {
      const x = tensorIn(inputs[0], 0);
      return [{ kind: 'tensor', t: f(x.t, node), nhwc: x.nhwc }];
    },
  };
}

type Binary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

function elementwise(f: Binary, cpu?: (a: number, b: number) => number, boolOut = false, minInputs = 2): OpDef {
  return {
    cpu: cpu
      ? (_node, inputs) => {
          const xs = inputs.filter((c): c is ConstValue => c !== undefined);
          if (xs.length < minInputs && xs.length !== 1) return undefined;
          if (xs.length === 1) return [xs[0]];
          const dtype: ConstDType = boolOut ? 'bool' : xs[0].dtype;
          let acc = broadcastCpu([xs[0], xs[1]], dtype, cpu);
          for (const x of xs.slice(2)) acc = broadcastCpu([acc, x], dtype, cpu);
          return [acc];
        }
      : undefined,
    run: (_node, inputs) => {
      const vals = inputs.filter((v): v is Value => v !== undefined).map((v, i) => tensorIn(v, i));
      const { ts, nhwc } = alignOperands(vals);
      const out = ts.reduce((a, b) => f(a, b));
      return [{ kind: 'tensor', t: out === ts[0] && vals.length === 1 ? out.clone() : out, nhwc: nhwc && out.rank === 4 }];
    },
  };
}

/** ONNX integer division truncates toward zero; float division is plain. */
function divNumbers(a: number, b: number): number {
  return a / b;
}

function intAware(dtypeFloat: Binary, dtypeInt: Binary): Binary {
  return (a, b) => (a.dtype === 'int32' ? dtypeInt(a, b) : dtypeFloat(a, b));
}

const Pow: OpDef = {
  constInputs: [1],
  cpu: (_n, inputs) => [broadcastCpu([inputs[0]!, inputs[1]!], inputs[0]!.dtype, Math.pow)],
  run: (_node, inputs) => {
    const x = tensorIn(inputs[0], 0);
    const e = inputs[1];
    if (e && e.kind === 'const' && e.data.length === 1) {
      const p = e.data[0];
      const t = p === 1 ? x.t.clone() : p === 2 ? tf.square(x.t) : p === 0.5 ? tf.sqrt(x.t) : p === -1 ? tf.reciprocal(x.t) : tf.pow(x.t, p);
      return [{ kind: 'tensor', t, nhwc: x.nhwc }];
    }
    const ev: TensorValue = e?.kind === 'tensor' ? e : { kind: 'tensor', t: tf.tensor(Float32Array.from(e!.data), [...e!.shape]), nhwc: false };
    const { ts, nhwc } = alignOperands([x, ev]);
    const out = tf.pow(ts[0], ts[1]);
    return [{ kind: 'tensor', t: out, nhwc: nhwc && out.rank === 4 }];
  },
};

const BIG = 3.4e38;

const Clip: OpDef = {
  constInputs: [1, 2],
  run: (node, inputs) => {
    const x = tensorIn(inputs[0], 0);
    const bound = (i: number, attr: string, fallback: number): number | TensorValue => {
      const v = inputs[i];
      if (v === undefined) return attrFloat(node, attr, fallback);
      if (v.kind === 'const') return v.data.length === 0 ? fallback : scalarOf(v, attr);
      return v;
    };
    const lo = bound(1, 'min', -BIG);
    const hi = bound(2, 'max', BIG);
    if (typeof lo === 'number' && typeof hi === 'number') {
      return [{ kind: 'tensor', t: tf.clipByValue(x.t, Math.max(lo, -BIG), Math.min(hi, BIG)), nhwc: x.nhwc }];
    }
    let t = x.t;
    let layoutNhwc = x.nhwc;
    for (const [b, f] of [
      [lo, tf.maximum],
      [hi, tf.minimum],
    ] as const) {
      if (typeof b === 'number') t = f(t, b);
      else {
        const { ts, nhwc } = alignOperands([{ kind: 'tensor', t, nhwc: layoutNhwc }, b]);
        t = f(ts[0], ts[1]);
        layoutNhwc = nhwc;
      }
    }
    return [{ kind: 'tensor', t, nhwc: layoutNhwc }];
  },
};

/** PRelu with a broadcast slope, as max(x,0) + slope·min(x,0): gradients are plain elementwise ops. */
const PRelu: OpDef = {
  run: (_node, inputs) => {
    const x = tensorIn(inputs[0], 0);
    const slope = tensorIn(inputs[1], 1);
    const { ts, nhwc } = alignOperands([x, slope]);
    const t = tf.add(tf.relu(ts[0]), tf.mul(ts[1], tf.minimum(ts[0], 0)));
    return [{ kind: 'tensor', t, nhwc }];
  },
};

const Where: OpDef = {
  cpu: (_n, inputs) => {
    const [c, a, b] = inputs as ConstValue[];
    return [broadcastCpu([c, a, b], a.dtype, (x, y, z) => (x ? y : z))];
  },
  run: (_node, inputs) => {
    const vals = [0, 1, 2].map((i) => tensorIn(inputs[i], i));
    const { ts, nhwc } = alignOperands(vals);
    const shape = ts.map((t) => t.shape).reduce((p, q) => tf.broadcast_util.assertAndGetBroadcastShape(p, q));
    const [c, a, b] = ts.map((t) => (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tf.broadcastTo(t, shape)));
    const t = tf.where(c as tf.Tensor, a, b);
    return [{ kind: 'tensor', t, nhwc: nhwc && t.rank === 4 }];
  },
};

const Mean: OpDef = {
  run: (node, inputs) => {
    const sum = elementwise(tf.add).run(node, inputs, undefined, { opset: 0 })[0] as TensorValue;
    const n = inputs.filter((v) => v !== undefined).length;
    return [{ ...sum, t: tf.div(sum.t, n) }];
  },
};

const truncDiv: Binary = (a, b) => {
  const q = tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32'));
  return tf.cast(tf.mul(tf.sign(q), tf.floor(tf.abs(q))), 'int32');
};

/** Elementwise op table. */
export const elementwiseOps: Record<string, OpDef> = {
  ...Object.fromEntries(Object.keys(unaryTensor).map((k) => [k, unaryOp(k)])),
  Add: elementwise(tf.add, (a, b) => a + b),
  Sum: elementwise(tf.add, (a, b) => a + b, false, 1),
  Sub: elementwise(tf.sub, (a, b) => a - b),
  Mul: elementwise(tf.mul, (a, b) => a * b),
  Div: {
    ...elementwise(intAware(tf.div, truncDiv), divNumbers),
    cpu: (_n, inputs) => {
      const [a, b] = inputs as ConstValue[];
      const f = a.dtype === 'int64' ? (x: number, y: number) => Math.trunc(x / y) : divNumbers;
      return [broadcastCpu([a, b], a.dtype, f)];
    },
  },
  Max: elementwise(tf.maximum, Math.max, false, 1),
  Min: elementwise(tf.minimum, Math.min, false, 1),
  Mean,
  Mod: {
    ...elementwise(tf.mod),
    cpu: (n, inputs) => {
      const [a, b] = inputs as ConstValue[];
      const fmod = attrInt(n, 'fmod', 0) === 1;
      return [broadcastCpu([a, b], a.dtype, (x, y) => (fmod ? x % y : ((x % y) + y) % y))];
    },
  },
  Equal: elementwise(tf.equal, (a, b) => (a === b ? 1 : 0), true),
  Less: elementwise(tf.less, (a, b) => (a < b ? 1 : 0), true),
  LessOrEqual: elementwise(tf.lessEqual, (a, b) => (a <= b ? 1 : 0), true),
  Greater: elementwise(tf.greater, (a, b) => (a > b ? 1 : 0), true),
  GreaterOrEqual: elementwise(tf.greaterEqual, (a, b) => (a >= b ? 1 : 0), true),
  And: elementwise(tf.logicalAnd, (a, b) => (a && b ? 1 : 0), true),
  Or: elementwise(tf.logicalOr, (a, b) => (a || b ? 1 : 0), true),
  Xor: elementwise(tf.logicalXor, (a, b) => (!a !== !b ? 1 : 0), true),
  Pow,
  Clip,
  PRelu,
  Where,
};
