import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DECODABLE_FORMATS } from './sniff.js';
import { READABLE_FORMATS, formatNames, hasImageExtension } from './formats.js';

describe('the one list of readable image formats', () => {
  it('drives the decoders, the messages and the folder scans', () => {
    expect(DECODABLE_FORMATS).toEqual(READABLE_FORMATS.map((f) => f.format));
    expect(formatNames()).toBe('JPEG, PNG, WebP, GIF, BMP, AVIF, TIFF');
    expect(formatNames('browser')).toBe('JPEG, PNG, WebP, GIF, BMP, AVIF');
    expect(['a/B.JPG', 'x.tif', 'y.avif', 'z.webp'].every(hasImageExtension)).toBe(true);
    expect(['notes.txt', 'scan.heic', 'jpg'].some(hasImageExtension)).toBe(false);
  });

  it('is the list the README and the web page show (the page fills it in from the code)', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain(`Images: ${formatNames()} (in the browser: ${formatNames('browser')})`);
    const html = readFileSync('web/index.html', 'utf8');
    expect(html).toContain('<small id="drop-formats"></small>');
    expect(html).not.toMatch(/PNG, JPEG|JPEG, PNG/);
  });
});
