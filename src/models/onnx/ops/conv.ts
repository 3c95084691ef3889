/**
 * Conv and ConvTranspose on NHWC tensors with input-only gradients (see `core/ops.ts`).
 * Weights are re-laid out once at load time: ONNX `[M, C/g, kh, kw]` → TF.js `[kh, kw, C, M]`
 * (dense), `[kh, kw, C, multiplier]` (depthwise) or one dense filter per group.
 */
import * as tf from '../../../core/tf.js';
import { conv2dInputGrad, depthwiseConv2dInputGrad, insertZeros } from '../../../core/ops.js';
import { attrInt, attrInts, attrString, type OnnxNode, type OpDef } from '../node.js';
import { type ConstValue, nhwc, toNhwc, toPlain, type Value } from '../values.js';
import { sliceAxis, tensorIn } from './util.js';

type Pads2 = [[number, number], [number, number]];

/** Filters ready for TF.js. */
interface ConvWeights {
  readonly kind: 'dense' | 'depthwise' | 'grouped';
  /** One filter (dense, depthwise) or one per group. */
  readonly filters: tf.Tensor4D[];
  readonly biases: (tf.Tensor1D | undefined)[];
  readonly kernel: [number, number];
}

function requireRank4(shape: readonly number[], node: OnnxNode, what: string): void {
  if (shape.length !== 4) {
    throw new Error(`${node.opType} ${what} has shape [${shape}]: only 2-D convolutions (4-D tensors) are supported`);
  }
}

/**
 * Re-lays out ONNX conv weights on the CPU. `transposed` reads ConvTranspose weights
 * `[C, M/g, kh, kw]` and flips them, which turns the transposed conv into a plain one.
 */
function convWeightsCpu(w: ConstValue, b: ConstValue | undefined, group: number, transposed: boolean, node: OnnxNode): ConvWeights {
  requireRank4(w.shape, node, 'weight');
  const [d0, d1, kh, kw] = w.shape;
  const src = w.data;
  // Per group: input channels ci, output channels co, and the source index of weight (y, x).
  const cinG = transposed ? d0 / group : d1;
  const coutG = transposed ? d1 : d0 / group;
  if (!Number.isInteger(cinG) || !Number.isInteger(coutG)) throw new Error(`weight shape [${w.shape}] does not divide into ${group} groups`);
  const at = (g: number, ci: number, co: number, y: number, x: number): number => {
    if (transposed) return src[((((g * cinG + ci) * coutG + co) * kh + (kh - 1 - y)) * kw) + (kw - 1 - x)];
    return src[((((g * coutG + co) * cinG + ci) * kh + y) * kw) + x];
  };
  const biasData = b ? Float32Array.from(b.data) : undefined;
  const cin = cinG * group;
  if (group > 1 && cinG === 1 && !transposed) {
    // Depthwise: output channel o = c·mult + m reads input channel c.
    const mult = coutG;
    const f = new Float32Array(kh * kw * cin * mult);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let c = 0; c < cin; c++)
          for (let m = 0; m < mult; m++) f[((y * kw + x) * cin + c) * mult + m] = at(c, 0, m, y, x);
    return {
      kind: 'depthwise',
      filters: [tf.tensor4d(f, [kh, kw, cin, mult])],
      biases: [biasData ? tf.tensor1d(biasData) : undefined],
      kernel: [kh, kw],
    };
  }
  const filters: tf.Tensor4D[] = [];
  const biases: (tf.Tensor1D | undefined)[] = [];
  for (let g = 0; g < group; g++) {
    const f = new Float32Array(kh * kw * cinG * coutG);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let ci = 0; ci < cinG; ci++)
          for (let co = 0; co < coutG; co++) f[((y * kw + x) * cinG + ci) * coutG + co] = at(g, ci, co, y, x);
    filters.push(tf.tensor4d(f, [kh, kw, cinG, coutG]));
    biases.push(biasData ? tf.tensor1d(biasData.subarray(g * coutG, (g + 1) * coutG)) : undefined);
  }
  return { kind: group === 1 ? 'dense' : 'grouped', filters, biases, kernel: [kh, kw] };
}

