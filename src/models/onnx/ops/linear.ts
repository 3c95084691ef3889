/**
 * Gemm and MatMul. Constant right-hand sides become one `[K, N]` kernel at load time
 * (transB, alpha and beta folded in) used through `denseInputGrad`, whose gradient goes to the
 * input only.
 */
import * as tf from '../../../core/tf.js';
import { denseInputGrad } from '../../../core/ops.js';
import { attrFloat, attrInt, type OpDef } from '../node.js';
import { type ConstValue, plain, toPlain, type Value } from '../values.js';
import { tensorIn } from './util.js';

interface Dense {
  readonly kernel: tf.Tensor2D;
  readonly bias?: tf.Tensor1D;
  /** A C of another shape than `[N]`, added after the product. */
  readonly extra?: tf.Tensor;
}

function asTensor(v: Value | undefined): tf.Tensor | undefined {
  if (v === undefined) return undefined;
  if (v.kind === 'tensor') return toPlain(v);
  return tf.tensor(Float32Array.from(v.data), [...v.shape]);
}

/** `[K, N]` kernel from a constant matrix, transposed when `trans`, scaled by `alpha`. */
function kernelFrom(b: ConstValue, trans: boolean, alpha: number): tf.Tensor2D {
  if (b.shape.length !== 2) throw new Error(`B has shape [${b.shape}], expected a matrix`);
  const [r, c] = b.shape;
  const [k, n] = trans ? [c, r] : [r, c];
  const out = new Float32Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) out[i * n + j] = alpha * (trans ? b.data[j * c + i] : b.data[i * c + j]);
  return tf.tensor2d(out, [k, n]);
}

const Gemm: OpDef = {
  constInputs: [1, 2],
  prepare: (node, inputs, keep) => {
    const b = inputs[1];
    const c = inputs[2];
    if (!b || (node.inputs[2] && !c)) return undefined;
    const kernel = keep(kernelFrom(b, attrInt(node, 'transB', 0) === 1, attrFloat(node, 'alpha', 1)));
    if (!c) return { kernel } satisfies Dense;
    const beta = attrFloat(node, 'beta', 1);
    const n = kernel.shape[1];
    const scaled = Float32Array.from(c.data, (v) => v * beta);
    const vector = c.data.length === n && c.shape.every((d, i) => d === 1 || i === c.shape.length - 1);
    if (vector) return { kernel, bias: keep(tf.tensor1d(scaled)) } satisfies Dense;
    if (c.data.length === 1) return { kernel, bias: keep(tf.fill([n], scaled[0]) as tf.Tensor1D) } satisfies Dense;
    return { kernel, extra: keep(tf.tensor(scaled, [...c.shape])) } satisfies Dense;
  },
  run: (node, inputs, prepared) => {
    let a = toPlain(tensorIn(inputs[0], 0));
    if (a.rank !== 2) throw new Error(`A has shape [${a.shape}], expected a matrix`);
    if (attrInt(node, 'transA', 0) === 1) a = a.transpose();
    const p = prepared as Dense | undefined;
    if (p) {
      const y = denseInputGrad(a as tf.Tensor2D, p.kernel, p.bias);
      return [plain(p.extra ? tf.add(y, p.extra) : y)];
    }
    const b = asTensor(inputs[1])!;
    let y = tf.matMul(a, b, false, attrInt(node, 'transB', 0) === 1);
    const alpha = attrFloat(node, 'alpha', 1);
    if (alpha !== 1) y = tf.mul(y, alpha);
    const c = asTensor(inputs[2]);
    if (c) y = tf.add(y, tf.mul(c, attrFloat(node, 'beta', 1)));
    return [plain(y)];
  },
};

/** numpy matmul: 1-D operands are promoted to matrices and the added axis removed again. */
const MatMul: OpDef = {
  constInputs: [1],
  prepare: (_node, inputs, keep) => {
    const b = inputs[1];
    if (!b || b.shape.length !== 2) return undefined;
    return { kernel: keep(kernelFrom(b, false, 1)) } satisfies Dense;
  },
  run: (_node, inputs, prepared) => {
    const a = toPlain(tensorIn(inputs[0], 0));
    const p = prepared as Dense | undefined;
    if (p && a.rank >= 1) {
      const k = p.kernel.shape[0];
      const n = p.kernel.shape[1];
      if (a.shape[a.rank - 1] !== k) throw new Error(`shapes [${a.shape}] and [${k},${n}] do not multiply`);
      const y = denseInputGrad(a.reshape([-1, k]) as tf.Tensor2D, p.kernel);
      return [plain(y.reshape([...a.shape.slice(0, -1), n]))];
    }
    const b = asTensor(inputs[1])!;
    const a2 = a.rank === 1 ? a.reshape([1, -1]) : a;
    const b2 = b.rank === 1 ? b.reshape([-1, 1]) : b;
    let y = tf.matMul(a2, b2);
    if (a.rank === 1 || b.rank === 1) {
      const shape = y.shape.slice();
      if (b.rank === 1) shape.pop();
      if (a.rank === 1) shape.splice(shape.length - (b.rank === 1 ? 1 : 2), 1);
      y = y.reshape(shape);
    }
    return [plain(y)];
  },
};

/** Matrix op table. */
export const linearOps: Record<string, OpDef> = { Gemm, MatMul };
