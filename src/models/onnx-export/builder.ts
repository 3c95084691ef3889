/**
 * A small writer of in-memory ONNX models, used to hand the forward pass of a TF.js layers or
 * TFLite model to onnxruntime. Every graph it writes takes one NHWC float image `input`
 * `[N, H, W, C]` (dynamic N, H, W) and computes internally in ONNX's NCHW layout; 4-D outputs are
 * transposed back to NHWC so that callers see the same layout as the TF.js import.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const AttrType = onnx.AttributeProto.AttributeType;

/** An attribute value, tagged because ONNX distinguishes ints from floats. */
export type Attr = { readonly int: number } | { readonly float: number } | { readonly ints: readonly number[] } | { readonly str: string };

/** Thrown for a layer or operator the exporter cannot write; the caller falls back to TF.js. */
export class OnnxExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxExportError';
  }
}

/** Name of the graph input of every exported model. */
export const EXPORT_INPUT = 'input';
/** Opset of exported models: HardSwish needs 14; ReduceMean still takes `axes` as an attribute. */
export const EXPORT_OPSET = 14;

/** Builds one ONNX graph node by node. */
export class OnnxGraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inits: onnxProto.onnx.ITensorProto[] = [];
  private counter = 0;

  /** A fresh tensor name. */
  private fresh(hint: string): string {
    return `${hint.replace(/[^\w./-]/g, '_')}__${this.counter++}`;
  }

  /** A float32 initializer. */
  floats(hint: string, data: Float32Array, dims: readonly number[]): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`internal: initializer ${hint} of shape [${dims}] with ${data.length} values`);
    const name = this.fresh(hint);
    const bytes = new Uint8Array(data.byteLength);
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.inits.push({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims: [...dims], rawData: bytes });
    return name;
  }

  /** A 1-D int64 initializer (shapes, pads, axes). */
  int64s(hint: string, values: readonly number[]): string {
    const name = this.fresh(hint);
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.inits.push({ name, dataType: onnx.TensorProto.DataType.INT64, dims: [values.length], rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** Appends a node with one output and returns the output's name. */
  node(op: string, inputs: readonly string[], attrs: Readonly<Record<string, Attr>> = {}, hint = op): string {
    const output = this.fresh(hint);
    const attribute = Object.entries(attrs).map(([name, a]): onnxProto.onnx.IAttributeProto => {
      if ('int' in a) return { name, type: AttrType.INT, i: a.int };
      if ('float' in a) return { name, type: AttrType.FLOAT, f: a.float };
      if ('ints' in a) return { name, type: AttrType.INTS, ints: [...a.ints] };
      return { name, type: AttrType.STRING, s: new TextEncoder().encode(a.str) };
    });
    this.nodes.push({ opType: op, name: output, input: [...inputs], output: [output], attribute });
    return output;
  }

  /** NHWC → NCHW. */
  toNchw(x: string): string {
    return this.node('Transpose', [x], { perm: { ints: [0, 3, 1, 2] } });
  }

  /** NCHW → NHWC. */
  toNhwc(x: string): string {
    return this.node('Transpose', [x], { perm: { ints: [0, 2, 3, 1] } });
  }

  /**
   * The model: input `input` NHWC with `channels` channels; `outputs` become graph outputs
   * `out0`, `out1`, … in order, 4-D ones (`nchw: true`) transposed back to NHWC.
   */
  finish(channels: number, outputs: readonly { name: string; nchw: boolean }[]): Uint8Array {
    const graphOutputs = outputs.map((o, i) => {
      const name = `out${i}`;
      const src = o.nchw ? this.toNhwc(o.name) : o.name;
      this.nodes.push({ opType: 'Identity', name: `${name}_identity`, input: [src], output: [name] });
      return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } };
    });
    const dims = [{ dimParam: 'N' }, { dimParam: 'H' }, { dimParam: 'W' }, { dimValue: channels }];
    const model: onnxProto.onnx.IModelProto = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: EXPORT_OPSET }],
      producerName: 'cameras',
      graph: {
        name: 'head',
        node: this.nodes,
        initializer: this.inits,
        input: [{ name: EXPORT_INPUT, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims } } } }],
        output: graphOutputs,
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}
