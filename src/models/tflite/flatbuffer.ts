import { ByteBuffer } from 'flatbuffers';

/** A `.tflite` file that cannot be read: truncated, corrupt, or not a TFLite flatbuffer. */
export class TfliteFormatError extends Error {
  constructor(message: string) {
    super(`Invalid TFLite model: ${message}`);
    this.name = 'TfliteFormatError';
  }
}

/**
 * A flatbuffer table read through `flatbuffers`' ByteBuffer with every offset bounds-checked.
 * The generated accessors trust the file: on garbage they read `undefined` bytes as zero or
 * loop over a vector length of billions. Checking each access turns that into a clear error.
 */
export class FbTable {
  private readonly vtable: number;
  private readonly vtableSize: number;

  /**
   * @param bb the whole file
   * @param pos absolute offset of the table
   * @param what table name, for error messages
   */
  constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
    readonly what: string,
  ) {
    checkRange(bb, pos, 4, what);
    this.vtable = pos - bb.readInt32(pos);
    checkRange(bb, this.vtable, 4, `${what} vtable`);
    this.vtableSize = bb.readUint16(this.vtable);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) throw new TfliteFormatError(`${what}: corrupt vtable`);
    checkRange(bb, this.vtable, this.vtableSize, `${what} vtable`);
  }

  /** Absolute offset of field `index` (schema declaration order; a union takes two), or 0 when absent. */
  field(index: number): number {
    const slot = 4 + 2 * index;
    if (slot + 2 > this.vtableSize) return 0;
    const rel = this.bb.readUint16(this.vtable + slot);
    return rel === 0 ? 0 : this.pos + rel;
  }

  private scalarAt(index: number, size: number): number {
    const at = this.field(index);
    if (at) checkRange(this.bb, at, size, `${this.what} field ${index}`);
    return at;
  }

  /** Signed 8-bit scalar (also enums declared `: byte`). */
  int8(index: number, fallback = 0): number {
    const at = this.scalarAt(index, 1);
    return at ? this.bb.readInt8(at) : fallback;
  }

  /** Unsigned 8-bit scalar (also bools and union type tags). */
  uint8(index: number, fallback = 0): number {
    const at = this.scalarAt(index, 1);
    return at ? this.bb.readUint8(at) : fallback;
  }

  /** Signed 32-bit scalar. */
  int32(index: number, fallback = 0): number {
    const at = this.scalarAt(index, 4);
    return at ? this.bb.readInt32(at) : fallback;
  }

  /** Unsigned 32-bit scalar. */
  uint32(index: number, fallback = 0): number {
    const at = this.scalarAt(index, 4);
    return at ? this.bb.readUint32(at) : fallback;
  }

  /** Unsigned 64-bit scalar as a number (exact below 2^53). */
  uint64(index: number, fallback = 0): number {
    const at = this.scalarAt(index, 8);
    return at ? Number(this.bb.readUint64(at)) : fallback;
  }

  /** 32-bit float scalar. */
  float32(index: number, fallback = 0): number {
    const at = this.scalarAt(index, 4);
    return at ? this.bb.readFloat32(at) : fallback;
  }

  /** Sub-table (or union value), or null when absent. */
  table(index: number, what: string): FbTable | null {
    const at = this.scalarAt(index, 4);
    if (!at) return null;
    return new FbTable(this.bb, at + this.bb.readUint32(at), what);
  }

  /** Start and length of a vector of `elemSize`-byte elements, or null when absent. */
  private vector(index: number, elemSize: number): { start: number; length: number } | null {
    const at = this.scalarAt(index, 4);
    if (!at) return null;
    const vec = at + this.bb.readUint32(at);
    checkRange(this.bb, vec, 4, `${this.what} field ${index}`);
    const length = this.bb.readUint32(vec);
    checkRange(this.bb, vec + 4, length * elemSize, `${this.what} field ${index} (${length} elements)`);
    return { start: vec + 4, length };
  }

  /** UTF-8 string, or null when absent. */
  string(index: number): string | null {
    const v = this.vector(index, 1);
    if (!v) return null;
    return new TextDecoder().decode(this.bb.bytes().subarray(v.start, v.start + v.length));
  }

  /** Vector of int32 (empty when absent). */
  int32s(index: number): number[] {
    const v = this.vector(index, 4);
    const out: number[] = [];
    if (v) for (let i = 0; i < v.length; i++) out.push(this.bb.readInt32(v.start + 4 * i));
    return out;
  }

  /** Vector of float32 (empty when absent). */
  float32s(index: number): number[] {
    const v = this.vector(index, 4);
    const out: number[] = [];
    if (v) for (let i = 0; i < v.length; i++) out.push(this.bb.readFloat32(v.start + 4 * i));
    return out;
  }

  /** Vector of int64 as numbers (empty when absent). */
  int64s(index: number): number[] {
    const v = this.vector(index, 8);
    const out: number[] = [];
    if (v) for (let i = 0; i < v.length; i++) out.push(Number(this.bb.readInt64(v.start + 8 * i)));
    return out;
  }

  /** Vector of bytes as a view into the file, or null when absent. */
  bytes(index: number): Uint8Array | null {
    const v = this.vector(index, 1);
    return v ? this.bb.bytes().subarray(v.start, v.start + v.length) : null;
  }

  /** Vector of tables (empty when absent). */
  tables(index: number, what: string): FbTable[] {
    const v = this.vector(index, 4);
    const out: FbTable[] = [];
    if (v) {
      for (let i = 0; i < v.length; i++) {
        const at = v.start + 4 * i;
        out.push(new FbTable(this.bb, at + this.bb.readUint32(at), `${what}[${i}]`));
      }
    }
    return out;
  }
}

function checkRange(bb: ByteBuffer, pos: number, size: number, what: string): void {
  if (!Number.isSafeInteger(pos) || !Number.isSafeInteger(size) || pos < 0 || size < 0 || pos + size > bb.capacity()) {
    throw new TfliteFormatError(`${what} lies outside the file (offset ${pos}, ${size} bytes, file ${bb.capacity()} bytes): truncated or corrupt`);
  }
}

/** The root table of a flatbuffer, after checking the size and the file identifier when present. */
export function rootTable(bytes: Uint8Array, identifier: string, what: string): FbTable {
  if (!(bytes instanceof Uint8Array)) throw new TfliteFormatError('expected the file contents as a Uint8Array');
  if (bytes.length < 8) throw new TfliteFormatError(`${bytes.length} bytes is too short for a flatbuffer`);
  const bb = new ByteBuffer(bytes);
  const id = String.fromCharCode(...bytes.subarray(4, 8));
  if (id !== identifier) {
    throw new TfliteFormatError(`file identifier is ${JSON.stringify(id)}, expected ${JSON.stringify(identifier)} (not a .tflite file?)`);
  }
  return new FbTable(bb, bb.readUint32(0), what);
}
