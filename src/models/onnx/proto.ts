/**
 * ONNX protobuf access: decoding a model and turning its tensors and attributes into plain values.
 * The schema comes from `onnx-proto` (the official `onnx.proto`, compiled with protobufjs).
 */
import onnxProto from 'onnx-proto';
import type { ConstValue } from './values.js';
import { halfToFloat } from '../../core/half.js';

/** The generated protobuf namespace (`onnx.ModelProto`, `onnx.TensorProto`, ...). */
export const onnx = onnxProto.onnx;
/** A decoded ONNX model. */
export type ModelProto = onnxProto.onnx.ModelProto;
/** A decoded ONNX graph. */
export type GraphProto = onnxProto.onnx.IGraphProto;

/** protobufjs gives 64-bit integers as numbers, `Long` objects or strings depending on the setup. */
type IntLike = number | string | { toNumber(): number } | null | undefined;

/** A 64-bit protobuf integer as a JS number (values beyond 2^53 lose precision, which only ever
 * affects "infinity" sentinels such as INT64_MAX in Slice ends). */
export function toNum(v: IntLike): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return v.toNumber();
}

/** Decodes model bytes; throws a readable error for something that is not an ONNX model. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`not an ONNX model: protobuf decoding failed (${(e as Error).message})`);
  }
  if (!model.graph || !model.graph.node || model.graph.node.length === 0) {
    throw new Error('not an ONNX model: it has no graph nodes');
  }
  return model;
}

/** ONNX TensorProto.DataType codes used here. */
export const DT = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

/** Copies raw little-endian bytes into an aligned buffer (protobuf slices are often unaligned). */
function aligned(raw: Uint8Array): ArrayBuffer {
  const buf = new ArrayBuffer(raw.byteLength);
  new Uint8Array(buf).set(raw);
  return buf;
}

/**
 * A TensorProto as a constant: floats of any width become float32, integers and booleans
 * become `int64`/`bool` values held as doubles (exact up to 2^53).
 */
export function tensorFromProto(t: onnxProto.onnx.ITensorProto, what = t.name ?? ''): ConstValue {
  const shape = (t.dims ?? []).map(toNum);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`ONNX tensor "${what}" has invalid dims [${shape.join(', ')}]`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dt = t.dataType ?? 0;
  const raw = t.rawData && t.rawData.byteLength > 0 ? t.rawData : undefined;
  // Check the stored length before allocating anything sized by the (untrusted) dims.
  const width = ELEMENT_BYTES[dt];
  if (raw && width !== undefined && raw.byteLength !== count * width) {
    throw new Error(`ONNX tensor "${what}" has ${raw.byteLength} bytes of data for ${count} elements of ${width} bytes`);
  }
  if (!raw) {
    const stored = [t.floatData, t.doubleData, t.int32Data, t.int64Data, t.uint64Data].reduce((n, a) => n + (a?.length ?? 0), 0);
    if (stored !== count) throw new Error(`ONNX tensor "${what}" holds ${stored} values for ${count} elements`);
  }
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0)) {
    throw new Error(`ONNX tensor "${what}" stores its data in an external file, which is not supported (save the model with all tensors inside)`);
  }
  const ints = (): Float64Array => {
    const out = new Float64Array(count);
    if (raw) {
      const dv = new DataView(aligned(raw));
      for (let i = 0; i < count; i++) {
        switch (dt) {
          case DT.INT64: out[i] = Number(dv.getBigInt64(i * 8, true)); break;
          case DT.UINT64: out[i] = Number(dv.getBigUint64(i * 8, true)); break;
          case DT.INT32: out[i] = dv.getInt32(i * 4, true); break;
          case DT.UINT32: out[i] = dv.getUint32(i * 4, true); break;
          case DT.INT16: out[i] = dv.getInt16(i * 2, true); break;
          case DT.UINT16: out[i] = dv.getUint16(i * 2, true); break;
          case DT.INT8: out[i] = dv.getInt8(i); break;
          default: out[i] = dv.getUint8(i); // UINT8, BOOL
        }
      }
    } else {
      const src: IntLike[] =
        dt === DT.INT64 ? (t.int64Data ?? []) : dt === DT.UINT64 ? (t.uint64Data ?? []) : (t.int32Data ?? []);
      for (let i = 0; i < count && i < src.length; i++) out[i] = toNum(src[i]);
    }
    return out;
  };
  switch (dt) {
    case DT.FLOAT: {
      const data = raw ? new Float32Array(aligned(raw), 0, count) : Float32Array.from(t.floatData ?? []);
      return { kind: 'const', dtype: 'float32', shape, data: checkFinite(checkCount(data, count, what), what) };
    }
    case DT.DOUBLE: {
      const src = raw ? new Float64Array(aligned(raw), 0, count) : Float64Array.from(t.doubleData ?? []);
      return { kind: 'const', dtype: 'float32', shape, data: checkCount(Float32Array.from(src), count, what) };
    }
    case DT.FLOAT16:
    case DT.BFLOAT16: {
      const bits = raw ? new Uint16Array(aligned(raw), 0, count) : Uint16Array.from((t.int32Data ?? []).map(Number));
      const data = new Float32Array(count);
      const f32 = new Float32Array(1);
      const u32 = new Uint32Array(f32.buffer);
      for (let i = 0; i < count; i++) {
        if (dt === DT.FLOAT16) data[i] = halfToFloat(bits[i]);
        else {
          u32[0] = bits[i] << 16;
          data[i] = f32[0];
        }
      }
      return { kind: 'const', dtype: 'float32', shape, data: checkCount(data, count, what) };
    }
    case DT.BOOL:
      return { kind: 'const', dtype: 'bool', shape, data: checkCount(ints(), count, what) };
    case DT.INT64:
    case DT.INT32:
    case DT.INT16:
    case DT.INT8:
    case DT.UINT8:
    case DT.UINT16:
    case DT.UINT32:
    case DT.UINT64:
      return { kind: 'const', dtype: 'int64', shape, data: checkCount(ints(), count, what) };
    default:
      throw new Error(`ONNX tensor "${what}" has data type ${dt}, which is not supported`);
  }
}

