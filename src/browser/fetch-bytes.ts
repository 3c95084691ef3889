import { ModelError } from '../models/safe-path.js';

/** A `fetch`-compatible function; injectable so loaders can be tested without a network. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Options of {@link fetchBytes}. */
export interface FetchBytesOptions {
  /** Largest response accepted, bytes (default 1 GiB: a browser tab cannot hold much more). */
  maxBytes?: number;
  /** Milliseconds before giving up (default 120 s). */
  timeoutMs?: number;
  /** Called as bytes arrive; `total` is undefined when the server does not say. */
  onProgress?: (loaded: number, total: number | undefined) => void;
  /** The fetch to use (default the global one). */
  fetch?: FetchLike;
}

/** An HTTP 404/410: the caller may try another source. */
export class NotFoundError extends ModelError {
  constructor(readonly url: string) {
    super(`not found: ${url}`);
    this.name = 'NotFoundError';
  }
}

/**
 * Downloads a URL fully into memory with a size cap and a timeout, in any environment with `fetch`
 * (browser, worker, Node ≥ 18). HTTP errors throw a {@link ModelError} (a {@link NotFoundError} for
 * 404/410). Responses that are HTML are refused: dev servers answer unknown paths with their index
 * page, which would otherwise be parsed as a model.
 */
export async function fetchBytes(url: string, opts: FetchBytesOptions = {}): Promise<Uint8Array> {
  const maxBytes = opts.maxBytes ?? 2 ** 30;
  const doFetch = opts.fetch ?? ((u: string, i?: RequestInit) => fetch(u, i));
  let res: Response;
  try {
    res = await doFetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000), redirect: 'follow' });
  } catch (e) {
    throw new ModelError(`download failed: ${url}: ${(e as Error).message}`);
  }
  if (res.status === 404 || res.status === 410) throw new NotFoundError(url);
  if (!res.ok) throw new ModelError(`download failed: ${url}: HTTP ${res.status}`);
  if ((res.headers.get('content-type') ?? '').startsWith('text/html')) throw new NotFoundError(url);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw new ModelError(`download refused: ${url} is ${declared} bytes (limit ${maxBytes})`);
  const total = Number.isFinite(declared) ? declared : undefined;
  if (!res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw new ModelError(`download refused: ${url} exceeds ${maxBytes} bytes`);
    opts.onProgress?.(bytes.byteLength, total);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      loaded += value.byteLength;
      if (loaded > maxBytes) throw new ModelError(`download refused: ${url} exceeds ${maxBytes} bytes`);
      chunks.push(value);
      opts.onProgress?.(loaded, total);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    if (e instanceof ModelError) throw e;
    throw new ModelError(`download interrupted: ${url}: ${(e as Error).message}`);
  }
  // Compressed transfers declare the compressed length: only a shortfall against it is an error.
  if (total !== undefined && loaded < total && !res.headers.get('content-encoding')) {
    throw new ModelError(`download interrupted: ${url}: got ${loaded} of ${total} bytes`);
  }
  const out = new Uint8Array(loaded);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

/** Joins a base URL (absolute, or relative to `origin`) and a relative path. */
export function joinUrl(base: string, rel: string, origin?: string): string {
  const b = base.endsWith('/') ? base : `${base}/`;
  return new URL(rel, origin ? new URL(b, origin) : b).toString();
}
