/**
 * Values flowing through an imported ONNX graph, and the NCHW/NHWC layout bookkeeping.
 *
 * ONNX image tensors are NCHW; TF.js convolutions and pools are NHWC. Rather than transposing
 * around every conv, a 4-D tensor may be *stored* NHWC (`nhwc: true`) while the graph still
 * reasons about its *logical* NCHW shape. Ops that take axes map them through {@link physAxis};
 * ops that cannot work on the stored layout ask for {@link toPlain}.
 */
import * as tf from '../../core/tf.js';

/** Constant data type: every float width becomes float32, every integer int64 (held as doubles). */
export type ConstDType = 'float32' | 'int64' | 'bool';

/** A value known on the CPU as plain numbers: weights, shapes, axes, shape arithmetic results. */
export interface ConstValue {
  readonly kind: 'const';
  readonly dtype: ConstDType;
  /** Logical ONNX shape. */
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** A TF.js tensor; when `nhwc`, it is 4-D and stored as the NHWC transpose of its NCHW logical shape. */
export interface TensorValue {
  readonly kind: 'tensor';
  readonly t: tf.Tensor;
  readonly nhwc: boolean;
}

/** Any value of the graph. */
export type Value = ConstValue | TensorValue;

/** Logical axis → axis of the NHWC-stored tensor (N→0, C→3, H→1, W→2). */
export const LOGICAL_TO_PHYS = [0, 3, 1, 2] as const;
/** Stored NHWC axis → logical NCHW axis. */
export const PHYS_TO_LOGICAL = [0, 2, 3, 1] as const;

/** Wraps a tensor stored in its logical layout. */
export function plain(t: tf.Tensor): TensorValue {
  return { kind: 'tensor', t, nhwc: false };
}

/** Wraps an NHWC-stored 4-D tensor. */
export function nhwc(t: tf.Tensor): TensorValue {
  if (t.rank !== 4) throw new Error(`internal: NHWC value of rank ${t.rank}`);
  return { kind: 'tensor', t, nhwc: true };
}

/** A constant from data. */
export function constant(dtype: ConstDType, shape: readonly number[], data: ArrayLike<number>): ConstValue {
  const arr = dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data);
  const n = shape.reduce((a, b) => a * b, 1);
  if (arr.length !== n) throw new Error(`internal: constant of shape [${shape}] with ${arr.length} values`);
  return { kind: 'const', dtype, shape: [...shape], data: arr };
}

/** Logical (ONNX) shape of any value. */
export function logicalShape(v: Value): number[] {
  if (v.kind === 'const') return [...v.shape];
  const s: readonly number[] = v.t.shape;
  return v.nhwc ? [s[0], s[3], s[1], s[2]] : [...s];
}

/** Logical rank of any value. */
export function rankOf(v: Value): number {
  return v.kind === 'const' ? v.shape.length : v.t.rank;
}

/** Normalises a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Axis of the stored tensor for a normalised logical axis. */
export function physAxis(axis: number, isNhwc: boolean): number {
  return isNhwc ? LOGICAL_TO_PHYS[axis] : axis;
}

/**
 * Transposes, or reshapes when the permutation only moves size-1 axes (same memory order,
 * no copy). Used for every layout change so that e.g. `[1,1,1,C]` ↔ `[1,C,1,1]` is free.
 */
export function permute(t: tf.Tensor, perm: readonly number[]): tf.Tensor {
  if (perm.every((p, i) => p === i)) return t;
  const shape = perm.map((p) => t.shape[p]);
  const order = perm.filter((p) => t.shape[p] !== 1);
  if (order.every((p, i) => i === 0 || p > order[i - 1])) return t.reshape(shape);
  return tf.transpose(t, [...perm]);
}

/** The tensor in its logical (ONNX) layout. */
export function toPlain(v: TensorValue): tf.Tensor {
  return v.nhwc ? permute(v.t, [0, 3, 1, 2]) : v.t;
}

/** A logical 4-D tensor stored NHWC. */
export function toNhwc(v: TensorValue): tf.Tensor {
  if (v.nhwc) return v.t;
  if (v.t.rank !== 4) throw new Error(`expected a 4-D tensor, got shape [${v.t.shape}]`);
  return permute(v.t, [0, 2, 3, 1]);
}

/**
 * Aligns a logical tensor of rank ≤ 4 for broadcasting against NHWC-stored 4-D tensors:
 * numpy broadcasting prepends size-1 axes, then the NCHW→NHWC permutation applies.
 */
export function alignToNhwc(t: tf.Tensor): tf.Tensor {
  if (t.rank > 4) throw new Error(`internal: cannot align rank ${t.rank} to NHWC`);
  const padded = t.rank === 4 ? t : t.reshape([...new Array(4 - t.rank).fill(1), ...t.shape]);
  return permute(padded, [0, 2, 3, 1]);
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A constant as a TF.js tensor in its logical layout (int64 → int32, saturating). */
export function constToTensor(c: ConstValue): tf.Tensor {
  const shape = [...c.shape];
  if (c.dtype === 'float32') return tf.tensor(c.data as Float32Array, shape, 'float32');
  if (c.dtype === 'bool') return tf.tensor(Uint8Array.from(c.data, (v) => (v ? 1 : 0)), shape, 'bool');
  const ints = Int32Array.from(c.data, (v) => Math.max(-2147483648, Math.min(2147483647, v)));
  return tf.tensor(ints, shape, 'int32');
}

/** Reads a (small) tensor back as a constant in its logical layout. */
export function tensorToConst(v: TensorValue): ConstValue {
  const t = toPlain(v);
  const data = t.dataSync();
  const shape = [...t.shape];
  if (t !== v.t) t.dispose();
  if (v.t.dtype === 'float32') return { kind: 'const', dtype: 'float32', shape, data: Float32Array.from(data as Float32Array) };
  return { kind: 'const', dtype: v.t.dtype === 'bool' ? 'bool' : 'int64', shape, data: Float64Array.from(data as Int32Array) };
}

/** The values of a constant as a JS array of numbers (for shapes, axes, pads...). */
export function ints(c: ConstValue): number[] {
  return Array.from(c.data, (v) => Math.trunc(v));
}

/** A constant's single value (scalars and 1-element tensors). */
export function scalarOf(c: ConstValue, what: string): number {
  if (c.data.length !== 1) throw new Error(`${what} must hold one value, got shape [${c.shape}]`);
  return c.data[0];
}

/** Numpy-style broadcast of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}
