/**
 * Axis-taking data movement: Concat, Split, Slice, Gather, Pad. On NHWC-stored tensors the
 * logical axes are mapped to stored axes, so channel concatenations (SqueezeNet, DenseNet)
 * and spatial pads stay copy-free of transposes.
 */
import * as tf from '../../../core/tf.js';
import { attrFloat, attrInt, attrInts, attrString, type OnnxNode, type OpContext, type OpDef } from '../node.js';
import {
  constant,
  type ConstValue,
  ints,
  logicalShape,
  normAxis,
  physAxis,
  rankOf,
  sizeOf,
  toNhwc,
  toPlain,
  type TensorValue,
  type Value,
} from '../values.js';
import { constIn, optConstIn, sliceAxis, tensorIn } from './util.js';

/** Gathers an index list per axis from a constant (the CPU form of Slice and Gather). */
function selectCpu(c: ConstValue, picks: readonly (readonly number[])[]): ConstValue {
  const shape = picks.map((p) => p.length);
  const r = shape.length;
  const strides = new Array<number>(r);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= c.shape[i];
  }
  const n = sizeOf(shape);
  const out = new Array<number>(n);
  const idx = new Array<number>(r).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let a = 0; a < r; a++) off += picks[a][idx[a]] * strides[a];
    out[k] = c.data[off];
    for (let a = r - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return constant(c.dtype, shape, out);
}

const Concat: OpDef = {
  cpu: (node, inputs) => {
    const xs = inputs.filter((c): c is ConstValue => c !== undefined);
    const r = xs[0].shape.length;
    const axis = normAxis(attrInt(node, 'axis', 0), r);
    const outer = sizeOf(xs[0].shape.slice(0, axis));
    const out: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const x of xs) {
        const chunk = sizeOf(x.shape.slice(axis));
        for (let j = 0; j < chunk; j++) out.push(x.data[o * chunk + j]);
      }
    }
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
    return [constant(xs[0].dtype, shape, out)];
  },
  run: (node, inputs) => {
    const vals = inputs.filter((v): v is Value => v !== undefined).map((v, i) => tensorIn(v, i));
    const r = rankOf(vals[0]);
    const axis = normAxis(attrInt(node, 'axis', 0), r);
    const useNhwc = r === 4 && vals.some((v) => v.nhwc);
    const ts = vals.map((v) => (useNhwc ? toNhwc(v) : toPlain(v))).filter((t) => t.size > 0 || vals.length === 1);
    const t = ts.length === 1 ? ts[0] : tf.concat(ts, physAxis(axis, useNhwc));
    return [{ kind: 'tensor', t, nhwc: useNhwc }];
  },
};

function splitSizes(node: OnnxNode, dim: number, splitInput: Value | undefined): number[] {
  const attr = attrInts(node, 'split');
  const given = attr ? [...attr] : splitInput ? ints(constIn(splitInput, 1, 'split')) : undefined;
  if (given && given.length > 0) {
    if (given.reduce((a, b) => a + b, 0) !== dim) throw new Error(`split [${given}] does not add up to ${dim}`);
    return given;
  }
  const n = attrInt(node, 'num_outputs', node.outputs.length);
  const size = Math.ceil(dim / n);
  return Array.from({ length: n }, (_, i) => Math.max(0, Math.min(size, dim - i * size)));
}

const Split: OpDef = {
  constInputs: [1],
  run: (node, inputs) => {
    const x = tensorIn(inputs[0], 0);
    const shape = logicalShape(x);
    const axis = normAxis(attrInt(node, 'axis', 0), shape.length);
    const sizes = splitSizes(node, shape[axis], inputs[1]);
    const parts = tf.split(x.t, sizes, physAxis(axis, x.nhwc));
    return parts.map((t) => ({ kind: 'tensor', t, nhwc: x.nhwc }) satisfies TensorValue);
  },
};

