/**
 * The benchmark ResNet-50 as a tfjs-layers functional model with a dynamic input `[null, null, null, 3]`.
 *
 * Padding follows PyTorch exactly: convolutions with stride 2 (and the max-pool) get explicit
 * symmetric `ZeroPadding2D` and `valid` padding, because TF's `same` pads stride-2 layers
 * asymmetrically and would not match the ONNX export. Stride-1 3×3 convolutions use `same`, which is
 * symmetric there. Zero padding before the max-pool equals PyTorch's −∞ padding because the pool's
 * input is a ReLU output (≥ 0).
 *
 * Layer names: `conv1`, `maxpool`, `layerS.B.conv1|conv2|conv3|downsample.0|add`, and each block's
 * output ReLU is named by its module path `layerS.B`, except the last block of each stage, named
 * `layerS` (so `layer4` is the output of the last block, the usual CAM layer); then `avgpool`, `fc`.
 */
import * as tf from '../src/core/tf.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { makeResNetSpec, type ConvSpec, type ResNetConfig, type ResNetSpec } from './resnet-spec.js';

/** torchvision's ImageNet normalisation, as the library's {@link PreprocessSpec}. */
export const TORCH_PREPROCESS = {
  name: 'torch',
  scale: 255,
  mean: [0.485, 0.456, 0.406] as [number, number, number],
  std: [0.229, 0.224, 0.225] as [number, number, number],
  bgr: false,
};

type SymbolicTensor = tfl.SymbolicTensor;

/** Applies one spec'd convolution (and its fused ReLU), with PyTorch padding. */
function applyConv(x: SymbolicTensor, c: ConvSpec, weights: Map<string, [tf.Tensor, tf.Tensor]>): SymbolicTensor {
  let y = x;
  let padding: 'same' | 'valid' = 'valid';
  if (c.pad > 0) {
    if (c.stride === 1) padding = 'same';
    else y = tfl.layers.zeroPadding2d({ padding: c.pad, name: `${c.name}_pad` }).apply(y) as SymbolicTensor;
  }
  const layer = tfl.layers.conv2d({
    filters: c.outChannels,
    kernelSize: c.kernel,
    strides: c.stride,
    padding,
    activation: c.relu ? 'relu' : 'linear',
    useBias: true,
    name: c.name,
  });
  weights.set(c.name, [
    tf.tensor4d(c.weight, [c.kernel, c.kernel, c.inChannels, c.outChannels]),
    tf.tensor1d(c.bias),
  ]);
  return layer.apply(y) as SymbolicTensor;
}

/** Builds the tfjs-layers model of a spec (weights copied in; the spec can be dropped afterwards). */
export function buildResNetModel(spec: ResNetSpec, name = 'resnet'): tfl.LayersModel {
  const weights = new Map<string, [tf.Tensor, tf.Tensor]>();
  try {
    const input = tfl.input({ shape: [null, null, 3], name: 'input' });
    let x = applyConv(input, spec.stem, weights);
    x = tfl.layers.zeroPadding2d({ padding: 1, name: 'maxpool_pad' }).apply(x) as SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'maxpool' }).apply(x) as SymbolicTensor;
    for (const b of spec.blocks) {
      let y = applyConv(x, b.conv1, weights);
      y = applyConv(y, b.conv2, weights);
      y = applyConv(y, b.conv3, weights);
      const skip = b.downsample ? applyConv(x, b.downsample, weights) : x;
      const sum = tfl.layers.add({ name: `${b.name}.add` }).apply([y, skip]) as SymbolicTensor;
      x = tfl.layers.reLU({ name: b.lastInStage ? `layer${b.stage}` : b.name }).apply(sum) as SymbolicTensor;
    }
    x = tfl.layers.globalAveragePooling2d({ name: 'avgpool' }).apply(x) as SymbolicTensor;
    const fc = tfl.layers.dense({ units: spec.classes, name: 'fc' });
    weights.set('fc', [tf.tensor2d(spec.fcWeight, [spec.features, spec.classes]), tf.tensor1d(spec.fcBias)]);
    const logits = fc.apply(x) as SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: logits, name });
    for (const [layerName, [w, b]] of weights) model.getLayer(layerName).setWeights([w, b]);
    return model;
  } finally {
    for (const [w, b] of weights.values()) {
      w.dispose();
      b.dispose();
    }
  }
}

/** ResNet-50 (or another depth/width via `config`) with seeded He-normal weights, as a TF.js model. */
export function buildResNet50(config: ResNetConfig = {}): tfl.LayersModel {
  return buildResNetModel(makeResNetSpec(config), 'resnet50');
}
