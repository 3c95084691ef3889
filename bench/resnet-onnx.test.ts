import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '../src/core/tf.js';
import '@tensorflow/tfjs-backend-cpu';
import onnxProto from 'onnx-proto';
import { makeResNetSpec } from './resnet-spec.js';
import { buildResNetModel } from './resnet50.js';
import { resnetToOnnx, onnxBlockOutput } from './resnet-onnx.js';
import { onnxLogits, relativeMaxDiff } from '../scripts/make-resnet50-onnx.js';

describe('ResNet as ONNX', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('runs in onnxruntime-node with the TF.js logits, at odd sizes too (PyTorch padding)', async () => {
    const spec = makeResNetSpec({ blocks: [1, 2], width: 4, classes: 6, seed: 9 });
    const model = buildResNetModel(spec);
    const bytes = resnetToOnnx(spec);
    try {
      for (const [h, w] of [[32, 32], [37, 50]]) {
        const x = tf.randomNormal([1, h, w, 3], 0, 1, 'float32', h);
        const want = tf.tidy(() => model.predict(x) as tf.Tensor).dataSync();
        const nchw = tf.tidy(() => x.transpose([0, 3, 1, 2]).dataSync() as Float32Array);
        x.dispose();
        const got = await onnxLogits(bytes, nchw, [1, 3, h, w], 1);
        expect(got.length).toBe(6);
        expect(relativeMaxDiff(got, want)).toBeLessThan(1e-4);
      }
    } finally {
      model.dispose();
    }
  });

  it('names nodes like a torchvision export and declares dynamic H/W', () => {
    const spec = makeResNetSpec({ blocks: [1, 2], width: 4, classes: 6 });
    const m = onnxProto.onnx.ModelProto.decode(resnetToOnnx(spec));
    expect(Number(m.opsetImport[0].version)).toBe(13);
    const names = m.graph!.node!.map((n) => n.name);
    expect(names.slice(0, 3)).toEqual(['/conv1/Conv', '/relu/Relu', '/maxpool/MaxPool']);
    expect(names).toContain('/layer2/layer2.1/relu_2/Relu');
    expect(names).toContain('/layer1/layer1.0/downsample/downsample.0/Conv');
    expect(names.slice(-3)).toEqual(['/avgpool/GlobalAveragePool', '/Flatten', '/fc/Gemm']);
    const outs = m.graph!.node!.flatMap((n) => n.output);
    expect(outs).toContain(onnxBlockOutput(2, 1));
    const dims = m.graph!.input![0].type!.tensorType!.shape!.dim!;
    expect(dims.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 3, 'height', 'width']);
  });
});
