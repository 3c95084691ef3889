import { READABLE_FORMATS, type ImageFormat } from './formats.js';

export type { ImageFormat } from './formats.js';

/** Formats the decoders accept. Others are recognised only to give a precise error. */
export const DECODABLE_FORMATS: readonly ImageFormat[] = READABLE_FORMATS.map((f) => f.format);

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let i = start; i < start + length && i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/**
 * Recognise an image format from its signature, ignoring the file name: a PNG saved as `.jpg` is a
 * PNG. Returns `undefined` for anything else (including text and empty input).
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && ascii(b, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  const head6 = ascii(b, 0, 6);
  if (head6 === 'GIF87a' || head6 === 'GIF89a') return 'gif';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  const head4 = ascii(b, 0, 4);
  if (head4 === 'II*\0' || head4 === 'MM\0*' || head4 === 'II+\0' || head4 === 'MM\0+') return 'tiff';
  if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  if (b.length >= 12 && ascii(b, 4, 4) === 'ftyp') {
    const brand = ascii(b, 8, 4);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand)) return 'heic';
    if (brand === 'jp2 ') return 'jp2';
  }
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0) return 'ico';
  if (head4 === '8BPS') return 'psd';
  if ((b.length >= 2 && b[0] === 0xff && b[1] === 0x0a) || ascii(b, 4, 8) === 'JXL \r\n\x87\n') return 'jxl';
  if (ascii(b, 4, 8) === 'jP  \r\n\x87\n') return 'jp2';
  const text = ascii(b, 0, 256).trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'svg';
  return undefined;
}
