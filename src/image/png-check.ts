/**
 * A structural check of PNG files before decoding: libvips decodes PNGs whose compressed data has
 * been damaged (it ignores checksum errors) and returns garbage pixels silently. Walking the chunk
 * list and checking the CRC-32 of the critical chunks (IHDR, PLTE, IDAT, IEND) catches damaged and
 * cut files for the price of one pass over the bytes. Ancillary chunks with a bad CRC are ignored,
 * as libpng does by default.
 */

/** Outcome of {@link checkPng}. */
export type PngCheck =
  | { readonly ok: true; readonly width: number; readonly height: number }
  | { readonly ok: false; readonly code: 'truncated' | 'corrupt'; readonly reason: string };

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC-32 (ISO-HDLC, as in PNG and zlib) of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = crcTable();
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const CRITICAL = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);

/** Check a PNG's chunk structure; on success also return the size IHDR declares. */
export function checkPng(bytes: Uint8Array): PngCheck {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  let width = 0;
  let height = 0;
  let sawIdat = false;
  for (let index = 0; ; index++) {
    if (p + 8 > bytes.length) return { ok: false, code: 'truncated', reason: `PNG: file ends at byte ${bytes.length} before the IEND chunk` };
    const length = dv.getUint32(p);
    const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
    if (!/^[A-Za-z]{4}$/.test(type) || length > 0x7fffffff) {
      return { ok: false, code: 'corrupt', reason: `PNG: invalid chunk header at byte ${p}` };
    }
    if (index === 0 && (type !== 'IHDR' || length !== 13)) return { ok: false, code: 'corrupt', reason: 'PNG: first chunk is not a valid IHDR' };
    const end = p + 8 + length;
    if (end + 4 > bytes.length) return { ok: false, code: 'truncated', reason: `PNG: file ends inside the ${type} chunk at byte ${p}` };
    if (CRITICAL.has(type) && crc32(bytes, p + 4, end) !== dv.getUint32(end)) {
      return { ok: false, code: 'corrupt', reason: `PNG: checksum mismatch in the ${type} chunk at byte ${p}` };
    }
    if (type === 'IHDR') {
      width = dv.getUint32(p + 8);
      height = dv.getUint32(p + 12);
      if (width === 0 || height === 0) return { ok: false, code: 'corrupt', reason: `PNG: invalid size ${width}×${height}` };
    }
    if (type === 'IDAT') sawIdat = true;
    if (type === 'IEND') {
      if (!sawIdat) return { ok: false, code: 'corrupt', reason: 'PNG: no image data (IDAT) chunk' };
      return { ok: true, width, height };
    }
    p = end + 4;
  }
}
