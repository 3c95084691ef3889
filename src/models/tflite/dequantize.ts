import { TfliteFormatError } from './flatbuffer.js';
import { TensorType, tensorTypeName, type TensorDef } from './schema.js';
import { halfToFloat } from '../../core/half.js';

/** Number of elements of a static shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function bytesPerElement(type: number): number {
  switch (type) {
    case TensorType.UINT8:
    case TensorType.INT8:
    case TensorType.BOOL:
      return 1;
    case TensorType.INT16:
    case TensorType.FLOAT16:
      return 2;
    case TensorType.INT32:
    case TensorType.FLOAT32:
      return 4;
    case TensorType.INT64:
      return 8;
    default:
      return 0;
  }
}

/** The stored integers or floats of a constant tensor, before any scale is applied. */
export function rawValues(t: TensorDef): Float64Array | Float32Array {
  if (!t.data) throw new TfliteFormatError(`tensor ${t.name} has no data`);
  if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new TfliteFormatError(`tensor ${t.name} has shape [${t.shape.join(', ')}]`);
  const n = sizeOf(t.shape);
  const width = bytesPerElement(t.type);
  if (width === 0) throw new Error(`TFLite tensor ${t.name}: constant of type ${tensorTypeName(t.type)} is not supported`);
  if (t.data.length < n * width) {
    throw new TfliteFormatError(`tensor ${t.name} holds ${t.data.length} bytes, its shape [${t.shape.join(', ')}] needs ${n * width}`);
  }
  const view = new DataView(t.data.buffer, t.data.byteOffset, n * width);
  const out = t.type === TensorType.FLOAT32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (t.type) {
      case TensorType.UINT8:
      case TensorType.BOOL:
        out[i] = view.getUint8(i);
        break;
      case TensorType.INT8:
        out[i] = view.getInt8(i);
        break;
      case TensorType.INT16:
        out[i] = view.getInt16(2 * i, true);
        break;
      case TensorType.FLOAT16:
        out[i] = halfToFloat(view.getUint16(2 * i, true));
        break;
      case TensorType.INT32:
        out[i] = view.getInt32(4 * i, true);
        break;
      case TensorType.FLOAT32:
        out[i] = view.getFloat32(4 * i, true);
        break;
      case TensorType.INT64:
        out[i] = Number(view.getBigInt64(8 * i, true));
        break;
    }
  }
  return out;
}

/**
 * Real values of a constant tensor: `scale[c] * (q - zeroPoint[c])`, with `c` the index along the
 * quantised axis (per-channel) or 0 (per-tensor). Float and unquantised integer constants pass through.
 */
export function dequantize(t: TensorDef): Float32Array {
  const raw = rawValues(t);
  const q = t.quant;
  const isFloat = t.type === TensorType.FLOAT32 || t.type === TensorType.FLOAT16;
  if (!q || isFloat) return raw instanceof Float32Array ? raw : Float32Array.from(raw);
  const channels = q.scale.length;
  const out = new Float32Array(raw.length);
  if (channels === 1) {
    const s = q.scale[0];
    const z = q.zeroPoint[0] ?? 0;
    for (let i = 0; i < raw.length; i++) out[i] = s * (raw[i] - z);
    return out;
  }
  const axis = q.axis;
  if (axis < 0 || axis >= t.shape.length || t.shape[axis] !== channels || q.zeroPoint.length !== channels) {
    throw new TfliteFormatError(`tensor ${t.name}: ${channels} per-channel scales do not fit axis ${axis} of [${t.shape.join(', ')}]`);
  }
  const inner = sizeOf(t.shape.slice(axis + 1));
  for (let i = 0; i < raw.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = q.scale[c] * (raw[i] - q.zeroPoint[c]);
  }
  return out;
}
