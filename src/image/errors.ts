/**
 * Why an image could not be read. Stable strings: the CLI prints them and tests match on them.
 *
 * - `not_found`: no file at that path.
 * - `not_a_file`: the path is a directory or another non-regular file.
 * - `empty`: the file has zero bytes.
 * - `truncated`: the data ends before the image does (a partial download, a cut copy).
 * - `corrupt`: the format is recognised but the data is damaged (bad checksum, bad compressed data).
 * - `unrecognized`: the bytes match no image format we know, whatever the file name says.
 * - `unsupported`: a recognised format or variant that is deliberately not decoded (SVG, HEIC, BMP
 *   with embedded JPEG, ...).
 * - `too_large`: the declared size exceeds the pixel or byte limit (decompression-bomb guard).
 * - `io`: the operating system refused the read (permissions, I/O error).
 */
export type ImageErrorCode =
  | 'not_found'
  | 'not_a_file'
  | 'empty'
  | 'truncated'
  | 'corrupt'
  | 'unrecognized'
  | 'unsupported'
  | 'too_large'
  | 'io';

/** Longest reason kept in a message: decoder messages can be long and repetitive. */
const MAX_REASON_CHARS = 300;

/** Collapse anything that would break a one-line message (newlines, control characters). */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * A failure to read or decode an image. `message` is always one line, `"<file>: <reason>"`, so the
 * CLI can print it as is; `code` says which kind of failure it was.
 */
export class ImageError extends Error {
  /** Machine-readable kind of failure. */
  readonly code: ImageErrorCode;
  /** The file (or in-memory name) the error is about. */
  readonly file: string;
  /** The reason alone, without the file name. */
  readonly reason: string;

  /**
   * @param file path or display name of the input
   * @param code kind of failure
   * @param reason short human explanation (newlines are collapsed, long text is cut)
   * @param options `cause`: the underlying error, kept for `--verbose` output
   */
  constructor(file: string, code: ImageErrorCode, reason: string, options?: { cause?: unknown }) {
    const f = oneLine(file) || '<image>';
    let r = oneLine(reason) || code;
    if (r.length > MAX_REASON_CHARS) r = `${r.slice(0, MAX_REASON_CHARS - 3)}...`;
    super(`${f}: ${r}`, options);
    this.name = 'ImageError';
    this.code = code;
    this.file = f;
    this.reason = r;
  }
}

/** True when `e` is an {@link ImageError}, optionally of the given code. */
export function isImageError(e: unknown, code?: ImageErrorCode): e is ImageError {
  return e instanceof ImageError && (code === undefined || e.code === code);
}
