/**
 * NumPy `.npy` files (format described in NumPy's `numpy.lib.format` documentation): the magic
 * string `\x93NUMPY`, a version, a little-endian header length, a Python-literal header dict, then
 * the raw array. We write version 1.0, `<f4`, C order, header padded with spaces and ended by a
 * newline so that the data starts on a 64-byte boundary, which `numpy.load` reads directly.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function checkShape(shape: readonly number[], length: number): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`npy: shape must be non-negative integers, got [${shape}]`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== length) throw new RangeError(`npy: shape [${shape}] has ${size} elements but the data has ${length}`);
}

function pythonTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Encode a float32 array as a `.npy` file (`<f4`, C order, format 1.0). */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  if (!(data instanceof Float32Array)) throw new TypeError('npy: data must be a Float32Array');
  checkShape(shape, data.length);
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${pythonTuple(shape)}, }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  if (header.length > 0xffff) throw new RangeError('npy: header too long for format 1.0');
  const offset = MAGIC.length + 4 + header.length;
  const out = new Uint8Array(offset + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const dv = new DataView(out.buffer, offset);
  for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i], true);
  return out;
}

/** A decoded `.npy` array. */
export interface NpyArray {
  readonly data: Float32Array | Float64Array | Int32Array | Uint8Array;
  readonly shape: number[];
  /** The dtype string as written, e.g. `<f4`. */
  readonly descr: string;
}

const DTYPES: Record<string, { size: number; read: (dv: DataView, o: number, le: boolean) => number; make: (n: number) => NpyArray['data'] }> = {
  f4: { size: 4, read: (dv, o, le) => dv.getFloat32(o, le), make: (n) => new Float32Array(n) },
  f8: { size: 8, read: (dv, o, le) => dv.getFloat64(o, le), make: (n) => new Float64Array(n) },
  i4: { size: 4, read: (dv, o, le) => dv.getInt32(o, le), make: (n) => new Int32Array(n) },
  u1: { size: 1, read: (dv, o) => dv.getUint8(o), make: (n) => new Uint8Array(n) },
};

/**
 * Decode a `.npy` file (versions 1.0–3.0; float32/float64/int32/uint8, either byte order, C order).
 * Meant for tests and tools that read our own output back; throws on anything else.
 */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) throw new Error('npy: not a .npy file (bad magic)');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error('npy: truncated header');
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw new Error(`npy: unsupported format version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) throw new Error('npy: truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`npy: cannot parse header ${JSON.stringify(header)}`);
  if (fortran === 'True') throw new Error('npy: Fortran-order arrays are not supported');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`npy: bad shape (${shapeText})`);
  const order = descr[0];
  const dtype = DTYPES[descr.slice(1)];
  if (!dtype || !'<>|='.includes(order)) throw new Error(`npy: unsupported dtype ${descr}`);
  const n = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  if (offset + n * dtype.size > bytes.length) throw new Error(`npy: data truncated (${bytes.length - offset} of ${n * dtype.size} bytes)`);
  const data = dtype.make(n);
  const le = order !== '>';
  for (let i = 0; i < n; i++) data[i] = dtype.read(dv, offset + i * dtype.size, le);
  return { data, shape, descr };
}
