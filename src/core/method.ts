/**
 * The method contract: what every saliency method takes and returns. It lives in `core/` because
 * the sessions build these results; `methods/` only implements the contract.
 */
import type * as tf from './tf.js';
import type { ModelAdapter, RgbImage } from './types.js';
import type { AcceptPolicy } from './accept.js';

/** What a method can be given: an RGB image (0..255) or an already preprocessed NHWC tensor. */
export type ExplainInput = RgbImage | tf.Tensor4D;

/** How the image is resized to each size of a schedule. */
export type InputResize = 'bilinear' | 'bicubic';

/** Which class to explain: the model's prediction, a class index or a label name. */
export type TargetSpec = 'predicted' | number | string;

/** Options shared by every saliency method. */
export interface ExplainOptions {
  /** Class to explain (default: the class predicted at the base size). */
  target?: TargetSpec;
  /** Layer κ (default: the model's last convolutional block). */
  layer?: string;
  /** Interpolation used to resize the input image (default `bilinear`). */
  inputResize?: InputResize;
  /** Called after each forward pass with a short message, for progress bars. */
  onProgress?: (done: number, total: number, message: string) => void;
}

/** The class a map explains. */
export interface TargetInfo {
  readonly index: number;
  readonly label?: string;
  /** Softmax probability at the base size. */
  readonly probability: number;
  /** Raw logit at the base size. */
  readonly logit: number;
}

/** What every method returns. */
export interface SaliencyResult {
  /** Method name, e.g. `cameras`, `gradcam`. */
  readonly method: string;
  /** Map normalised to [0, 1], `height × width` row-major (the input image's size). */
  readonly map: Float32Array;
  /** The map before normalisation (after ReLU where the method has one). */
  readonly raw: Float32Array;
  readonly width: number;
  readonly height: number;
  /** Layer κ used (canonical name), when the method uses one. */
  readonly layer?: string;
  readonly target: TargetInfo;
  /** Class predicted at the base size. */
  readonly predicted: TargetInfo;
  /** Input sizes (shorter side, px) whose forward passes entered the map. */
  readonly sizesUsed: readonly number[];
  /** Sizes skipped because they failed the acceptance policy (CAMERAS: the prediction changed there). */
  readonly sizesRejected: readonly number[];
  /** CAMERAS: the acceptance policy that chose `sizesUsed` (see `accept` in its options). */
  readonly accept?: AcceptPolicy;
  /**
   * What the user should know about this map, one sentence each; empty when nothing. CAMERAS warns
   * when it kept fewer than half of its sizes (the message starts with `single-scale` when it kept
   * one, so the map is the base size's Grad-CAM-like map).
   */
  readonly warnings: readonly string[];
  /** Wall time in milliseconds. */
  readonly ms: number;
}

/**
 * A saliency method: a model, an image or a preprocessed tensor, and options in; a map out. Every
 * method accepts both input kinds, so the registry can hold them without casts.
 */
export type SaliencyMethod<O extends ExplainOptions = ExplainOptions> = (
  model: ModelAdapter,
  input: ExplainInput,
  options?: O,
) => Promise<SaliencyResult>;
