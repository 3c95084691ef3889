/**
 * Shape and data-movement operators: Shape, Size, Reshape, Flatten, Squeeze, Unsqueeze,
 * Transpose, Expand, Tile, Constant, ConstantOfShape, Range, Cast, Identity, Dropout.
 * Shape arithmetic runs on the CPU with plain numbers (`cpu`); on image tensors these ops work
 * in the logical layout, except Transpose, which recognises the NCHW↔NHWC permutations and
 * turns them into a relabelling instead of a copy.
 */
import * as tf from '../../../core/tf.js';
import { attrFloat, attrFloats, attrInt, attrInts, type OnnxNode, type OpDef } from '../node.js';
import { DT } from '../proto.js';
import {
  constant,
  type ConstDType,
  type ConstValue,
  ints,
  logicalShape,
  normAxis,
  LOGICAL_TO_PHYS,
  permute,
  rankOf,
  sizeOf,
  toPlain,
  type Value,
} from '../values.js';
import { axesFrom, broadcastCpu, constIn, tensorIn } from './util.js';

/** Same data, new logical shape (constants only). */
function reshaped(c: ConstValue, shape: readonly number[]): ConstValue {
  return { kind: 'const', dtype: c.dtype, shape: [...shape], data: c.data };
}

/** Output shape of ONNX Reshape (0 copies a dimension unless `allowzero`, -1 is inferred). */
function reshapeTarget(inShape: readonly number[], spec: readonly number[], allowZero: boolean): number[] {
  const out = spec.map((d, i) => (d === 0 && !allowZero ? inShape[i] : d));
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = sizeOf(inShape);
  const inferred = out.indexOf(-1);
  if (inferred >= 0) out[inferred] = known === 0 ? 0 : total / known;
  if (sizeOf(out) !== total || !out.every(Number.isInteger)) {
    throw new Error(`cannot reshape [${inShape}] to [${spec}]`);
  }
  return out;
}

const Shape: OpDef = {
  cpu: (node, inputs) => [shapeOf(node, inputs[0]!)],
  run: (node, inputs) => [shapeOf(node, inputs[0]!)],
};

function shapeOf(node: OnnxNode, v: Value): ConstValue {
  const s = logicalShape(v);
  const r = s.length;
  const clamp = (a: number): number => Math.max(0, Math.min(r, a < 0 ? a + r : a));
  const start = clamp(attrInt(node, 'start', 0));
  const end = clamp(attrInt(node, 'end', r));
  const dims = s.slice(start, Math.max(start, end));
  return constant('int64', [dims.length], dims);
}

const Size: OpDef = {
  cpu: (_n, inputs) => [constant('int64', [], [sizeOf(inputs[0]!.shape)])],
  run: (_n, inputs) => [constant('int64', [], [sizeOf(logicalShape(inputs[0]!))])],
};

const Reshape: OpDef = {
  constInputs: [1],
  cpu: (node, inputs) => {
    const x = inputs[0]!;
    return [reshaped(x, reshapeTarget(x.shape, ints(constIn(inputs[1], 1, 'shape')), attrInt(node, 'allowzero', 0) === 1))];
  },
  run: (node, inputs) => {
    const x = tensorIn(inputs[0], 0);
    const target = reshapeTarget(logicalShape(x), ints(constIn(inputs[1], 1, 'shape')), attrInt(node, 'allowzero', 0) === 1);
    return [{ kind: 'tensor', t: toPlain(x).reshape(target), nhwc: false }];
  },
};

function flattenShape(node: OnnxNode, shape: readonly number[]): [number, number] {
  const r = shape.length;
  let axis = attrInt(node, 'axis', 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r) throw new Error(`axis ${attrInt(node, 'axis', 1)} is out of range for rank ${r}`);
  return [sizeOf(shape.slice(0, axis)), sizeOf(shape.slice(axis))];
}

const Flatten: OpDef = {
  cpu: (node, inputs) => [reshaped(inputs[0]!, flattenShape(node, inputs[0]!.shape))],
  run: (node, inputs) => {
    const x = tensorIn(inputs[0], 0);
    return [{ kind: 'tensor', t: toPlain(x).reshape(flattenShape(node, logicalShape(x))), nhwc: false }];
  },
};

