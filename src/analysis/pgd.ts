import * as tf from '../core/tf.js';
import type { ModelAdapter, RgbImage } from '../core/types.js';
import { imageToTensor, normalizeInput } from '../core/preprocess.js';
import { resizePixels } from '../core/resize.js';
import { scaledShape } from '../core/schedule.js';
import { argmax, softmax } from '../core/target.js';
import { createRng } from '../scenes/rng.js';

/** Threat model of {@link pgd}. */
export type PgdNorm = 'linf' | 'l2';

/** Options of {@link pgd}. Pixel quantities are on the 0..255 scale of the image. */
export interface PgdOptions {
  /** Radius ε of the perturbation (0..255 scale): per entry for L∞ (e.g. 16), of ‖p‖₂ for L2. */
  epsilon: number;
  /** Step α per iteration (0..255 scale): per entry for L∞ (e.g. 1), the step's L2 length for L2. */
  stepSize: number;
  /**
   * `linf` (default): sign steps, clip to [−ε, ε]. `l2`: steps along the (masked) gradient scaled to
   * length α, projection onto the ball ‖p‖₂ ≤ ε: the perturbation then varies with the gradient's
   * magnitude, not only its sign.
   */
  norm?: PgdNorm;
  /** Maximum number of gradient steps. */
  steps: number;
  /** Targeted attack: drive the prediction to this class (minimises its cross-entropy). */
  target?: number;
  /** Untargeted attack: drive the prediction away from this class (maximises its cross-entropy). */
  source?: number;
  /**
   * Weight β of the saliency penalty β‖p ⊙ (1 − Ψ)‖₂ of Eq. 4 (paper: 50), with p on the [0, 1]
   * pixel scale. 0 (default) is plain PGD.
   */
  beta?: number;
  /** Ψ: `height × width` saliency in [0, 1] (needed when β > 0). */
  saliency?: ArrayLike<number>;
  /** `height × width` pixel mask: the perturbation is kept where the mask is > 0 and zero elsewhere. */
  mask?: ArrayLike<number>;
  /** Stop at the first iterate that fools the model (default true). */
  stopWhenFooled?: boolean;
  /**
   * Targeted attacks only: an iterate counts as fooling when the target is predicted with at least
   * this softmax probability (default 0: any top-1 hit). The paper's §6 keeps "99.99 % fooling
   * confidence", i.e. 0.9999; stopping at the first top-1 hit instead leaves the target barely ahead.
   */
  minConfidence?: number;
  /**
   * Where the iterates start: `zero` (default: p = 0) or `random`, Madry et al.'s random start (the
   * default of common PGD libraries): uniform in [−ε, ε] per entry for L∞, a Gaussian direction
   * scaled to a uniform radius in [0, ε] for L2; masked, and clipped to the image range.
   */
  start?: 'zero' | 'random';
  /** Seed of the random start (default 0). */
  seed?: number;
}

/** What {@link pgd} returns. */
export interface PgdResult {
  /** The perturbation p, `height × width × 3`, 0..255 scale (x_adv = clip(x + p, 0, 255)). */
  readonly perturbation: Float32Array;
  /** True when the final iterate is classified as the target (targeted) or not as the source. */
  readonly fooled: boolean;
  /** Gradient steps taken. */
  readonly steps: number;
  /** Class predicted on the final iterate and its softmax probability. */
  readonly predicted: number;
  readonly probability: number;
  /** ‖p‖₂ and ‖p‖∞ on the [0, 1] pixel scale. */
  readonly l2: number;
  readonly linf: number;
}

/** Checks a map or mask argument against the image size. */
function pixelTensor(values: ArrayLike<number>, h: number, w: number, what: string): tf.Tensor4D {
  if (values.length !== h * w) throw new RangeError(`${what} has ${values.length} values, the image is ${w}×${h}`);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) throw new RangeError(`${what}: non-finite value at ${i}`);
  return tf.tensor4d(Float32Array.from(values), [1, h, w, 1]);
}

/** ‖p‖₂ and ‖p‖∞ of a 0..255-scale perturbation, on the [0, 1] scale. */
export function perturbationNorms(p: ArrayLike<number>): { l2: number; linf: number } {
  let s = 0;
  let m = 0;
  for (let i = 0; i < p.length; i++) {
    const v = Math.abs(p[i]);
    s += v * v;
    if (v > m) m = v;
  }
  return { l2: Math.sqrt(s) / 255, linf: m / 255 };
}