/** The same re-layout with TF.js ops, for weights computed inside the graph (rare). */
function convWeightsRuntime(w: tf.Tensor, b: tf.Tensor | undefined, group: number, transposed: boolean, node: OnnxNode): ConvWeights {
  requireRank4(w.shape, node, 'weight');
  const [d0, d1, kh, kw] = w.shape;
  const filters: tf.Tensor4D[] = [];
  const biases: (tf.Tensor1D | undefined)[] = [];
  const coutG = transposed ? d1 : d0 / group;
  for (let g = 0; g < group; g++) {
    let wg: tf.Tensor;
    if (transposed) {
      const cinG = d0 / group;
      wg = tf.reverse(w.slice([g * cinG, 0, 0, 0], [cinG, d1, kh, kw]), [2, 3]).transpose([2, 3, 0, 1]);
    } else {
      wg = w.slice([g * coutG, 0, 0, 0], [coutG, d1, kh, kw]).transpose([2, 3, 1, 0]);
    }
    filters.push(wg as tf.Tensor4D);
    biases.push(b ? (b.slice([g * coutG], [coutG]) as tf.Tensor1D) : undefined);
  }
  return { kind: group === 1 ? 'dense' : 'grouped', filters, biases, kernel: [kh, kw] };
}

function weightsFor(node: OnnxNode, inputs: readonly (Value | undefined)[], prepared: unknown, transposed: boolean): ConvWeights {
  if (prepared) return prepared as ConvWeights;
  const group = attrInt(node, 'group', 1);
  const w = inputs[1];
  const b = inputs[2];
  if (!w) throw new Error('input 1 (weight) is missing');
  const wt = w.kind === 'const' ? tf.tensor(w.data as Float32Array, [...w.shape]) : toPlain(w);
  const bt = b === undefined ? undefined : b.kind === 'const' ? tf.tensor(Float32Array.from(b.data), [...b.shape]) : toPlain(b);
  return convWeightsRuntime(wt, bt, group, transposed, node);
}

function prepareWeights(transposed: boolean): OpDef['prepare'] {
  return (node, inputs, keep) => {
    const w = inputs[1];
    if (!w || (node.inputs[2] && !inputs[2])) return undefined;
    const weights = convWeightsCpu(w, inputs[2], attrInt(node, 'group', 1), transposed, node);
    weights.filters.forEach(keep);
    weights.biases.forEach((t) => t && keep(t));
    return weights;
  };
}

function pairAttr(node: OnnxNode, name: string, fallback: number): [number, number] {
  const v = attrInts(node, name);
  if (!v) return [fallback, fallback];
  if (v.length !== 2) throw new Error(`attribute ${name}=[${v}]: only 2-D convolutions and pools are supported`);
  return [v[0], v[1]];
}

/** Explicit pads for Conv and pools, resolving `auto_pad` against the input size. */
export function resolvePads(
  node: OnnxNode,
  inHW: [number, number],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
): Pads2 {
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const axis = (i: number): [number, number] => {
      const eff = (kernel[i] - 1) * dilations[i] + 1;
      const out = Math.ceil(inHW[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + eff - inHW[i]);
      const small = Math.floor(total / 2);
      return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
    };
    return [axis(0), axis(1)];
  }
  if (autoPad === 'VALID') return [[0, 0], [0, 0]];
  const p = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  if (p.length !== 4) throw new Error(`attribute pads=[${p}]: only 2-D convolutions and pools are supported`);
  return [[p[0], p[2]], [p[1], p[3]]];
}

/** Runs one dense or depthwise conv, handling strides combined with dilations (TF.js needs one of them to be 1). */
function convOnce(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  depthwise: boolean,
  strides: [number, number],
  dilations: [number, number],
  pad: Pads2,
  bias: tf.Tensor1D | undefined,
): tf.Tensor4D {
  const both = (strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1);
  const conv = depthwise ? depthwiseConv2dInputGrad : conv2dInputGrad;
  if (!both) return conv(x, filter, { strides, dilations, pad, bias });
  const full = conv(x, filter, { strides: [1, 1], dilations, pad, bias });
  let y = sliceAxis(full, 1, 0, full.shape[1], strides[0]);
  y = sliceAxis(y, 2, 0, full.shape[2], strides[1]);
  return y as tf.Tensor4D;
}