function squeezeShape(node: OnnxNode, shape: readonly number[], axesInput: Value | undefined): number[] {
  const axes = axesFrom(node, axesInput, 1);
  if (!axes) return shape.filter((d) => d !== 1);
  const drop = new Set(axes.map((a) => normAxis(a, shape.length)));
  for (const a of drop) if (shape[a] !== 1) throw new Error(`cannot squeeze axis ${a} of shape [${shape}]`);
  return shape.filter((_, i) => !drop.has(i));
}

function unsqueezeShape(node: OnnxNode, shape: readonly number[], axesInput: Value | undefined): number[] {
  const axes = axesFrom(node, axesInput, 1);
  if (!axes) throw new Error('axes are missing');
  const r = shape.length + axes.length;
  const add = new Set(axes.map((a) => normAxis(a, r)));
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) out.push(add.has(i) ? 1 : shape[k++]);
  return out;
}

function reshapeOp(shapeFn: (node: OnnxNode, shape: readonly number[], axes: Value | undefined) => number[]): OpDef {
  return {
    constInputs: [1],
    cpu: (node, inputs) => [reshaped(inputs[0]!, shapeFn(node, inputs[0]!.shape, inputs[1]))],
    run: (node, inputs) => {
      const x = tensorIn(inputs[0], 0);
      return [{ kind: 'tensor', t: toPlain(x).reshape(shapeFn(node, logicalShape(x), inputs[1])), nhwc: false }];
    },
  };
}

function transposeCpu(c: ConstValue, perm: readonly number[]): ConstValue {
  const shape = perm.map((p) => c.shape[p]);
  const r = shape.length;
  const inStrides = new Array<number>(r);
  let acc = 1;
  for (let i = c.shape.length - 1; i >= 0; i--) {
    inStrides[i] = acc;
    acc *= c.shape[i];
  }
  const n = sizeOf(shape);
  const out = c.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  const idx = new Array<number>(r).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let a = 0; a < r; a++) off += idx[a] * inStrides[perm[a]];
    out[k] = c.data[off];
    for (let a = r - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return { kind: 'const', dtype: c.dtype, shape, data: out };
}

function permOf(node: OnnxNode, rank: number): number[] {
  const p = attrInts(node, 'perm');
  const perm = p ? [...p] : Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new Error(`perm [${perm}] is not a permutation of rank ${rank}`);
  }
  return perm;
}

const Transpose: OpDef = {
  cpu: (node, inputs) => [transposeCpu(inputs[0]!, permOf(node, inputs[0]!.shape.length))],
  run: (node, inputs) => {
    const x = tensorIn(inputs[0], 0);
    const perm = permOf(node, rankOf(x));
    if (x.nhwc) {
      // Output logical axis i is stored axis LOGICAL_TO_PHYS[perm[i]] of the NHWC tensor.
      const q = perm.map((p) => LOGICAL_TO_PHYS[p]);
      if (perm.every((p, i) => p === i)) return [x];
      return [{ kind: 'tensor', t: permute(x.t, q), nhwc: false }];
    }
    if (perm.length === 4) {
      // Storing the output NHWC needs perm∘(NCHW→NHWC) of the input: free when that is the identity.
      const stored = [0, 2, 3, 1].map((i) => perm[i]);
      if (stored.every((p, i) => p === i)) return [{ kind: 'tensor', t: x.t, nhwc: true }];
    }
    return [{ kind: 'tensor', t: permute(x.t, perm), nhwc: false }];
  },
};

const Expand: OpDef = {
  constInputs: [1],
  cpu: (_n, inputs) => {
    const x = inputs[0]!;
    const target = ints(constIn(inputs[1], 1, 'shape'));
    const zeros = constant(x.dtype, target, new Array(sizeOf(target)).fill(0));
    return [broadcastCpu([x, zeros], x.dtype, (a) => a)];
  },
  run: (_n, inputs) => {
    const x = tensorIn(inputs[0], 0);
    const target = ints(constIn(inputs[1], 1, 'shape'));
    const t = toPlain(x);
    const shape = tf.broadcast_util.assertAndGetBroadcastShape(t.shape, target);
    const src = t.rank < shape.length ? t.reshape([...new Array(shape.length - t.rank).fill(1), ...t.shape]) : t;
    return [{ kind: 'tensor', t: tf.broadcastTo(src, shape), nhwc: false }];
  },
};

const Tile: OpDef = {
  constInputs: [1],
  run: (_n, inputs) => {
    const x = tensorIn(inputs[0], 0);
    const reps = ints(constIn(inputs[1], 1, 'repeats'));
    return [{ kind: 'tensor', t: tf.tile(toPlain(x), reps), nhwc: false }];
  },
};

