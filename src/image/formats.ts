/**
 * The image formats cameras reads: the one list behind the CLI help, the Node and browser error
 * messages, the web app's drop zone, the folder scans of `eval`/`sanity` and the README.
 */

/**
 * Image formats recognised from their first bytes (by `sniff.ts`). Declared here, below the sniffer
 * that imports this list, so the two modules do not import each other.
 */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'bmp' | 'avif' | 'heic' | 'svg' | 'ico' | 'psd' | 'jxl' | 'jp2';

/** One readable format. */
export interface ReadableFormat {
  readonly format: ImageFormat;
  /** The name users know it by. */
  readonly name: string;
  /** File name extensions (lower case, with the dot) that folder scans pick up. */
  readonly extensions: readonly string[];
  /** Whether browsers decode it (`createImageBitmap`); Node reads every listed format. */
  readonly browser: boolean;
}

/** Every format the Node reader decodes, in the order they are listed to users. */
export const READABLE_FORMATS: readonly ReadableFormat[] = [
  { format: 'jpeg', name: 'JPEG', extensions: ['.jpg', '.jpeg'], browser: true },
  { format: 'png', name: 'PNG', extensions: ['.png'], browser: true },
  { format: 'webp', name: 'WebP', extensions: ['.webp'], browser: true },
  { format: 'gif', name: 'GIF', extensions: ['.gif'], browser: true },
  { format: 'bmp', name: 'BMP', extensions: ['.bmp'], browser: true },
  { format: 'avif', name: 'AVIF', extensions: ['.avif'], browser: true },
  // No browser decodes TIFF.
  { format: 'tiff', name: 'TIFF', extensions: ['.tif', '.tiff'], browser: false },
];

/** The formats' names as a list for messages: `JPEG, PNG, …` (Node) or the browser's subset. */
export function formatNames(where: 'node' | 'browser' = 'node'): string {
  return READABLE_FORMATS.filter((f) => where === 'node' || f.browser).map((f) => f.name).join(', ');
}

/** Whether a file name has the extension of a readable format (case-insensitive). */
export function hasImageExtension(file: string): boolean {
  const lower = file.toLowerCase();
  return READABLE_FORMATS.some((f) => f.extensions.some((e) => lower.endsWith(e)));
}
