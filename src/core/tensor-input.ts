import * as tf from './tf.js';
import type { ExplainInput } from './method.js';

/**
 * Whether `x` has a tensor's fields (`dataId`, `shape`, `dtype`). Decided by shape, not by class:
 * a tensor made by a second copy of tfjs-core (two versions in one bundle) is not an instance of
 * this copy's `Tensor`, and must not be mistaken for an {@link RgbImage}.
 */
export function isTensorLike(x: unknown): x is tf.Tensor {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as { dataId?: unknown; shape?: unknown; dtype?: unknown };
  return t.dataId != null && Array.isArray(t.shape) && typeof t.dtype === 'string';
}

/**
 * A session's own handle on a tensor input `[1, H, W, 3]` (the caller keeps and disposes theirs);
 * `undefined` when `x` is an image. The data must live in this TF.js engine: a tensor of a second
 * tfjs-core copy that registered its own engine, or a disposed one, fails here with a clear error
 * instead of a wrong map.
 */
export function tensorInput(x: ExplainInput): tf.Tensor4D | undefined {
  if (!isTensorLike(x)) return undefined;
  const { shape, dtype, dataId } = x;
  if (shape.length !== 4 || shape[0] !== 1 || shape[3] !== 3) {
    throw new Error(`input tensor must be [1, H, W, 3], got [${shape.join(', ')}]`);
  }
  if (x.isDisposed === true) throw new Error('input tensor is disposed');
  if (!tf.engine().state.tensorInfo.has(dataId)) {
    throw new Error(
      `the input looks like a tensor ([${shape.join(', ')}], ${dtype}) but this TF.js engine does not hold its data: ` +
        'it was made by another copy of @tensorflow/tfjs-core (or already disposed). ' +
        "Create input tensors with the `tf` that cameras exports (import { tf } from 'cameras'), or pass an RgbImage.",
    );
  }
  // A tensor of this engine from another copy's class lacks nothing the engine needs: wrap its data.
  return x instanceof tf.Tensor ? (x.clone() as tf.Tensor4D) : (tf.engine().makeTensorFromDataId(dataId, [...shape], dtype) as tf.Tensor4D);
}
