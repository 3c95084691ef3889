import type * as tf from './tf.js';

/**
 * An RGB(A) image in memory, 8-bit or float, row-major, channels interleaved.
 * Values are on the 0..255 scale whatever the array type.
 */
export interface RgbImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** 3 (RGB) or 4 (RGBA: alpha is ignored). */
  readonly channels: 3 | 4;
  /** `height * width * channels` values on the 0..255 scale. */
  readonly data: Uint8Array | Uint8ClampedArray | Float32Array;
}

/** What a candidate layer looks like, as `cameras layers` lists it. */
export interface LayerInfo {
  /** Name to pass as `layer` (a Keras layer name, an ONNX tensor name or module path, ...). */
  readonly name: string;
  /** Other names that select the same tensor (e.g. the ONNX tensor behind a module path). */
  readonly aliases?: readonly string[];
  /** Operation or layer class that produces it, e.g. `Conv2D`, `Relu`. */
  readonly kind: string;
  /** Output shape NHWC at the model's native input size; `null` for unknown dimensions. */
  readonly shape: readonly (number | null)[];
  /** True for 4-D spatial tensors, the layers a CAM-style method can use. */
  readonly spatial: boolean;
}

/**
 * The result of running the part of a model before the cut.
 * `activation` is NHWC `[1, h, w, C]`; `context` holds any other tensors the tail needs
 * (e.g. a skip connection that crosses the cut). The caller disposes both.
 */
export interface HeadOutput {
  readonly activation: tf.Tensor4D;
  readonly context: tf.Tensor[];
}

/**
 * A model cut in two at a layer κ: `head` runs the input to κ, `tail` runs κ to the logits.
 * Gradients are only ever taken through `tail`, with respect to the activation.
 */
export interface SplitModel {
  /** Canonical name of the layer at the cut. */
  readonly layer: string;
  /**
   * Input NHWC `[1, H, W, 3]`, already preprocessed, any H×W the model accepts.
   * May run on another engine (e.g. onnxruntime) and so is asynchronous.
   */
  head(input: tf.Tensor4D): Promise<HeadOutput>;
  /**
   * Activation NHWC `[1, h, w, C]` (plus the head's context) to logits `[1, classes]`
   * (pre-softmax scores). Must be differentiable with respect to `activation` with TF.js ops,
   * and must never require gradients of weights.
   */
  tail(activation: tf.Tensor4D, context: readonly tf.Tensor[]): tf.Tensor2D;
  /** Release anything the split holds (not the model). */
  dispose(): void;
}

/** Linear input normalisation applied to 0..255 RGB before the model. */
export interface PreprocessSpec {
  /** Preset it came from, for display. */
  readonly name: string;
  /** Per-channel `(x / scale - mean) / std` in the model's channel order. */
  readonly scale: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** Feed channels as BGR instead of RGB (caffe). */
  readonly bgr: boolean;
}

/**
 * A classifier behind a uniform interface. Engines (TF.js layers, ONNX import, TFLite import,
 * onnxruntime) implement it; methods only see this.
 */
export interface ModelAdapter {
  /** Display name (zoo name or file name). */
  readonly name: string;
  /** Class names indexed like the logits, when known. */
  readonly labels?: readonly string[];
  /** Default preprocessing for the model's input. */
  readonly preprocess: PreprocessSpec;
  /** Native input size (e.g. 224), the base size ζ₀ of a schedule. */
  readonly inputSize: number;
  /** Engine that runs the forward passes, e.g. `tfjs-wasm`, `onnxruntime-node`. */
  readonly engine: string;
  /** Layers that can be explained, input to output order. */
  listLayers(): LayerInfo[];
  /** The output of the last convolutional block: the default κ. */
  defaultLayer(): string;
  /** Cut the model at `layer` (a name or alias from `listLayers`); throws on an unknown name. */
  split(layer: string): SplitModel;
  /** Whole-model forward pass: NHWC preprocessed input to logits `[1, classes]`. */
  predict(input: tf.Tensor4D): Promise<tf.Tensor2D>;
  /**
   * Differentiable whole-model forward with TF.js ops (input gradients only), for input-gradient
   * methods (vanilla gradient, SmoothGrad, Integrated Gradients, attacks).
   */
  predictDifferentiable(input: tf.Tensor4D): tf.Tensor2D;
  /** Release weights. */
  dispose(): void;
}
