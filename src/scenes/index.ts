/** Synthetic scenes with exact object masks: the data of the embedded model and the ground-truth benchmark. */
export { generateScene, type Scene, type SceneObject, type SceneOptions } from './generator.js';
export { SCENE_LABELS, type SceneLabel } from './labels.js';
export { createRng, type Rng } from './rng.js';
export { maskToCocoRle, scenesToCoco, type CocoDataset } from './coco.js';
export { benchmarkScenes, SCENE_BENCHMARK_SEED, type SceneBenchmarkOptions, type SceneBenchmarkScores } from './benchmark.js';
