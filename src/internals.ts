/**
 * `cameras/internals`: the building blocks under the methods, for writing a new method or engine
 * and for research code. Unlike the root export they are not covered by semver: names and
 * signatures may change in any release.
 *
 * @example
 * ```ts
 * import { camMethod, weightedSum } from 'cameras/internals';
 * // Grad-CAM with the gradient's spatial maximum as channel weights:
 * export const maxcam = camMethod('maxcam', (a, g) => weightedSum(a, g.max([1, 2], true)));
 * ```
 * @packageDocumentation
 */

// Sessions: the shared skeleton of every method.
export { BaseSession } from './core/base-session.js';
export { ExplainSession, withSession, type ScalePass } from './core/session.js';
export { InputSession, withInputSession } from './core/input-session.js';
export { isTensorLike, tensorInput } from './core/tensor-input.js';
export { probeLayer, type LayerProbe } from './core/probe.js';
export { fuseScales, DEFAULT_BLOCK_BUDGET } from './core/fuse.js';
export { acceptsSize, parseAcceptPolicy, rankOf } from './core/accept.js';

// Numerics: resizing kernels, schedules, targets, gradients of ops.
export { resizeBilinear, resizeBicubic, resizeImage, bicubicMatrix } from './core/resize.js';
export { scheduleSizes, scaledShape } from './core/schedule.js';
export { argmax, softmax, resolveTarget } from './core/target.js';
export { assertFiniteMap } from './core/normalize.js';
export { conv2dInputGrad, depthwiseConv2dInputGrad, denseInputGrad, maxPoolInputGrad, type ConvOptions, type ConvPad, type PoolOptions } from './core/ops.js';

// Method parts: the CAM skeleton, weights, masks, input gradients.
export { camMethod, weightedSum, type CamCombine } from './methods/cam-base.js';
export { gradcamppWeights } from './methods/gradcampp.js';
export { integratedGradientsAttribution } from './methods/integrated-gradients.js';
export { riseMasks } from './methods/rise.js';
export { inputGradient, maxAbsOverChannels } from './methods/input-gradient.js';
export { applyMasks, fillValue, targetProbabilities } from './methods/perturbation.js';
export { acceptPolicyOf, scaleWarnings, type RejectedSize } from './methods/cameras.js';

// Model plumbing.
export { makeInputDynamic } from './models/layers-adapter.js';
export { safeRelativePath } from './models/safe-path.js';
