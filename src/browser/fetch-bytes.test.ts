import { describe, expect, it } from 'vitest';
import { NotFoundError, fetchBytes, joinUrl } from './fetch-bytes.js';
import { sha256Hex, verifyBytes } from './verify.js';
import { ModelError } from '../models/safe-path.js';

const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);
const respond = (body: BodyInit | null, init: ResponseInit) => async () => new Response(body, init);

describe('fetchBytes', () => {
  it('returns the body and reports progress up to the declared length', async () => {
    const seen: [number, number | undefined][] = [];
    const out = await fetchBytes('http://x/a', {
      fetch: respond(bytes(1000) as Uint8Array<ArrayBuffer>, { headers: { 'content-length': '1000' } }),
      onProgress: (l, t) => seen.push([l, t]),
    });
    expect(out).toEqual(bytes(1000));
    expect(seen.at(-1)).toEqual([1000, 1000]);
  });

  it('refuses a body above the size cap, whether declared or not', async () => {
    await expect(fetchBytes('http://x/a', { maxBytes: 10, fetch: respond(bytes(11) as Uint8Array<ArrayBuffer>, { headers: { 'content-length': '11' } }) })).rejects.toThrow(/11 bytes \(limit 10\)/);
    await expect(fetchBytes('http://x/a', { maxBytes: 10, fetch: respond(bytes(11) as Uint8Array<ArrayBuffer>, {}) })).rejects.toThrow(/exceeds 10 bytes/);
  });

  it('turns 404 and HTML fallbacks into NotFoundError, other statuses into ModelError', async () => {
    await expect(fetchBytes('http://x/a', { fetch: respond('no', { status: 404 }) })).rejects.toBeInstanceOf(NotFoundError);
    await expect(fetchBytes('http://x/a', { fetch: respond('<html>', { headers: { 'content-type': 'text/html' } }) })).rejects.toBeInstanceOf(NotFoundError);
    const e = await fetchBytes('http://x/a', { fetch: respond('boom', { status: 503 }) }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelError);
    expect(e).not.toBeInstanceOf(NotFoundError);
    expect((e as Error).message).toMatch(/HTTP 503/);
  });

  it('reports a network failure with the URL', async () => {
    await expect(fetchBytes('http://x/a', { fetch: () => Promise.reject(new TypeError('offline')) })).rejects.toThrow('download failed: http://x/a: offline');
  });

  it('joins relative URLs against an origin', () => {
    expect(joinUrl('/mirror', 'a/b.json', 'http://h:1/page')).toBe('http://h:1/mirror/a/b.json');
    expect(joinUrl('https://m.example/x/', '../labels/l.json')).toBe('https://m.example/labels/l.json');
  });
});

describe('verifyBytes', () => {
  it('computes SHA-256 (FIPS 180-2 test vector "abc"), also of a view into a larger buffer', async () => {
    const abc = new TextEncoder().encode('abc');
    const want = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(await sha256Hex(abc)).toBe(want);
    const padded = new Uint8Array(8);
    padded.set(abc, 2);
    expect(await sha256Hex(padded.subarray(2, 5))).toBe(want);
  });

  it('checks size and hash', async () => {
    const abc = new TextEncoder().encode('abc');
    await expect(verifyBytes(abc, { size: 4 }, 'f')).rejects.toThrow('f: 3 bytes, expected 4');
    await expect(verifyBytes(abc, { sha256: '00'.repeat(32) }, 'f')).rejects.toThrow(/SHA-256 mismatch/);
    expect(await verifyBytes(abc, { size: 3, sha256: 'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD' }, 'f')).toBe(true);
  });
});