interface AxisSlice {
  readonly axis: number;
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

/** Slice parameters with ONNX clamping rules, per logical axis. */
function sliceSpec(node: OnnxNode, shape: readonly number[], inputs: readonly (Value | undefined)[], ctx: OpContext): AxisSlice[] {
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (ctx.opset < 10 && node.attrs.has('starts')) {
    starts = [...(attrInts(node, 'starts') ?? [])];
    ends = [...(attrInts(node, 'ends') ?? [])];
    axes = attrInts(node, 'axes') ? [...attrInts(node, 'axes')!] : undefined;
  } else {
    starts = Array.from(constIn(inputs[1], 1, 'starts').data);
    ends = Array.from(constIn(inputs[2], 2, 'ends').data);
    const a = optConstIn(inputs[3], 3, 'axes');
    const s = optConstIn(inputs[4], 4, 'steps');
    axes = a ? Array.from(a.data) : undefined;
    steps = s ? Array.from(s.data) : undefined;
  }
  const r = shape.length;
  return starts.map((s0, i) => {
    const axis = normAxis(axes ? axes[i] : i, r);
    const dim = shape[axis];
    const step = steps ? steps[i] : 1;
    if (step === 0) throw new Error('a slice step of 0 is invalid');
    let start = s0 < 0 ? s0 + dim : s0;
    let end = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) {
      start = Math.max(0, Math.min(dim, start));
      end = Math.max(0, Math.min(dim, end));
    } else {
      start = Math.max(0, Math.min(dim - 1, start));
      end = Math.max(-1, Math.min(dim - 1, end));
    }
    return { axis, start, end, step };
  });
}

function rangeOf(s: AxisSlice): number[] {
  const out: number[] = [];
  if (s.step > 0) for (let i = s.start; i < s.end; i += s.step) out.push(i);
  else for (let i = s.start; i > s.end; i += s.step) out.push(i);
  return out;
}

const Slice: OpDef = {
  constInputs: [1, 2, 3, 4],
  cpu: (node, inputs, ctx) => {
    const x = inputs[0]!;
    const picks = x.shape.map((d) => Array.from({ length: d }, (_, i) => i));
    for (const s of sliceSpec(node, x.shape, inputs, ctx)) picks[s.axis] = rangeOf(s);
    return [selectCpu(x, picks)];
  },
  run: (node, inputs, _p, ctx) => {
    const x = tensorIn(inputs[0], 0);
    let t = x.t;
    for (const s of sliceSpec(node, logicalShape(x), inputs, ctx)) {
      const pa = physAxis(s.axis, x.nhwc);
      if (s.step === 1 && s.start === 0 && s.end === t.shape[pa]) continue;
      t = sliceAxis(t, pa, s.start, s.end, s.step);
    }
    return [{ kind: 'tensor', t: t === x.t ? x.t.clone() : t, nhwc: x.nhwc }];
  },
};

const Gather: OpDef = {
  constInputs: [1],
  cpu: (node, inputs) => {
    const [x, idx] = inputs as ConstValue[];
    const axis = normAxis(attrInt(node, 'axis', 0), x.shape.length);
    const dim = x.shape[axis];
    const flat = Array.from(idx.data, (i) => (i < 0 ? i + dim : i));
    const picks = x.shape.map((d) => Array.from({ length: d }, (_, i) => i));
    picks[axis] = flat;
    const g = selectCpu(x, picks);
    const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
    return [{ ...g, shape }];
  },
  run: (node, inputs) => {
    const x = tensorIn(inputs[0], 0);
    const shape = logicalShape(x);
    const axis = normAxis(attrInt(node, 'axis', 0), shape.length);
    const iv = inputs[1];
    if (!iv) throw new Error('input 1 (indices) is missing');
    if (iv.kind === 'tensor') {
      return [{ kind: 'tensor', t: tf.gather(toPlain(x), tf.cast(toPlain(iv), 'int32'), axis), nhwc: false }];
    }
    const dim = shape[axis];
    const idx = Array.from(iv.data, (i) => (i < 0 ? i + dim : i));
    if (idx.some((i) => i < 0 || i >= dim)) throw new Error(`index out of range for axis ${axis} of size ${dim}`);
    const contiguous = idx.length > 0 && idx.every((v, k) => v === idx[0] + k);
    if (contiguous && iv.shape.length <= 1) {
      // Slices keep TF.js gradients to Slice (Gather's needs UnsortedSegmentSum, absent on WebAssembly).
      const part = sliceAxis(x.t, physAxis(axis, x.nhwc), idx[0], idx[0] + idx.length, 1);
      if (iv.shape.length === 1) return [{ kind: 'tensor', t: part, nhwc: x.nhwc }];
      const outShape = [...shape.slice(0, axis), ...shape.slice(axis + 1)];
      return [{ kind: 'tensor', t: toPlain({ kind: 'tensor', t: part, nhwc: x.nhwc }).reshape(outShape), nhwc: false }];
    }
    const t = tf.gather(toPlain(x), tf.tensor(Int32Array.from(idx), [...iv.shape], 'int32'), axis);
    return [{ kind: 'tensor', t, nhwc: false }];
  },
};

