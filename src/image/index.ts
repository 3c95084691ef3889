/**
 * Image display code shared by Node and the browser: colormaps, overlays, captioned layouts, a
 * display resize, format sniffing and a BMP decoder. TypedArrays only, no Node built-ins.
 */
export { ImageError, isImageError, type ImageErrorCode } from './errors.js';
export { assertRgbImage, createRgb8, toRgb8, type Rgb, type Rgb8Image } from './rgb.js';
export { applyColormap, colormapLut, COLORMAP_NAMES, isColormapName, type ColormapName } from './colormap.js';
export { colorizeMap, overlay, type OverlayOptions } from './overlay.js';
export { grid, sideBySide, type GridOptions, type LayoutOptions, type SideBySideOptions } from './layout.js';
export { fitWithin, resizeRgb } from './resize.js';
export { drawText, fitText, measureText, type Canvas } from './font.js';
export { DECODABLE_FORMATS, sniffImageFormat, type ImageFormat } from './sniff.js';
export { READABLE_FORMATS, formatNames, hasImageExtension, type ReadableFormat } from './formats.js';
export { decodeBmp, readBmpHeader, type BmpHeader, type DecodeBmpOptions } from './bmp.js';
export { checkPng, crc32, type PngCheck } from './png-check.js';
export { encodeNpy, decodeNpy, type NpyArray } from './npy.js';
