/**
 * How scale-consistent a classifier is where CAMERAS needs it: at how many of a schedule's sizes its
 * prediction on an upsampled copy equals its prediction at the base size. The training script
 * reports it for the embedded model and the model's test checks it, with this one definition.
 */
import * as tf from '../core/tf.js';
import { resizeImage } from '../core/resize.js';

/**
 * The number of `sizes` (the base size counts when listed) at which `predict` on `image` (NHWC, one
 * image at `base` × `base`) resized bilinearly with half-pixel centres, exactly as CAMERAS resizes its
 * input copies, has the argmax it has at the base size. Leaves no tensors behind.
 */
export async function sizesKept(predict: (x: tf.Tensor4D) => tf.Tensor, image: tf.Tensor4D, sizes: readonly number[], base = 224): Promise<number> {
  const classAt = async (s: number): Promise<number> => {
    const p = tf.tidy(() => tf.argMax(predict(s === base ? image : resizeImage(image, [s, s], 'bilinear')), 1));
    const v = (await p.data())[0]!;
    p.dispose();
    return v;
  };
  const reference = await classAt(base);
  let kept = 0;
  for (const s of sizes) if (s === base || (await classAt(s)) === reference) kept++;
  return kept;
}
