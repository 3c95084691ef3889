import * as tf from './tf.js';

/** Explicit padding `[[top, bottom], [left, right]]` or a TF padding mode. */
export type ConvPad = 'same' | 'valid' | [[number, number], [number, number]];

/** Options of {@link conv2dInputGrad} and {@link depthwiseConv2dInputGrad}. */
export interface ConvOptions {
  strides?: [number, number];
  pad?: ConvPad;
  dilations?: [number, number];
  /** Added after the convolution (per output channel). */
  bias?: tf.Tensor1D;
}

function pair(v: [number, number] | undefined): [number, number] {
  return v ?? [1, 1];
}

/** Resolves TF padding modes into explicit pads for one spatial axis. */
function explicitPads(
  pad: ConvPad,
  inH: number,
  inW: number,
  kh: number,
  kw: number,
  strides: [number, number],
  dilations: [number, number],
): [[number, number], [number, number]] {
  if (Array.isArray(pad)) return pad;
  if (pad === 'valid') return [[0, 0], [0, 0]];
  const axis = (size: number, k: number, s: number, d: number): [number, number] => {
    const eff = (k - 1) * d + 1;
    const out = Math.ceil(size / s);
    const total = Math.max(0, (out - 1) * s + eff - size);
    const before = Math.floor(total / 2);
    return [before, total - before];
  };
  return [axis(inH, kh, strides[0], dilations[0]), axis(inW, kw, strides[1], dilations[1])];
}

/**
 * Turns `dy` (the gradient of a strided, padded convolution's output) into the padded, dilated
 * map that a stride-1 'valid' convolution with the flipped filter maps back to the input grid.
 * Expressing the input gradient as a forward convolution uses the engine's fast forward kernels
 * (the backprop-input kernels are slow or missing on WebAssembly).
 */
function spreadGradient(
  dy: tf.Tensor4D,
  inH: number,
  inW: number,
  kh: number,
  kw: number,
  strides: [number, number],
  dilations: [number, number],
  pads: [[number, number], [number, number]],
): tf.Tensor4D {
  const [, h, w, c] = dy.shape;
  const [sy, sx] = strides;
  let g = dy;
  if (sy > 1 || sx > 1) {
    // Insert stride-1 zeros between gradient samples.
    g = dy.reshape([1, h, 1, w, 1, c]);
    g = tf.pad(g as unknown as tf.Tensor6D, [[0, 0], [0, 0], [0, sy - 1], [0, 0], [0, sx - 1], [0, 0]]).reshape([
      1,
      h * sy,
      w * sx,
      c,
    ]);
    g = g.slice([0, 0, 0, 0], [1, (h - 1) * sy + 1, (w - 1) * sx + 1, c]);
  }
  const effH = (kh - 1) * dilations[0] + 1;
  const effW = (kw - 1) * dilations[1] + 1;
  const top = effH - 1 - pads[0][0];
  const left = effW - 1 - pads[1][0];
  const bottom = inH + effH - 1 - top - g.shape[1];
  const right = inW + effW - 1 - left - g.shape[2];
  const padSpec = (a: number, b: number): [number, number] => [Math.max(0, a), Math.max(0, b)];
  let p = tf.pad(g, [[0, 0], padSpec(top, bottom), padSpec(left, right), [0, 0]]);
  // Negative pads (more padding than kernel reach) become crops.
  const y0 = Math.max(0, -top);
  const x0 = Math.max(0, -left);
  const hh = p.shape[1] - y0 - Math.max(0, -bottom);
  const ww = p.shape[2] - x0 - Math.max(0, -right);
  if (y0 || x0 || hh !== p.shape[1] || ww !== p.shape[2]) p = p.slice([0, y0, x0, 0], [1, hh, ww, c]);
  return p;
}

/**
 * 2-D convolution (NHWC, filter `[kh, kw, inC, outC]`) whose gradient flows to the input only.
 * The filter and bias are constants: no weight gradient is ever computed, which is both what
 * saliency needs and what keeps WebAssembly (which lacks filter-gradient kernels) working.
 */
