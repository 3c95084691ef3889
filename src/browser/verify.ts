import { ModelError } from '../models/safe-path.js';
import type { ModelFile } from '../models/manifest.js';

function hex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * SHA-256 of `bytes` as hex, with Web Crypto; `undefined` where it is missing (pages served over
 * plain http from another host than localhost are not a secure context and have no `crypto.subtle`).
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  // digest() wants a buffer it may read whole: copy a view that is part of a larger buffer.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  return hex(await subtle.digest('SHA-256', whole as Uint8Array<ArrayBuffer>));
}

/**
 * Throws unless `bytes` match the file's declared size and SHA-256. Returns false when the hash could
 * not be checked (no Web Crypto), true otherwise.
 */
export async function verifyBytes(bytes: Uint8Array, file: Pick<ModelFile, 'size' | 'sha256'>, what: string): Promise<boolean> {
  if (file.size !== undefined && bytes.byteLength !== file.size) {
    throw new ModelError(`${what}: ${bytes.byteLength} bytes, expected ${file.size}`);
  }
  if (!file.sha256) return true;
  const got = await sha256Hex(bytes);
  if (got === undefined) return false;
  if (got !== file.sha256.toLowerCase()) throw new ModelError(`${what}: SHA-256 mismatch (corrupt or altered file)`);
  return true;
}
