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

/**
 * Applies `forward` to `x` with a gradient to `x` alone given by `backward`. Weights are captured
 * as constants by the closures, so the tape never asks for their gradients.
 */
function withInputGradient<T extends tf.Tensor>(
  x: T,
  forward: (x: T, save: tf.GradSaveFunc) => T,
  backward: (dy: T, saved: tf.Tensor[]) => tf.Tensor,
): T {
  type Custom = Parameters<typeof tf.customGrad>[0];
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: forward(args[0] as T, args[1] as tf.GradSaveFunc),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => backward(dy as T, saved),
  })) as unknown as Custom);
  return op(x) as T;
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

/** Spreads `t` on a grid `sy`×`sx` times finer, zeros between the samples (a stride's adjoint). */
export function insertZeros(t: tf.Tensor4D, sy: number, sx: number): tf.Tensor4D {
  if (sy === 1 && sx === 1) return t;
  const [b, h, w, c] = t.shape;
  const fine = tf.pad(t.reshape([b, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, sy - 1], [0, 0], [0, sx - 1], [0, 0]]).reshape([b, h * sy, w * sx, c]);
  return fine.slice([0, 0, 0, 0], [b, (h - 1) * sy + 1, (w - 1) * sx + 1, c]) as tf.Tensor4D;
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
  const c = dy.shape[3];
  const g = insertZeros(dy, strides[0], strides[1]);
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
  if (y0 || x0 || hh !== p.shape[1] || ww !== p.shape[2]) p = p.slice([0, y0, x0, 0], [p.shape[0], hh, ww, c]);
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
  const forward = (xin: tf.Tensor4D) =>
    tf.fused.conv2d({
      x: xin,
      filter,
      strides,
      pad: pads[0][0] === 0 && pads[0][1] === 0 && pads[1][0] === 0 && pads[1][1] === 0 ? 'valid' : [[0, 0], pads[0], pads[1], [0, 0]],
      dilations,
      bias,
    });
  const backward = (dy: tf.Tensor4D) => {
    const spread = spreadGradient(dy, inH, inW, kh, kw, strides, dilations, pads);
    // A 1×1 kernel has nothing to flip: WebAssembly's Reverse of a 1280×1001 classifier kernel
    // alone took ~130 ms per pass. (A matMul with transposeB instead is ~10× slower than this
    // convolution there.)
    const flipped = (kh === 1 && kw === 1 ? filter : tf.reverse(filter, [0, 1])).transpose([0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(spread, flipped, 1, 'valid', 'NHWC', dilations);
  };
  return withInputGradient(x, forward, backward);
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
  const forward = (xin: tf.Tensor4D) => {
    const padded = pads[0][0] || pads[0][1] || pads[1][0] || pads[1][1] ? tf.pad(xin, [[0, 0], pads[0], pads[1], [0, 0]]) : xin;
    const value = tf.depthwiseConv2d(padded, filter, strides, 'valid', 'NHWC', dilations);
    return bias ? (tf.add(value, bias) as tf.Tensor4D) : value;
  };
  const backward = (dy: tf.Tensor4D) => {
    const spread = spreadGradient(dy, inH, inW, kh, kw, strides, dilations, pads);
    const flipped = tf.reverse(filter, [0, 1]) as tf.Tensor4D;
    if (mult === 1) return tf.depthwiseConv2d(spread, flipped, 1, 'valid', 'NHWC', dilations);
    // dx_c = Σ_m conv(dy_{c,m}, flip(f_{c,m})): one depthwise pass over all C·mult gradient
    // channels, then the multiplier axis summed away.
    const perM = tf.depthwiseConv2d(spread, flipped.reshape([kh, kw, c * mult, 1]) as tf.Tensor4D, 1, 'valid', 'NHWC', dilations);
    return perM.reshape([perM.shape[0], perM.shape[1], perM.shape[2], c, mult]).sum(4) as tf.Tensor4D;
  };
  return withInputGradient(x, forward, backward);
}

/**
 * Mean over H and W of an NHWC tensor (global average pooling), `[N, C]` or with `keepDims`
 * `[N, 1, 1, C]`, computed as products with a constant row: WebAssembly's Mean of a
 * `[1, 58, 103, 1000]` map took 54–120 ms, the product 5–8 ms, and its gradient 70–100 ms
 * against 120–200 ms.
 */
export function spatialMean(x: tf.Tensor4D, keepDims = false): tf.Tensor {
  const [n, h, w, c] = x.shape;
  const hw = h * w;
  return withInputGradient(
    x as tf.Tensor,
    (xin) => {
      const y = tf.matMul(tf.fill([n, 1, hw], 1 / hw), xin.reshape([n, hw, c]));
      return y.reshape(keepDims ? [n, 1, 1, c] : [n, c]);
    },
    (dy) => tf.matMul(tf.fill([n, hw, 1], 1 / hw), dy.reshape([n, 1, c])).reshape([n, h, w, c]),
  );
}

/** Dense layer `x · W + b` (W `[in, out]`) with input gradient only. */
export function denseInputGrad(x: tf.Tensor2D, kernel: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  return withInputGradient(
    x,
    (xin) => tf.fused.matMul({ a: xin, b: kernel, bias }) as tf.Tensor2D,
    (dy) => tf.matMul(dy, kernel, false, true),
  );
}

/** Options of {@link maxPoolInputGrad}. */
export interface PoolOptions {
  kernel: [number, number];
  strides?: [number, number];
  /** TF padding mode or explicit pads (padded cells never win). */
  pad?: ConvPad;
  dilations?: [number, number];
}

/** Pads with this instead of −∞ so that 0·pad stays finite in the gradient. */
const NEG_BIG = -3.4e38;

/**
 * Max pooling whose gradient goes to the first maximum of each window in row-major order
 * (PyTorch's choice), built from forward ops only: TF.js's WebAssembly MaxPoolGrad kernel gives
 * wrong results (tfjs 4.22, checked against the CPU backend and finite differences).
 */
export function maxPoolInputGrad(x: tf.Tensor4D, opts: PoolOptions): tf.Tensor4D {
  const kernel = opts.kernel;
  const strides = pair(opts.strides);
  const dilations = pair(opts.dilations);
  const [, inH, inW, c] = x.shape;
  const pads = explicitPads(opts.pad ?? 'valid', inH, inW, kernel[0], kernel[1], strides, dilations);
  const padOf = (t: tf.Tensor4D) =>
    pads[0][0] || pads[0][1] || pads[1][0] || pads[1][1] ? tf.pad(t, [[0, 0], pads[0], pads[1], [0, 0]], NEG_BIG) : t;
  const poolValid = (t: tf.Tensor4D): tf.Tensor4D => {
    if (dilations[0] === 1 && dilations[1] === 1) return tf.maxPool(t, kernel, strides, 'valid');
    const full = tf.pool(t, kernel, 'max', 'valid', dilations, 1) as tf.Tensor4D;
    const [, fh, fw] = full.shape;
    return tf.stridedSlice(full, [0, 0, 0, 0], [full.shape[0], fh, fw, c], [1, strides[0], strides[1], 1]) as tf.Tensor4D;
  };
  // The padded input and the output are saved: the caller's input may be gone by backprop time.
  const forward = (xin: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const xp = padOf(xin);
    const y = poolValid(xp);
    save([xp, y]);
    return y;
  };
  const backward = (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
    const [xp, y] = saved as tf.Tensor4D[];
    const [, hp, wp] = xp.shape;
    const [, oh, ow] = y.shape;
    let remaining: tf.Tensor = tf.onesLike(y);
    let dx: tf.Tensor = tf.zerosLike(xp);
    for (let i = 0; i < kernel[0]; i++) {
      for (let j = 0; j < kernel[1]; j++) {
        const oy = i * dilations[0];
        const ox = j * dilations[1];
        const sample = tf.stridedSlice(xp, [0, oy, ox, 0], [xp.shape[0], oy + (oh - 1) * strides[0] + 1, ox + (ow - 1) * strides[1] + 1, c], [1, strides[0], strides[1], 1]);
        const hit = tf.mul(tf.cast(tf.equal(sample, y), 'float32'), remaining);
        remaining = tf.sub(remaining, hit);
        const spread = insertZeros(tf.mul(dy, hit) as tf.Tensor4D, strides[0], strides[1]);
        dx = tf.add(dx, tf.pad(spread, [[0, 0], [oy, hp - oy - spread.shape[1]], [ox, wp - ox - spread.shape[2]], [0, 0]]));
      }
    }
    return tf.slice(dx, [0, pads[0][0], pads[1][0], 0], [xp.shape[0], inH, inW, c]);
  };
  return withInputGradient(x, forward, backward);
}
