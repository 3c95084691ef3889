import type { SaliencyMethod } from '../core/method.js';
import { cameras } from './cameras.js';
import { gradcam } from './gradcam.js';
import { gradcampp } from './gradcampp.js';
import { hirescam } from './hirescam.js';
import { layercam } from './layercam.js';
import { xgradcam } from './xgradcam.js';
import { scorecam } from './scorecam.js';
import { normgrad } from './normgrad.js';
import { gradient } from './gradient.js';
import { smoothgrad } from './smoothgrad.js';
import { integratedGradients } from './integrated-gradients.js';
import { rise } from './rise.js';
import { occlusion } from './occlusion.js';
import { center } from './center.js';

/** The registry's literal: `satisfies` checks every entry against the contract without widening it. */
const REGISTRY = {
  cameras,
  gradcam,
  gradcampp,
  hirescam,
  layercam,
  xgradcam,
  scorecam,
  normgrad,
  gradient,
  smoothgrad,
  'integrated-gradients': integratedGradients,
  rise,
  occlusion,
  center,
} satisfies Record<string, SaliencyMethod>;

/**
 * Every method by its CLI name. Each takes the same `(model, input, options)` and ignores options
 * it does not use.
 */
export const METHODS: Readonly<Record<string, SaliencyMethod>> = REGISTRY;

/** Looks a method up by name; throws listing the known ones. */
export function getMethod(name: string): SaliencyMethod {
  const m = METHODS[name];
  if (!m) throw new Error(`unknown method "${name}" (known: ${Object.keys(METHODS).join(', ')})`);
  return m;
}

export { cameras, camerasSizes, type CamerasOptions } from './cameras.js';
export { gradcam, type GradcamOptions } from './gradcam.js';
export { camMethod, weightedSum, type CamCombine, type CamOptions } from './cam-base.js';
export { gradcampp, gradcamppWeights } from './gradcampp.js';
export { hirescam } from './hirescam.js';
export { layercam } from './layercam.js';
export { xgradcam } from './xgradcam.js';
export { normgrad } from './normgrad.js';
export { scorecam, type ScorecamOptions } from './scorecam.js';
export { gradient } from './gradient.js';
export { smoothgrad, type SmoothgradOptions } from './smoothgrad.js';
export { integratedGradients, integratedGradientsAttribution, type IntegratedGradientsOptions } from './integrated-gradients.js';
export { rise, riseMasks, type RiseOptions } from './rise.js';
export { occlusion, type OcclusionOptions } from './occlusion.js';
export { center, type CenterOptions } from './center.js';
export { inputGradient, maxAbsOverChannels } from './input-gradient.js';
export { InputSession, withInputSession } from '../core/input-session.js';
export { applyMasks, fillValue, targetProbabilities, type FillMode } from './perturbation.js';
export type { ExplainInput, ExplainOptions, InputResize, SaliencyMethod, SaliencyResult, TargetInfo, TargetSpec } from '../core/method.js';
