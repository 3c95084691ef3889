/** The methods the page offers before the worker lists the registry, and how it names them. */
import type { MethodName } from './protocol.js';

/**
 * The methods whose panels the page has from the start, in the order they run: the one-pass map
 * first, so that it shows while CAMERAS still computes. The worker adds the rest of the library's
 * registry (see `listMethods`), which run after these in the registry's order.
 */
export const FIXED_METHODS: readonly MethodName[] = ['gradcam', 'cameras'];
/** Display names; a method missing here is shown by its registry (CLI) name. */
export const METHOD_TITLE: Readonly<Record<string, string>> = {
  cameras: 'CAMERAS',
  gradcam: 'Grad-CAM',
  gradcampp: 'Grad-CAM++',
  hirescam: 'HiResCAM',
  layercam: 'LayerCAM',
  xgradcam: 'XGrad-CAM',
  scorecam: 'Score-CAM',
  normgrad: 'NormGrad',
  gradient: 'Gradient',
  smoothgrad: 'SmoothGrad',
  'integrated-gradients': 'Integrated Gradients',
  rise: 'RISE',
  occlusion: 'Occlusion',
  center: 'Center (baseline)',
};

/** A method's display name. */
export function title(method: MethodName): string {
  return METHOD_TITLE[method] ?? method;
}
