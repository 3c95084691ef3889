/**
 * The 20 PASCAL VOC class names in the devkit's (alphabetical) order. The columns of TorchRay's
 * `pointing_game_ebp_voc07_difficult.txt` and every VOC class index in this package follow it.
 */
export const VOC_CLASSES: readonly string[] = Object.freeze([
  'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
  'tvmonitor',
]);
