import type { SaliencyMethod } from './types.js';
import { cameras } from './cameras.js';
import { gradcam } from './gradcam.js';

/**
 * Every method by its CLI name. Each takes the same `(model, input, options)` and ignores options
 * it does not use.
 */
export const METHODS: Readonly<Record<string, SaliencyMethod>> = {
  cameras: cameras as SaliencyMethod,
  gradcam: gradcam as SaliencyMethod,
};

/** Looks a method up by name; throws listing the known ones. */
export function getMethod(name: string): SaliencyMethod {
  const m = METHODS[name];
  if (!m) throw new Error(`unknown method "${name}" (known: ${Object.keys(METHODS).join(', ')})`);
  return m;
}

export { cameras, camerasSizes, type CamerasOptions } from './cameras.js';
export { gradcam, type GradcamOptions } from './gradcam.js';
export type { ExplainOptions, InputResize, SaliencyMethod, SaliencyResult, TargetInfo, TargetSpec } from './types.js';