export function conv2dInputGrad(x: tf.Tensor4D, filter: tf.Tensor4D, opts: ConvOptions = {}): tf.Tensor4D {
  const strides = pair(opts.strides);
  const dilations = pair(opts.dilations);
  const [kh, kw] = filter.shape;
  const [, inH, inW] = x.shape;
  const pads = explicitPads(opts.pad ?? 'valid', inH, inW, kh, kw, strides, dilations);
  const bias = opts.bias;
  const op = tf.customGrad((xin: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    const value = tf.fused.conv2d({
      x: xin as tf.Tensor4D,
      filter,
      strides,
      pad: pads[0][0] === 0 && pads[0][1] === 0 && pads[1][0] === 0 && pads[1][1] === 0 ? 'valid' : [[0, 0], pads[0], pads[1], [0, 0]],
      dilations,
      bias,
    });
    const gradFunc = (dy: tf.Tensor) => {
      const spread = spreadGradient(dy as tf.Tensor4D, inH, inW, kh, kw, strides, dilations, pads);
      const flipped = tf.reverse(filter, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D;
      return tf.conv2d(spread, flipped, 1, 'valid', 'NHWC', dilations);
    };
    return { value, gradFunc };
  });
  return op(x) as tf.Tensor4D;
}

/**
 * Depthwise convolution (NHWC, filter `[kh, kw, C, multiplier]`) whose gradient flows to the input
 * only (see {@link conv2dInputGrad}).
 */
export function depthwiseConv2dInputGrad(x: tf.Tensor4D, filter: tf.Tensor4D, opts: ConvOptions = {}): tf.Tensor4D {
  const strides = pair(opts.strides);
  const dilations = pair(opts.dilations);
  const [kh, kw, c, mult] = filter.shape;
  const [, inH, inW] = x.shape;
  const pads = explicitPads(opts.pad ?? 'valid', inH, inW, kh, kw, strides, dilations);
  const bias = opts.bias;
  const op = tf.customGrad((xin: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    const padded =
      pads[0][0] || pads[0][1] || pads[1][0] || pads[1][1] ? tf.pad(xin as tf.Tensor4D, [[0, 0], pads[0], pads[1], [0, 0]]) : xin;
    let value = tf.depthwiseConv2d(padded as tf.Tensor4D, filter, strides, 'valid', 'NHWC', dilations);
    if (bias) value = tf.add(value, bias);
    const gradFunc = (dy: tf.Tensor) => {
      const spread = spreadGradient(dy as tf.Tensor4D, inH, inW, kh, kw, strides, dilations, pads);
      const flipped = tf.reverse(filter, [0, 1]);
      if (mult === 1) return tf.depthwiseConv2d(spread, flipped as tf.Tensor4D, 1, 'valid', 'NHWC', dilations);
      // dx_c = Σ_m conv(dy_{c,m}, flip(f_{c,m})): a grouped conv as a dense conv with a block filter.
      const [sh, sw] = [spread.shape[1], spread.shape[2]];
      const perM = tf.depthwiseConv2d(
        spread.reshape([1, sh, sw, c * mult]),
        flipped.reshape([kh, kw, c * mult, 1]) as tf.Tensor4D,
        1,
        'valid',
        'NHWC',
        dilations,
      );
      return perM.reshape([1, perM.shape[1], perM.shape[2], c, mult]).sum(4);
    };
    return { value, gradFunc };
  });
  return op(x) as tf.Tensor4D;
}

/** Dense layer `x · W + b` (W `[in, out]`) with input gradient only. */
export function denseInputGrad(x: tf.Tensor2D, kernel: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((xin: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    const value = tf.fused.matMul({ a: xin as tf.Tensor2D, b: kernel, bias });
    return { value, gradFunc: (dy: tf.Tensor) => tf.matMul(dy as tf.Tensor2D, kernel, false, true) };
  });
  return op(x) as tf.Tensor2D;
}