const Constant: OpDef = {
  cpu: (node) => {
    const a = node.attrs;
    const t = a.get('value')?.t;
    if (t) return [t];
    if (a.has('value_float')) return [constant('float32', [], [attrFloat(node, 'value_float', 0)])];
    if (a.has('value_floats')) {
      const f = attrFloats(node, 'value_floats')!;
      return [constant('float32', [f.length], f)];
    }
    if (a.has('value_int')) return [constant('int64', [], [attrInt(node, 'value_int', 0)])];
    if (a.has('value_ints')) {
      const v = attrInts(node, 'value_ints')!;
      return [constant('int64', [v.length], v)];
    }
    throw new Error('only value, value_float(s) and value_int(s) are supported');
  },
  run: () => {
    throw new Error('internal: Constant runs on the CPU');
  },
};

const ConstantOfShape: OpDef = {
  constInputs: [0],
  cpu: (node, inputs) => {
    const shape = ints(inputs[0]!);
    const v = node.attrs.get('value')?.t;
    const fill = v ? v.data[0] : 0;
    const dtype: ConstDType = v ? v.dtype : 'float32';
    return [constant(dtype, shape, new Array(sizeOf(shape)).fill(fill))];
  },
  run: () => {
    throw new Error('the shape input depends on the image values (only shape-derived values are supported)');
  },
};

const Range: OpDef = {
  cpu: (_n, inputs) => {
    const [start, limit, delta] = inputs.map((c) => c!.data[0]);
    const n = Math.max(0, Math.ceil((limit - start) / delta));
    const dtype = inputs[0]!.dtype;
    const out = Array.from({ length: n }, (_, i) => start + i * delta);
    return [constant(dtype, [n], dtype === 'float32' ? out.map(Math.fround) : out)];
  },
  run: () => {
    throw new Error('inputs must be constant or shape-derived');
  },
};

function castTarget(node: OnnxNode): ConstDType {
  const to = attrInt(node, 'to', DT.FLOAT);
  if (to === DT.FLOAT || to === DT.DOUBLE || to === DT.FLOAT16 || to === DT.BFLOAT16) return 'float32';
  if (to === DT.BOOL) return 'bool';
  if (to === DT.STRING) throw new Error('casting to string is not supported');
  return 'int64';
}

const Cast: OpDef = {
  cpu: (node, inputs) => {
    const x = inputs[0]!;
    const to = castTarget(node);
    const f = to === 'float32' ? Math.fround : to === 'bool' ? (v: number) => (v ? 1 : 0) : Math.trunc;
    const data = to === 'float32' ? Float32Array.from(x.data, f) : Float64Array.from(x.data, f);
    return [{ kind: 'const', dtype: to, shape: x.shape, data }];
  },
  run: (node, inputs) => {
    const x = tensorIn(inputs[0], 0);
    const to = castTarget(node);
    const dtype = to === 'float32' ? 'float32' : to === 'bool' ? 'bool' : 'int32';
    return [{ ...x, t: x.t.dtype === dtype ? x.t : tf.cast(x.t, dtype) }];
  },
};

const Identity: OpDef = {
  cpu: (_n, inputs) => [inputs[0]!],
  run: (_n, inputs) => [inputs[0]!],
};

/** Inference-mode Dropout: the identity, plus an all-true mask when that output is used. */
const Dropout: OpDef = {
  constInputs: [1, 2],
  cpu: (node, inputs) => {
    const x = inputs[0]!;
    return node.outputs.length > 1 ? [x, constant('bool', x.shape, new Array(sizeOf(x.shape)).fill(1))] : [x];
  },
  run: (node, inputs) => {
    const x = tensorIn(inputs[0], 0);
    if (node.outputs.length < 2 || !node.outputs[1]) return [x];
    const shape = logicalShape(x);
    return [x, constant('bool', shape, new Array(sizeOf(shape)).fill(1))];
  },
};

/** Shape op table. */
export const shapeOps: Record<string, OpDef> = {
  Shape,
  Size,
  Reshape,
  Flatten,
  Squeeze: reshapeOp(squeezeShape),
  Unsqueeze: reshapeOp(unsqueezeShape),
  Transpose,
  Expand,
  Tile,
  Constant,
  ConstantOfShape,
  Range,
  Cast,
  Identity,
  Dropout,
};
