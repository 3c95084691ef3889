import * as tf from './tf.js';
import type { SplitModel } from './types.js';
import { argmax } from './target.js';

/** κ's activation and the gradient of one logit with respect to it, for one input. */
export interface LayerProbe {
  /** NHWC `[1, h, w, C]`. Owned by the caller. */
  readonly activation: tf.Tensor4D;
  /** d logit[target] / d activation, same shape. Owned by the caller. */
  readonly gradient: tf.Tensor4D;
  /** Logits `[classes]` of this input. */
  readonly logits: Float32Array;
  /** Their argmax. */
  readonly predicted: number;
  /** The class the gradient is of. */
  readonly target: number;
}

/**
 * Runs `input` through the split model and back-propagates one logit to κ only: the head is a plain
 * forward pass, gradients flow through the tail alone and never into weights.
 * `target` is a class index, or a function choosing it from the logits (one extra tail pass).
 */
export async function probeLayer(
  split: SplitModel,
  input: tf.Tensor4D,
  target: number | ((logits: Float32Array) => number),
): Promise<LayerProbe> {
  const head = await split.head(input);
  try {
    let cls: number;
    if (typeof target === 'function') {
      const logits = tf.tidy(() => split.tail(head.activation, head.context));
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      cls = target(values);
    } else {
      cls = target;
    }
    let logits: tf.Tensor | undefined;
    const gradient = tf.tidy(() =>
      tf.grad((a: tf.Tensor) => {
        const l = split.tail(a as tf.Tensor4D, head.context);
        if (cls < 0 || cls >= l.shape[1]) throw new Error(`class ${cls} is out of range: the model has ${l.shape[1]} classes`);
        logits = tf.keep(l.reshape([-1]));
        return l.slice([0, cls], [1, 1]).sum();
      })(head.activation),
    ) as tf.Tensor4D;
    const values = (await logits!.data()) as Float32Array;
    logits!.dispose();
    return { activation: head.activation, gradient, logits: values, predicted: argmax(values), target: cls };
  } catch (e) {
    head.activation.dispose();
    throw e;
  } finally {
    tf.dispose(head.context);
  }
}
