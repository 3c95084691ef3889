/**
 * Evaluation metrics: pointing game (TorchRay protocol), map densities ρ±, insertion/deletion
 * AUC, map similarities for sanity checks, and run summaries. Isomorphic (no Node built-ins).
 */
export { resizeMapBilinear } from './resize-map.js';
export type { PixelBox, PolygonRegion, RleRegion, Region } from './ground-truth.js';
export { cocoBoxToPixels, decodeCocoRleString, regionsToMask, vocBoxToPixels } from './ground-truth.js';
export { VOC_CLASSES } from './voc-classes.js';
export { VOC_TO_IMAGENET } from './voc-imagenet.js';
export type { ClassMap } from './class-targets.js';
export { bestCandidate, findLabel, matchClasses } from './class-targets.js';
export type { ClassTruth, Point, PointingOutcome, PointingResult } from './pointing-game.js';
export { argmaxPoint, centerPoint, POINTING_TOLERANCE, pointingHit, pointingSplits, scoreMap, scorePoint } from './pointing-game.js';
export type { ClassAccuracy, ClassMeanMode, PointingSplit, PointingSummary } from './pointing-tally.js';
export { PointingGameTally } from './pointing-tally.js';
export type { ProbabilityFn } from './pixels.js';
export { maskImage, toFloatRgb } from './pixels.js';
export type { DensityResult } from './density.js';
export { mapDensity } from './density.js';
export { gaussianBlur, gaussianKernel, RISE_BLUR } from './blur.js';
export type { BatchedCurveOptions, BatchProbabilityFn, CurveOptions, CurveResult } from './insertion-deletion.js';
export { batchedInsertionDeletion, curveKey, deletionCurve, insertionCurve, insertionDeletion, insertionDeletionOfMaps, saliencyOrder, trapezoidAuc } from './insertion-deletion.js';
export type { HogOptions, SsimOptions } from './similarity.js';
export { averageRanks, hogDescriptor, hogSimilarity, pearson, spearman, ssim } from './similarity.js';
export type { ColumnSpec, MetricSummary } from './summary.js';
export { makeSummary, MeanTally, pointingResults, SUMMARY_COLUMNS, summaryJson, summaryMarkdown } from './summary.js';
export { maskEnergy } from './mask-energy.js';
