import type { ClassMap } from './class-targets.js';

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/**
 * An approximate class map from the 20 PASCAL VOC classes to ImageNet-1k label indices in the
 * **standard** (PyTorch/Keras, synset-sorted) order, for running the pointing game on VOC with an
 * ImageNet classifier that was never trained on VOC (the paper's models were fine-tuned on VOC by
 * TorchRay; none such is available here). The target of a VOC class is whichever listed ImageNet
 * class the model scores highest. Our own choice, based on the label names:
 * ImageNet has no "person" class, so `person` uses ballplayer, groom and scuba diver, a weak proxy;
 * `pottedplant` is "pot, flowerpot", `sofa` "studio couch", `cow` ox and water buffalo.
 * For models in another label order, translate the indices by label name.
 */
export const VOC_TO_IMAGENET: ClassMap = Object.freeze({
  aeroplane: [404, 895],
  bicycle: [444, 671],
  bird: [...range(7, 24), ...range(80, 100), ...range(127, 146)],
  boat: [472, 484, 510, 554, 576, 625, 628, 724, 780, 814, 833, 871, 914],
  bottle: [440, 720, 737, 898, 907],
  bus: [654, 779, 874],
  car: [436, 468, 511, 609, 627, 656, 661, 717, 751, 817],
  cat: range(281, 285),
  chair: [423, 559, 765, 857],
  cow: [345, 346],
  diningtable: [532],
  dog: range(151, 268),
  horse: [339, 603],
  motorbike: [665, 670],
  person: [981, 982, 983],
  pottedplant: [738],
  sheep: [348, 349],
  sofa: [831],
  train: [466, 547, 565, 705, 820, 829],
  tvmonitor: [664, 782, 851],
});