/** Bytes per element of the raw data of each supported type. */
const ELEMENT_BYTES: Record<number, number> = {
  [DT.FLOAT]: 4,
  [DT.DOUBLE]: 8,
  [DT.FLOAT16]: 2,
  [DT.BFLOAT16]: 2,
  [DT.BOOL]: 1,
  [DT.INT64]: 8,
  [DT.UINT64]: 8,
  [DT.INT32]: 4,
  [DT.UINT32]: 4,
  [DT.INT16]: 2,
  [DT.UINT16]: 2,
  [DT.INT8]: 1,
  [DT.UINT8]: 1,
};

/**
 * Refuses NaN anywhere and ±Inf in tensors of more than one element: weights like that turn every
 * map into NaN. (A scalar ±Inf can be a legitimate bound, e.g. of Clip.)
 */
function checkFinite(data: Float32Array, what: string): Float32Array {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v) || (data.length > 1 && !Number.isFinite(v))) throw new Error(`ONNX tensor "${what}" contains NaN or Inf`);
  }
  return data;
}

function checkCount<T extends Float32Array | Float64Array>(data: T, count: number, what: string): T {
  if (data.length !== count) throw new Error(`ONNX tensor "${what}" holds ${data.length} values for ${count} elements`);
  return data;
}

/** A node attribute, decoded. */
export interface Attr {
  readonly f?: number;
  readonly i?: number;
  readonly s?: string;
  readonly t?: ConstValue;
  readonly floats?: readonly number[];
  readonly ints?: readonly number[];
  readonly strings?: readonly string[];
}

const utf8 = new TextDecoder();

/** Decodes a node's attributes by their declared type. */
export function decodeAttributes(attrs: readonly onnxProto.onnx.IAttributeProto[], nodeName: string): Map<string, Attr> {
  const out = new Map<string, Attr>();
  for (const a of attrs) {
    const name = a.name ?? '';
    switch (a.type) {
      case 1: out.set(name, { f: a.f ?? 0 }); break;
      case 2: out.set(name, { i: toNum(a.i) }); break;
      case 3: out.set(name, { s: utf8.decode(a.s ?? new Uint8Array()) }); break;
      case 4: out.set(name, { t: tensorFromProto(a.t ?? {}, `${nodeName}.${name}`) }); break;
      case 6: out.set(name, { floats: a.floats ?? [] }); break;
      case 7: out.set(name, { ints: (a.ints ?? []).map(toNum) }); break;
      case 8: out.set(name, { strings: (a.strings ?? []).map((s) => utf8.decode(s)) }); break;
      default: out.set(name, {}); // graphs, sparse tensors: no op handled here reads them
    }
  }
  return out;
}