/**
 * Projected gradient descent (Madry et al. 2018) in pixel space, zero start (the attack looks for
 * small perturbations, so it starts from the clean image rather than a random point). L∞:
 * p ← Π(p − α·sign(∇ₚ L)), Π = clip to [−ε, ε], to the valid pixel range, and to the mask; L2:
 * p ← Π(p − α·g/‖g‖₂) with g the masked gradient and Π the projection onto ‖p‖₂ ≤ ε, then the
 * pixel range and the mask.
 * L = CE(target) for a targeted attack, −CE(source) for an untargeted one, plus the saliency
 * penalty β‖(p/255) ⊙ (1 − Ψ)‖₂ of the paper's Eq. 4. Gradients flow through
 * `model.predictDifferentiable` (input gradients only).
 */
export async function pgd(model: ModelAdapter, image: RgbImage, options: PgdOptions): Promise<PgdResult> {
  const { epsilon, stepSize, steps, target, source, beta = 0, stopWhenFooled = true, norm = 'linf', minConfidence = 0, start = 'zero', seed = 0 } = options;
  if (start !== 'zero' && start !== 'random') throw new RangeError(`start must be zero or random, got ${String(start)}`);
  if (!(minConfidence >= 0 && minConfidence < 1)) throw new RangeError(`minConfidence must be in [0, 1), got ${minConfidence}`);
  if (norm !== 'linf' && norm !== 'l2') throw new RangeError(`norm must be linf or l2, got ${String(norm)}`);
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new RangeError(`epsilon must be a finite number ≥ 0, got ${epsilon}`);
  if (!(stepSize > 0) || !Number.isFinite(stepSize)) throw new RangeError(`stepSize must be a positive number, got ${stepSize}`);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be an integer ≥ 0, got ${steps}`);
  if ((target === undefined) === (source === undefined)) throw new Error('pgd needs exactly one of target (targeted) or source (untargeted)');
  if (!(beta >= 0)) throw new RangeError(`beta must be ≥ 0, got ${beta}`);
  if (beta > 0 && !options.saliency) throw new Error('pgd: beta > 0 needs a saliency map');
  const cls = (target ?? source)!;
  const { width: w, height: h } = image;
  const keep: tf.Tensor[] = [];
  try {
    const x0 = imageToTensor(image);
    keep.push(x0);
    const penaltyWeights = beta > 0 ? tf.tidy(() => tf.sub(1, tf.clipByValue(pixelTensor(options.saliency!, h, w, 'saliency'), 0, 1)) as tf.Tensor4D) : undefined;
    if (penaltyWeights) keep.push(penaltyWeights);
    const mask = options.mask ? tf.tidy(() => tf.cast(tf.greater(pixelTensor(options.mask!, h, w, 'mask'), 0), 'float32')) : undefined;
    if (mask) keep.push(mask);
    const numClasses = await (async () => {
      const x = normalizeInput(x0, model.preprocess);
      try {
        const l = await model.predict(x);
        const n = l.shape[1];
        l.dispose();
        return n;
      } finally {
        x.dispose();
      }
    })();
    if (!Number.isInteger(cls) || cls < 0 || cls >= numClasses) throw new RangeError(`class ${cls} is out of range (0..${numClasses - 1})`);

    const loss = (p: tf.Tensor4D, out: { logits?: tf.Tensor2D }): tf.Scalar => {
      const xa = tf.clipByValue(tf.add(x0, p), 0, 255) as tf.Tensor4D;
      const logits = model.predictDifferentiable(normalizeInput(xa, model.preprocess));
      out.logits = tf.keep(logits);
      const ce = tf.sub(tf.logSumExp(logits, 1), logits.slice([0, cls], [1, 1]).reshape([1])).reshape([]) as tf.Scalar;
      let l: tf.Scalar = target !== undefined ? ce : tf.neg(ce);
      if (penaltyWeights && beta > 0) {
        const masked = tf.mul(tf.div(p, 255), penaltyWeights);
        // ε inside the root keeps the gradient finite at p = 0.
        l = tf.add(l, tf.mul(beta, tf.sqrt(tf.add(tf.sum(tf.square(masked)), 1e-12)))) as tf.Scalar;
      }
      return l;
    };
    const state: { logits?: tf.Tensor2D } = {};
    const grad = tf.grad((p: tf.Tensor) => loss(p as tf.Tensor4D, state));
    let p = start === 'random' ? randomStart(x0, norm, epsilon, seed, mask) : (tf.zeros([1, h, w, 3]) as tf.Tensor4D);
    keep.push(p);
    const isFooled = (pred: number, prob: number) => (target !== undefined ? pred === target && prob >= minConfidence : pred !== source);
    let taken = 0;
    let predicted = -1;
    let probability = 0;
    for (;;) {
      let g: tf.Tensor4D | undefined;
      if (taken < steps) {
        g = grad(p) as tf.Tensor4D;
      } else {
        tf.tidy(() => {
          loss(p, state);
        });
      }
      const logits = await state.logits!.data();
      state.logits!.dispose();
      state.logits = undefined;
      predicted = argmax(logits);
      probability = softmax(logits)[predicted];
      if ((stopWhenFooled && isFooled(predicted, probability)) || taken >= steps) {
        g?.dispose();
        break;
      }
      const next = tf.tidy(() => {
        let q: tf.Tensor;
        if (norm === 'linf') {
          q = tf.clipByValue(tf.sub(p, tf.mul(stepSize, tf.sign(g!))), -epsilon, epsilon);
        } else {
          const gm = mask ? tf.mul(g!, mask) : g!;
          const gn = tf.sqrt(tf.add(tf.sum(tf.square(gm)), 1e-30));
          q = tf.sub(p, tf.mul(tf.div(gm, gn), stepSize));
          const qn = tf.sqrt(tf.sum(tf.square(q)));
          q = tf.mul(q, tf.minimum(1, tf.div(epsilon, tf.add(qn, 1e-30))));
        }
        q = tf.sub(tf.clipByValue(tf.add(x0, q), 0, 255), x0);
        return (mask ? tf.mul(q, mask) : q) as tf.Tensor4D;
      });
      g!.dispose();
      keep.splice(keep.indexOf(p), 1);
      p.dispose();
      p = next;
      keep.push(p);
      taken++;
    }
    const perturbation = (await p.data()) as Float32Array;
    return { perturbation: Float32Array.from(perturbation), fooled: isFooled(predicted, probability), steps: taken, predicted, probability, ...perturbationNorms(perturbation) };
  } finally {
    tf.dispose(keep);
  }
}

/** Class probabilities of the model on an image perturbed by `p` (0..255 scale; null for none). */
export async function classify(model: ModelAdapter, image: RgbImage, p?: ArrayLike<number>): Promise<{ predicted: number; probabilities: Float64Array; logits: Float32Array }> {
  const x = tf.tidy(() => {
    let t = imageToTensor(image);
    if (p) {
      if (p.length !== image.width * image.height * 3) throw new RangeError(`perturbation has ${p.length} values, expected ${image.width * image.height * 3}`);
      t = tf.clipByValue(tf.add(t, tf.tensor4d(Float32Array.from(p), t.shape)), 0, 255) as tf.Tensor4D;
    }
    return normalizeInput(t, model.preprocess);
  });
  try {
    const l = await model.predict(x);
    const logits = (await l.data()) as Float32Array;
    l.dispose();
    return { predicted: argmax(logits), probabilities: softmax(logits), logits };
  } finally {
    x.dispose();
  }
}

/**
 * The image resized (bilinear, PyTorch convention, aspect ratio kept) so that its shorter side is
 * `size`, as a float 0..255 image: the pixel grid the attacks perturb (the model's native resolution,
 * where one forward/backward pass is cheapest).
 */
export function workingImage(image: RgbImage, size: number): RgbImage {
  const [H, W] = scaledShape(image.height, image.width, size);
  const resized = resizePixels(image, [H, W]);
  return { ...resized, data: resized.data.map((v) => Math.min(255, Math.max(0, v))) };
}

/** Madry et al.'s random start inside the threat model's ball (see {@link PgdOptions.start}). */
function randomStart(x0: tf.Tensor4D, norm: PgdNorm, epsilon: number, seed: number, mask?: tf.Tensor): tf.Tensor4D {
  const rng = createRng(seed);
  const n = x0.size;
  const v = new Float32Array(n);
  if (norm === 'linf') {
    for (let i = 0; i < n; i++) v[i] = (2 * rng.next() - 1) * epsilon;
  } else {
    // Box–Muller normals give a uniformly random direction.
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const g = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      v[i] = g;
      sq += g * g;
    }
    const scale = (epsilon * rng.next()) / Math.sqrt(sq);
    for (let i = 0; i < n; i++) v[i]! *= scale;
  }
  return tf.tidy(() => {
    let p: tf.Tensor = tf.tensor4d(v, x0.shape);
    if (mask) p = tf.mul(p, mask);
    return tf.sub(tf.clipByValue(tf.add(x0, p), 0, 255), x0) as tf.Tensor4D;
  });
}
