/**
 * Writes a {@link ResNetSpec} as an ONNX model laid out like `torch.onnx.export` of a torchvision
 * ResNet in eval mode (BN folded into the convolutions): opset 13, NCHW, input `input`
 * `[batch, 3, height, width]` with dynamic batch/height/width, output `logits` `[batch, classes]`,
 * node names such as `/layer4/layer4.2/relu_2/Relu` and tensors named `<node>_output_0`.
 */
import onnxProto from 'onnx-proto';
import type { ConvSpec, ResNetSpec } from './resnet-spec.js';

const onnx = onnxProto.onnx;
type INode = onnxProto.onnx.INodeProto;
type ITensor = onnxProto.onnx.ITensorProto;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const AttrType = onnx.AttributeProto.AttributeType;

/** Name of the ONNX tensor that holds a block's (or the stem's) output, for `--layer`. */
export function onnxBlockOutput(stage: number, block: number): string {
  return `/layer${stage}/layer${stage}.${block}/relu_2/Relu_output_0`;
}

function floatTensor(name: string, dims: number[], data: Float32Array): ITensor {
  return {
    name,
    dataType: FLOAT,
    dims,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
}

/** HWIO `[k, k, in, out]` → OIHW `[out, in, k, k]`. */
function toOihw(c: ConvSpec): Float32Array {
  const { kernel: k, inChannels: ci, outChannels: co, weight } = c;
  const out = new Float32Array(weight.length);
  for (let y = 0; y < k; y++)
    for (let x = 0; x < k; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * k + y) * k + x] = weight[((y * k + x) * ci + i) * co + o];
  return out;
}

/** Encodes the spec as ONNX bytes. */
export function resnetToOnnx(spec: ResNetSpec): Uint8Array {
  const nodes: INode[] = [];
  const inits: ITensor[] = [];
  const ints = (name: string, v: number[]) => ({ name, type: AttrType.INTS, ints: v });
  const node = (op: string, name: string, inputs: string[], attrs: onnxProto.onnx.IAttributeProto[] = []): string => {
    const output = `${name}_output_0`;
    nodes.push({ opType: op, name, input: inputs, output: [output], attribute: attrs });
    return output;
  };
  /** `scope` is the module path as torch.onnx prints it, e.g. `/layer1/layer1.0/conv1`. */
  const conv = (x: string, c: ConvSpec, scope: string): string => {
    inits.push(floatTensor(`${c.name}.weight`, [c.outChannels, c.inChannels, c.kernel, c.kernel], toOihw(c)));
    inits.push(floatTensor(`${c.name}.bias`, [c.outChannels], c.bias));
    return node('Conv', `${scope}/Conv`, [x, `${c.name}.weight`, `${c.name}.bias`], [
      ints('dilations', [1, 1]),
      { name: 'group', type: AttrType.INT, i: 1 },
      ints('kernel_shape', [c.kernel, c.kernel]),
      ints('pads', [c.pad, c.pad, c.pad, c.pad]),
      ints('strides', [c.stride, c.stride]),
    ]);
  };
  let x = conv('input', spec.stem, '/conv1');
  x = node('Relu', '/relu/Relu', [x]);
  x = node('MaxPool', '/maxpool/MaxPool', [x], [
    { name: 'ceil_mode', type: AttrType.INT, i: 0 },
    ints('dilations', [1, 1]),
    ints('kernel_shape', [3, 3]),
    ints('pads', [1, 1, 1, 1]),
    ints('strides', [2, 2]),
  ]);
  for (const b of spec.blocks) {
    const scope = `/layer${b.stage}/${b.name}`;
    let y = conv(x, b.conv1, `${scope}/conv1`);
    y = node('Relu', `${scope}/relu/Relu`, [y]);
    y = conv(y, b.conv2, `${scope}/conv2`);
    y = node('Relu', `${scope}/relu_1/Relu`, [y]);
    y = conv(y, b.conv3, `${scope}/conv3`);
    const skip = b.downsample ? conv(x, b.downsample, `${scope}/downsample/downsample.0`) : x;
    const sum = node('Add', `${scope}/Add`, [y, skip]);
    x = node('Relu', `${scope}/relu_2/Relu`, [sum]);
  }
  x = node('GlobalAveragePool', '/avgpool/GlobalAveragePool', [x]);
  x = node('Flatten', '/Flatten', [x], [{ name: 'axis', type: AttrType.INT, i: 1 }]);
  // torch.nn.Linear exports as Gemm with B = weight [out, in] and transB = 1.
  const fcT = new Float32Array(spec.fcWeight.length);
  for (let i = 0; i < spec.features; i++)
    for (let o = 0; o < spec.classes; o++) fcT[o * spec.features + i] = spec.fcWeight[i * spec.classes + o];
  inits.push(floatTensor('fc.weight', [spec.classes, spec.features], fcT));
  inits.push(floatTensor('fc.bias', [spec.classes], spec.fcBias));
  nodes.push({
    opType: 'Gemm',
    name: '/fc/Gemm',
    input: [x, 'fc.weight', 'fc.bias'],
    output: ['logits'],
    attribute: [
      { name: 'alpha', type: AttrType.FLOAT, f: 1 },
      { name: 'beta', type: AttrType.FLOAT, f: 1 },
      { name: 'transB', type: AttrType.INT, i: 1 },
    ],
  });
  const dim = (d: number | string) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
  const valueInfo = (name: string, dims: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map(dim) } } },
  });
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'cameras-bench',
    producerVersion: '1',
    docString: `ResNet (blocks [${spec.config.blocks.join(', ')}], width ${spec.config.width}) with seeded random weights (seed ${spec.config.seed}), BN folded; for benchmarks only`,
    graph: {
      name: 'main_graph',
      node: nodes,
      initializer: inits,
      input: [valueInfo('input', ['batch', 3, 'height', 'width'])],
      output: [valueInfo('logits', ['batch', spec.classes])],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