/**
 * Edge, reflect and wrap padding along one axis by concatenating (reversed) border slices:
 * their gradients are exact (TF.js's MirrorPad gradient drops the reflected contributions).
 */
function padByCopies(t: tf.Tensor, axis: number, before: number, after: number, mode: 'edge' | 'reflect' | 'wrap'): tf.Tensor {
  const dim = t.shape[axis];
  if (mode === 'reflect' && (before >= dim || after >= dim)) throw new Error(`reflect pads must be smaller than the axis size ${dim}`);
  if (mode === 'wrap' && (before > dim || after > dim)) throw new Error(`wrap pads must not exceed the axis size ${dim}`);
  const take = (start: number, count: number): tf.Tensor => {
    const begin = t.shape.map((_, i) => (i === axis ? start : 0));
    const size = t.shape.map((d, i) => (i === axis ? count : d));
    return tf.slice(t, begin, size);
  };
  const reps = (n: number): number[] => t.shape.map((_, i) => (i === axis ? n : 1));
  const parts: tf.Tensor[] = [];
  if (before > 0) {
    if (mode === 'edge') parts.push(tf.tile(take(0, 1), reps(before)));
    else if (mode === 'reflect') parts.push(tf.reverse(take(1, before), [axis]));
    else parts.push(take(dim - before, before));
  }
  parts.push(t);
  if (after > 0) {
    if (mode === 'edge') parts.push(tf.tile(take(dim - 1, 1), reps(after)));
    else if (mode === 'reflect') parts.push(tf.reverse(take(dim - 1 - after, after), [axis]));
    else parts.push(take(0, after));
  }
  return parts.length === 1 ? t : tf.concat(parts, axis);
}

const Pad: OpDef = {
  constInputs: [1, 2, 3],
  run: (node, inputs, _p, ctx) => {
    const x = tensorIn(inputs[0], 0);
    const shape = logicalShape(x);
    const r = shape.length;
    const raw = ctx.opset < 11 && node.attrs.has('pads') ? [...attrInts(node, 'pads')!] : ints(constIn(inputs[1], 1, 'pads'));
    const valueC = optConstIn(inputs[2], 2, 'constant_value');
    const value = valueC ? valueC.data[0] : attrFloat(node, 'value', 0);
    const axesC = optConstIn(inputs[3], 3, 'axes');
    const axes = axesC ? ints(axesC).map((a) => normAxis(a, r)) : Array.from({ length: r }, (_, i) => i);
    if (raw.length !== 2 * axes.length) throw new Error(`pads [${raw}] do not match rank ${r}`);
    const logical: [number, number][] = shape.map(() => [0, 0]);
    axes.forEach((a, i) => (logical[a] = [raw[i], raw[i + axes.length]]));
    const pads: [number, number][] = shape.map(() => [0, 0]);
    logical.forEach((p, a) => (pads[physAxis(a, x.nhwc)] = p));
    const mode = attrString(node, 'mode', 'constant');
    let t = x.t;
    const grow = pads.map(([b, e]): [number, number] => [Math.max(0, b), Math.max(0, e)]);
    if (grow.some(([b, e]) => b || e)) {
      if (mode === 'constant') t = tf.pad(t, grow, value);
      else if (mode === 'edge' || mode === 'reflect' || mode === 'wrap') grow.forEach(([b, e], a) => (t = b || e ? padByCopies(t, a, b, e, mode) : t));
      else throw new Error(`mode "${mode}" is not supported`);
    }
    if (pads.some(([b, e]) => b < 0 || e < 0)) {
      const begin = pads.map(([b]) => Math.max(0, -b));
      const size = t.shape.map((d, i) => d - begin[i] - Math.max(0, -pads[i][1]));
      t = tf.slice(t, begin, size);
    }
    return [{ kind: 'tensor', t: t === x.t ? x.t.clone() : t, nhwc: x.nhwc }];
  },
};

/** Axis op table. */
export const sliceOps: Record<string, OpDef> = { Concat, Split, Slice, Gather, Pad };
