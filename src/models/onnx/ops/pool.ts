/**
 * Pooling on NHWC tensors: MaxPool and AveragePool (with PyTorch/ONNX `ceil_mode` and
 * `count_include_pad` semantics), GlobalAveragePool, GlobalMaxPool.
 */
import * as tf from '../../../core/tf.js';
import { attrInt, attrInts, type OnnxNode, type OpDef } from '../node.js';
import { nhwc, toNhwc, toPlain } from '../values.js';
import { resolvePads } from './conv.js';
import { sliceAxis, tensorIn } from './util.js';
import { maxPoolInputGrad } from '../../../core/ops.js';


interface PoolGeometry {
  readonly kernel: [number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  /** Explicit pads [[top, bottom], [left, right]]. */
  readonly pads: [[number, number], [number, number]];
  /** Extra bottom/right padding that ceil mode adds so that a 'valid' pool yields `out` windows. */
  readonly extra: [number, number];
  readonly out: [number, number];
}

function pair(node: OnnxNode, name: string, fallback: number): [number, number] {
  const v = attrInts(node, name);
  if (!v) return [fallback, fallback];
  if (v.length !== 2) throw new Error(`attribute ${name}=[${v}]: only 2-D pools are supported`);
  return [v[0], v[1]];
}

/**
 * Output size per axis, with PyTorch's ceil-mode rule that drops a last window starting in
 * the bottom/right padding (onnxruntime follows it too).
 */
function geometry(node: OnnxNode, h: number, w: number): PoolGeometry {
  const kernel = pair(node, 'kernel_shape', 0);
  if (!kernel[0] || !kernel[1]) throw new Error('attribute kernel_shape is missing');
  const strides = pair(node, 'strides', 1);
  const dilations = pair(node, 'dilations', 1);
  const pads = resolvePads(node, [h, w], kernel, strides, dilations);
  const ceil = attrInt(node, 'ceil_mode', 0) === 1;
  const inHW = [h, w];
  const out: [number, number] = [0, 0];
  const extra: [number, number] = [0, 0];
  for (const i of [0, 1]) {
    const eff = (kernel[i] - 1) * dilations[i] + 1;
    const span = inHW[i] + pads[i][0] + pads[i][1] - eff;
    if (span < 0) throw new Error(`input ${h}×${w} is smaller than the pooling window`);
    let n = (ceil ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
    if (ceil && (n - 1) * strides[i] >= inHW[i] + pads[i][0]) n--;
    out[i] = n;
    extra[i] = Math.max(0, (n - 1) * strides[i] + eff - (inHW[i] + pads[i][0] + pads[i][1]));
  }
  return { kernel, strides, dilations, pads, extra, out };
}

function padded(x: tf.Tensor4D, g: PoolGeometry, value: number): tf.Tensor4D {
  const p = g.pads;
  if (!p[0][0] && !p[0][1] && !p[1][0] && !p[1][1] && !g.extra[0] && !g.extra[1]) return x;
  return tf.pad(x, [[0, 0], [p[0][0], p[0][1] + g.extra[0]], [p[1][0], p[1][1] + g.extra[1]], [0, 0]], value);
}

/** Valid pooling, with dilations through `tf.pool` (stride 1, then subsampling). */
function poolValid(x: tf.Tensor4D, g: PoolGeometry, type: 'max' | 'avg'): tf.Tensor4D {
  if (g.dilations[0] === 1 && g.dilations[1] === 1) {
    return type === 'max' ? tf.maxPool(x, g.kernel, g.strides, 'valid') : tf.avgPool(x, g.kernel, g.strides, 'valid');
  }
  const full = tf.pool(x, g.kernel, type, 'valid', g.dilations, 1) as tf.Tensor4D;
  let y = sliceAxis(full, 1, 0, full.shape[1], g.strides[0]);
  y = sliceAxis(y, 2, 0, full.shape[2], g.strides[1]);
  return y as tf.Tensor4D;
}

function input4d(v: ReturnType<typeof tensorIn>): tf.Tensor4D {
  if (v.t.rank !== 4) throw new Error(`input has shape [${v.t.shape}]: only 2-D pools (4-D input) are supported`);
  return toNhwc(v) as tf.Tensor4D;
}

const MaxPool: OpDef = {
  run: (node, inputs) => {
    if (node.outputs.length > 1 && node.outputs[1]) throw new Error('the Indices output is not supported');
    const x = input4d(tensorIn(inputs[0], 0));
    const g = geometry(node, x.shape[1], x.shape[2]);
    const p = g.pads;
    const pad: [[number, number], [number, number]] = [[p[0][0], p[0][1] + g.extra[0]], [p[1][0], p[1][1] + g.extra[1]]];
    const y = maxPoolInputGrad(x, { kernel: g.kernel, strides: g.strides, dilations: g.dilations, pad });
    return [nhwc(y)];
  },
};

/** Per-axis divisor: how many window cells fall inside [lo, hi). */
function counts(n: number, stride: number, k: number, dil: number, padBefore: number, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < n; o++) {
    const start = o * stride - padBefore;
    let c = 0;
    for (let j = 0; j < k; j++) {
      const p = start + j * dil;
      if (p >= lo && p < hi) c++;
    }
    out.push(c);
  }
  return out;
}

const AveragePool: OpDef = {
  run: (node, inputs) => {
    const x = input4d(tensorIn(inputs[0], 0));
    const [h, w] = [x.shape[1], x.shape[2]];
    const g = geometry(node, h, w);
    const noPad = !g.pads.flat().some((v) => v) && !g.extra[0] && !g.extra[1];
    const pooled = poolValid(padded(x, g, 0), g, 'avg');
    if (noPad) return [nhwc(pooled)];
    // The pool divided by kh·kw; rescale each window to the count ONNX/PyTorch divide by.
    const include = attrInt(node, 'count_include_pad', 0) === 1;
    const cy = counts(g.out[0], g.strides[0], g.kernel[0], g.dilations[0], g.pads[0][0], include ? -g.pads[0][0] : 0, include ? h + g.pads[0][1] : h);
    const cx = counts(g.out[1], g.strides[1], g.kernel[1], g.dilations[1], g.pads[1][0], include ? -g.pads[1][0] : 0, include ? w + g.pads[1][1] : w);
    const area = g.kernel[0] * g.kernel[1];
    const scale = new Float32Array(cy.length * cx.length);
    for (let i = 0; i < cy.length; i++) for (let j = 0; j < cx.length; j++) scale[i * cx.length + j] = area / Math.max(1, cy[i] * cx[j]);
    return [nhwc(tf.mul(pooled, tf.tensor4d(scale, [1, cy.length, cx.length, 1])))];
  },
};

function globalPool(kind: 'mean' | 'max'): OpDef {
  return {
    run: (_node, inputs) => {
      const v = tensorIn(inputs[0], 0);
      const f = kind === 'mean' ? tf.mean : tf.max;
      if (v.nhwc) return [nhwc(f(v.t, [1, 2], true))];
      const t = toPlain(v);
      if (t.rank < 3) throw new Error(`input has shape [${t.shape}]: global pooling needs spatial axes`);
      const axes = Array.from({ length: t.rank - 2 }, (_, i) => i + 2);
      const y = f(t, axes, true);
      return [y.rank === 4 ? nhwc(toNhwc({ kind: 'tensor', t: y, nhwc: false })) : { kind: 'tensor', t: y, nhwc: false }];
    },
  };
}

/** Pooling op table. */
export const poolOps: Record<string, OpDef> = {
  MaxPool,
  AveragePool,
  GlobalAveragePool: globalPool('mean'),
  GlobalMaxPool: globalPool('max'),
};