const Conv: OpDef = {
  constInputs: [1, 2],
  prepare: prepareWeights(false),
  run: (node, inputs, prepared) => {
    const xv = tensorIn(inputs[0], 0);
    if (xv.t.rank !== 4) throw new Error(`input has shape [${xv.t.shape}]: only 2-D convolutions (4-D input) are supported`);
    const x = toNhwc(xv) as tf.Tensor4D;
    const w = weightsFor(node, inputs, prepared, false);
    const strides = pairAttr(node, 'strides', 1);
    const dilations = pairAttr(node, 'dilations', 1);
    const pad = resolvePads(node, [x.shape[1], x.shape[2]], w.kernel, strides, dilations);
    if (w.kind === 'dense') return [nhwc(convOnce(x, w.filters[0], false, strides, dilations, pad, w.biases[0]))];
    if (w.kind === 'depthwise') return [nhwc(convOnce(x, w.filters[0], true, strides, dilations, pad, w.biases[0]))];
    const group = w.filters.length;
    const parts = tf.split(x, group, 3);
    const outs = parts.map((p, g) => convOnce(p as tf.Tensor4D, w.filters[g], false, strides, dilations, pad, w.biases[g]));
    return [nhwc(tf.concat(outs, 3))];
  },
};

/** Pads (negative amounts crop) along H and W. */
function padOrCrop(x: tf.Tensor4D, p: Pads2): tf.Tensor4D {
  const pos = (v: number): number => Math.max(0, v);
  let y = x;
  if (p.flat().some((v) => v > 0)) y = tf.pad(y, [[0, 0], [pos(p[0][0]), pos(p[0][1])], [pos(p[1][0]), pos(p[1][1])], [0, 0]]);
  if (p.flat().some((v) => v < 0)) {
    const top = pos(-p[0][0]);
    const left = pos(-p[1][0]);
    const h = y.shape[1] - top - pos(-p[0][1]);
    const w = y.shape[2] - left - pos(-p[1][1]);
    y = y.slice([0, top, left, 0], [1, h, w, y.shape[3]]);
  }
  return y;
}

/**
 * ConvTranspose as a stride-1 conv of the zero-dilated input with the flipped filter: its
 * gradient is again a forward conv, so no backprop kernel is needed.
 */
const ConvTranspose: OpDef = {
  constInputs: [1, 2],
  prepare: prepareWeights(true),
  run: (node, inputs, prepared) => {
    const xv = tensorIn(inputs[0], 0);
    if (xv.t.rank !== 4) throw new Error(`input has shape [${xv.t.shape}]: only 2-D transposed convolutions are supported`);
    const x = toNhwc(xv) as tf.Tensor4D;
    const w = weightsFor(node, inputs, prepared, true);
    const strides = pairAttr(node, 'strides', 1);
    const dilations = pairAttr(node, 'dilations', 1);
    const outPad = pairAttr(node, 'output_padding', 0);
    const inHW: [number, number] = [x.shape[1], x.shape[2]];
    const eff = [0, 1].map((i) => (w.kernel[i] - 1) * dilations[i] + 1);
    const autoPad = attrString(node, 'auto_pad', 'NOTSET');
    const outputShape = attrInts(node, 'output_shape');
    let pads: Pads2;
    if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const target = outputShape ? outputShape.slice(-2) : inHW.map((v, i) => v * strides[i]);
      const axis = (i: number): [number, number] => {
        const total = strides[i] * (inHW[i] - 1) + outPad[i] + eff[i] - target[i];
        const half = Math.floor(total / 2);
        return autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half];
      };
      pads = [axis(0), axis(1)];
    } else if (autoPad === 'VALID') {
      pads = [[0, 0], [0, 0]];
    } else {
      const p = attrInts(node, 'pads') ?? [0, 0, 0, 0];
      pads = [[p[0], p[2]], [p[1], p[3]]];
    }
    const spread = insertZeros(x, strides[0], strides[1]);
    const framed = padOrCrop(spread, [
      [eff[0] - 1 - pads[0][0], eff[0] - 1 - pads[0][1] + outPad[0]],
      [eff[1] - 1 - pads[1][0], eff[1] - 1 - pads[1][1] + outPad[1]],
    ]);
    const group = w.filters.length;
    const parts = group === 1 ? [framed] : (tf.split(framed, group, 3) as tf.Tensor4D[]);
    const outs = parts.map((p, g) => conv2dInputGrad(p, w.filters[g], { dilations, pad: 'valid', bias: w.biases[g] }));
    return [nhwc(group === 1 ? outs[0] : tf.concat(outs, 3))];
  },
};

/** Convolution op table. */
export const convOps: Record<string, OpDef> = { Conv, ConvTranspose };
