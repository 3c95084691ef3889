/**
 * The ten object classes of the synthetic scenes, indexed like the embedded model's logits.
 * Eight are told apart by outline (their fill is plain), two by their fill pattern (their outline is
 * a random ellipse or rectangle), so colour never decides and the classifier must look at the object.
 */
export const SCENE_LABELS = [
  'circle',
  'square',
  'triangle',
  'star',
  'cross',
  'ring',
  'hexagon',
  'heart',
  'stripes',
  'checker',
] as const;

/** One of {@link SCENE_LABELS}. */
export type SceneLabel = (typeof SCENE_LABELS)[number];
