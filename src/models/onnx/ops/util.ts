/** Helpers shared by the op implementations. */
import * as tf from '../../../core/tf.js';
import type { OnnxNode } from '../node.js';
import {
  alignToNhwc,
  broadcastShapes,
  constant,
  type ConstDType,
  type ConstValue,
  sizeOf,
  toPlain,
  type TensorValue,
  type Value,
} from '../values.js';

/** The input as a tensor value (constants were converted by the importer unless listed in `constInputs`). */
export function tensorIn(v: Value | undefined, index: number): TensorValue {
  if (v === undefined) throw new Error(`input ${index} is missing`);
  if (v.kind !== 'tensor') throw new Error(`internal: input ${index} is a constant where a tensor was expected`);
  return v;
}

/** The input as a constant, for inputs that must be known without running the model. */
export function constIn(v: Value | undefined, index: number, what: string): ConstValue {
  if (v === undefined) throw new Error(`input ${index} (${what}) is missing`);
  if (v.kind !== 'const') {
    throw new Error(`input ${index} (${what}) depends on the image: only constant or shape-derived values are supported there`);
  }
  return v;
}

/** Optional constant input: `undefined` when the input is omitted or empty. */
export function optConstIn(v: Value | undefined, index: number, what: string): ConstValue | undefined {
  if (v === undefined) return undefined;
  const c = constIn(v, index, what);
  return c.data.length === 0 ? undefined : c;
}

/**
 * Brings tensor operands to one layout for an elementwise op: NHWC when any operand is an
 * NHWC-stored 4-D tensor and none has rank above 4 (the common conv-net case: no transposes),
 * the logical layout otherwise.
 */
export function alignOperands(vals: readonly TensorValue[]): { ts: tf.Tensor[]; nhwc: boolean } {
  const anyNhwc = vals.some((v) => v.nhwc);
  if (anyNhwc && vals.every((v) => v.nhwc || v.t.rank <= 4)) {
    return { ts: vals.map((v) => (v.nhwc ? v.t : alignToNhwc(v.t))), nhwc: true };
  }
  return { ts: vals.map(toPlain), nhwc: false };
}

/** Float32 rounding for CPU float arithmetic, identity for integers. */
export function roundFor(dtype: ConstDType): (x: number) => number {
  return dtype === 'float32' ? Math.fround : (x) => x;
}

/** Numpy-broadcast elementwise evaluation of constants on the CPU. */
export function broadcastCpu(
  inputs: readonly ConstValue[],
  dtype: ConstDType,
  f: (...xs: number[]) => number,
): ConstValue {
  const shape = inputs.map((c) => c.shape).reduce((a, b) => broadcastShapes(a, b));
  const n = sizeOf(shape);
  const rank = shape.length;
  const strides = inputs.map((c) => {
    const s = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = c.shape.length - 1; i >= 0; i--) {
      const axis = rank - c.shape.length + i;
      s[axis] = c.shape[i] === 1 ? 0 : acc;
      acc *= c.shape[i];
    }
    return s;
  });
  const out = new Array<number>(n);
  const idx = new Array<number>(rank).fill(0);
  const round = roundFor(dtype);
  const args = new Array<number>(inputs.length);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < inputs.length; j++) {
      let off = 0;
      for (let a = 0; a < rank; a++) off += idx[a] * strides[j][a];
      args[j] = inputs[j].data[off];
    }
    out[k] = round(f(...args));
    for (let a = rank - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return constant(dtype, shape, out);
}

/** Reads ONNX `axes` from the attribute (old opsets) or the constant input (newer opsets). */
export function axesFrom(node: OnnxNode, input: Value | undefined, index: number): number[] | undefined {
  const attr = node.attrs.get('axes')?.ints;
  if (attr) return [...attr];
  const c = optConstIn(input, index, 'axes');
  return c ? Array.from(c.data) : undefined;
}

/** Strided selection along one axis that keeps gradients to Slice/Reshape (no StridedSlice gradient in TF.js). */
export function sliceAxis(t: tf.Tensor, axis: number, start: number, end: number, step: number): tf.Tensor {
  const dim = t.shape[axis];
  if (step > 0) {
    const count = Math.max(0, Math.ceil((end - start) / step));
    if (count === 0) return sliceRange(t, axis, 0, 0);
    if (step === 1) return sliceRange(t, axis, start, count);
    const span = Math.min(count * step, dim - start);
    let s = sliceRange(t, axis, start, span);
    if (span < count * step) {
      const pads = t.shape.map((_, i): [number, number] => (i === axis ? [0, count * step - span] : [0, 0]));
      s = tf.pad(s, pads);
    }
    const shape = [...t.shape.slice(0, axis), count, step, ...t.shape.slice(axis + 1)];
    const r = s.reshape(shape);
    const begin = shape.map(() => 0);
    const size = shape.map((d, i) => (i === axis + 1 ? 1 : d));
    return tf.slice(r, begin, size).reshape([...t.shape.slice(0, axis), count, ...t.shape.slice(axis + 1)]);
  }
  // Negative step: reverse, then a positive-step selection on mirrored indices.
  const rev = tf.reverse(t, [axis]);
  return sliceAxis(rev, axis, dim - 1 - start, dim - 1 - end, -step);
}

function sliceRange(t: tf.Tensor, axis: number, start: number, count: number): tf.Tensor {
  const begin = t.shape.map((_, i) => (i === axis ? start : 0));
  const size = t.shape.map((d, i) => (i === axis ? count : d));
  return tf.slice(t, begin, size);
}
