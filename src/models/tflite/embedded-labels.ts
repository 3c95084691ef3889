/**
 * Label files packed into a `.tflite` file. TFLite's metadata writer appends the model's
 * associated files (e.g. `labels.txt`) as a zip archive after the flatbuffer; the archive's
 * central directory at the end of the file lists them. Only stored (uncompressed) entries are
 * read, which is how the metadata writer packs them.
 */

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

interface ZipEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

function storedEntries(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-central-directory record is 22 bytes plus a comment of at most 65535.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return [];
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  // Offsets in the archive are relative to its start, which follows the flatbuffer.
  const cdStart = eocd - cdSize;
  const base = cdStart - view.getUint32(eocd + 16, true);
  if (cdStart < 0 || base < 0) return [];
  const out: ZipEntry[] = [];
  let p = cdStart;
  for (let k = 0; k < count && p + 46 <= eocd; k++) {
    if (view.getUint32(p, true) !== CENTRAL) break;
    const method = view.getUint16(p + 10, true);
    const size = view.getUint32(p + 20, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const local = base + view.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (method !== 0 || local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) continue;
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + size > bytes.length) continue;
    out.push({ name, data: bytes.subarray(start, start + size) });
  }
  return out;
}

/**
 * One label per line from a text file packed into the model whose line count is `classes`
 * (or `classes − 1`, for a list without the background class); undefined when there is none.
 */
export function embeddedLabels(bytes: Uint8Array, classes: number): string[] | undefined {
  let entries: ZipEntry[];
  try {
    entries = storedEntries(bytes);
  } catch {
    return undefined; // a damaged archive only costs the labels
  }
  for (const e of entries) {
    if (!/\.txt$/i.test(e.name)) continue;
    const lines = new TextDecoder().decode(e.data).split(/\r?\n/);
    while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
    if (lines.length === classes || lines.length === classes - 1) return lines;
  }
  return undefined;
}
