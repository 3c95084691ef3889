import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from './npy.js';

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

describe('encodeNpy', () => {
  it('writes the format 1.0 header NumPy expects, padded to 64 bytes, then little-endian float32', () => {
    const data = new Float32Array([1, -2.5, 3.25, 0, Number.NaN, Number.POSITIVE_INFINITY]);
    const bytes = encodeNpy(data, [2, 3]);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLen = bytes[8] | (bytes[9] << 8);
    expect((10 + headerLen) % 64).toBe(0);
    const header = latin1(bytes.subarray(10, 10 + headerLen));
    expect(header.endsWith('\n')).toBe(true);
    expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    expect(header.slice(0, -1)).toMatch(/^[^\n]* *$/);
    expect(bytes.length).toBe(10 + headerLen + 24);
    const dv = new DataView(bytes.buffer, bytes.byteOffset + 10 + headerLen);
    expect(dv.getFloat32(4, true)).toBe(-2.5);
    expect(dv.getFloat32(8, true)).toBe(3.25);
    expect(Number.isNaN(dv.getFloat32(16, true))).toBe(true);
  });

  it('writes 1-D shapes as a one-element tuple and 0-D as ()', () => {
    const header = (b: Uint8Array): string => latin1(b.subarray(10, 10 + (b[8] | (b[9] << 8)))).trimEnd();
    expect(header(encodeNpy(new Float32Array(5), [5]))).toContain("'shape': (5,)");
    expect(header(encodeNpy(new Float32Array([7]), []))).toContain("'shape': ()");
  });

  it('round-trips through decodeNpy', () => {
    for (const shape of [[], [4], [2, 3], [1, 2, 2, 2], [0, 3]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1e3);
      const back = decodeNpy(encodeNpy(data, shape));
      expect(back.shape).toEqual(shape);
      expect(back.descr).toBe('<f4');
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => encodeNpy(new Float32Array(6), [4, 2])).toThrow(/has 8 elements but the data has 6/);
    expect(() => encodeNpy(new Float32Array(6), [-2, -3])).toThrow(/non-negative/);
    expect(() => encodeNpy(new Float32Array(6), [2.5, 2])).toThrow(/non-negative integers/);
    expect(() => encodeNpy([1, 2] as unknown as Float32Array, [2])).toThrow(/Float32Array/);
  });
});

describe('decodeNpy', () => {
  /** A .npy file written by hand, as NumPy lays it out. */
  function handMade(descr: string, shape: string, payload: number[], version = 1): Uint8Array {
    let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
    const pre = version === 1 ? 10 : 12;
    header += ' '.repeat((64 - ((pre + header.length + 1) % 64)) % 64) + '\n';
    const out = new Uint8Array(pre + header.length + payload.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
    new DataView(out.buffer).setUint16(8, header.length, true);
    for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
    out.set(payload, pre + header.length);
    return out;
  }

  it('reads float64, big-endian float32 and version 2.0 files', () => {
    const f8 = new Uint8Array(new Float64Array([0.1, -7]).buffer);
    expect(Array.from(decodeNpy(handMade('<f8', '(2,)', Array.from(f8))).data)).toEqual([0.1, -7]);
    // 1.5 as big-endian float32 is 3f c0 00 00.
    expect(Array.from(decodeNpy(handMade('>f4', '(1,)', [0x3f, 0xc0, 0, 0])).data)).toEqual([1.5]);
    expect(Array.from(decodeNpy(handMade('|u1', '(3,)', [1, 2, 255], 2)).data)).toEqual([1, 2, 255]);
  });

  it('rejects bad magic, truncated data, Fortran order and unknown dtypes', () => {
    expect(() => decodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).toThrow(/bad magic/);
    const good = encodeNpy(new Float32Array(4), [4]);
    expect(() => decodeNpy(good.subarray(0, good.length - 1))).toThrow(/truncated/);
    expect(() => decodeNpy(good.subarray(0, 30))).toThrow(/truncated header/);
    const fortran = handMade('<f4', '(1,)', [0, 0, 0, 0]);
    const text = latin1(fortran).replace('False', 'True ');
    expect(() => decodeNpy(Uint8Array.from(text, (c) => c.charCodeAt(0)))).toThrow(/Fortran/);
    expect(() => decodeNpy(handMade('<c8', '(1,)', new Array(8).fill(0)))).toThrow(/unsupported dtype/);
  });
});
