/** The one check of a thread count, shared by the TF.js backends and onnxruntime (`--threads`). */

/** Throws unless `threads` is absent or a positive integer. */
export function checkThreads(threads: number | undefined): void {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  }
}
