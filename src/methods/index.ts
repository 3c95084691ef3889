import type { SaliencyMethod } from './types.js';
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

/**
 * Every method by its CLI name. Each takes the same `(model, input, options)` and ignores options
 * it does not use.
 */
export const METHODS: Readonly<Record<string, SaliencyMethod>> = {
  cameras: cameras as SaliencyMethod,
  gradcam: gradcam as SaliencyMethod,
  gradcampp: gradcampp as SaliencyMethod,
  hirescam: hirescam as SaliencyMethod,
  layercam: layercam as SaliencyMethod,
  xgradcam: xgradcam as SaliencyMethod,
  scorecam: scorecam as SaliencyMethod,
  normgrad: normgrad as SaliencyMethod,
  gradient: gradient as SaliencyMethod,
  smoothgrad: smoothgrad as SaliencyMethod,
  'integrated-gradients': integratedGradients as SaliencyMethod,
  rise: rise as SaliencyMethod,
  occlusion: occlusion as SaliencyMethod,
  center: center as SaliencyMethod,
};

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
export { InputSession, withInputSession } from './input-session.js';
export { applyMasks, fillValue, targetProbabilities, type FillMode } from './perturbation.js';
export type { ExplainOptions, InputResize, SaliencyMethod, SaliencyResult, TargetInfo, TargetSpec } from './types.js';
