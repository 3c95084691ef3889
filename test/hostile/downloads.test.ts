/**
 * Case 3: downloads into the model cache from a local HTTP mirror with injected faults. Whatever
 * goes wrong (interrupted body, 404, wrong size or hash), the cache holds no partial or temp file and
 * every file it does hold is byte-identical to the mirror's; two processes filling the cache at once
 * both succeed and leave it intact.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/node/load-model.js';
import { resolveZooFile } from '../../src/node/model-store.js';
import { ZOO } from '../../src/models/manifest.js';
import { cleanupTemp, listFiles, MIRROR, PHOTOS, runCli, staleTempName, tempDir } from '../../src/testing/cli.js';
import { describeShared } from '../../src/testing/shared.js';

const ZOO_NAME = 'mobilenet_v1_0.25_224';

type Fault = 'cut' | 'cut-chunked' | '404' | 'short' | 'long' | 'flip' | 'slow' | 'together';

let server: Server;
let base: string;
const faults = new Map<string, Fault>();
const served: string[] = [];
const waiting: (() => void)[] = [];

function sendFile(res: ServerResponse, bytes: Buffer, fault: Fault | undefined): void {
  switch (fault) {
    case '404':
      res.writeHead(404).end('not found');
      return;
    case 'cut':
      // Declares the whole length, sends half, then drops the connection.
      res.writeHead(200, { 'content-length': bytes.length });
      res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.destroy());
      return;
    case 'cut-chunked':
      // No length declared (chunked): only the missing final chunk shows the cut.
      res.writeHead(200);
      res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.destroy());
      return;
    case 'short':
      res.writeHead(200, { 'content-length': bytes.length - 100 }).end(bytes.subarray(0, bytes.length - 100));
      return;
    case 'long':
      res.writeHead(200, { 'content-length': bytes.length + 100 }).end(Buffer.concat([bytes, Buffer.alloc(100)]));
      return;
    case 'flip': {
      const b = Buffer.from(bytes);
      b[b.length >> 1] ^= 0x01;
      res.writeHead(200, { 'content-length': b.length }).end(b);
      return;
    }
    case 'together':
      // Held until a second request for the same file arrives (or 20 s pass): two processes are
      // then downloading the same files at the same moment.
      waiting.push(() => sendFile(res, bytes, 'slow'));
      if (waiting.length >= 2) for (const go of waiting.splice(0)) go();
      else setTimeout(() => waiting.splice(0).forEach((go) => go()), 20_000).unref();
      return;
    case 'slow': {
      // Trickles the body in pieces so that two downloads overlap.
      res.writeHead(200, { 'content-length': bytes.length });
      const step = Math.ceil(bytes.length / 3);
      let at = 0;
      const next = (): void => {
        if (at >= bytes.length) return void res.end();
        res.write(bytes.subarray(at, (at += step)));
        setTimeout(next, 15);
      };
      next();
      return;
    }
    default:
      res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    served.push(rel);
    const file = path.resolve(MIRROR, rel);
    if (!file.startsWith(MIRROR + path.sep)) return void res.writeHead(403).end();
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      return void res.writeHead(404).end();
    }
    sendFile(res, bytes, faults.get(rel) ?? faults.get('*'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterEach(() => {
  faults.clear();
  served.length = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  cleanupTemp();
});

const saved: Record<string, string | undefined> = {};
function useEnv(home: string): void {
  for (const k of ['CAMERAS_HOME', 'CAMERAS_MODEL_MIRROR', 'CAMERAS_OFFLINE']) saved[k] = process.env[k];
  process.env.CAMERAS_HOME = home;
  process.env.CAMERAS_MODEL_MIRROR = base;
  // Never fall back to the public URLs: the test must not depend on the network.
  process.env.CAMERAS_OFFLINE = '1';
}
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** Every file in the cache is complete and identical to the mirror's; no temp files. */
function expectCacheClean(home: string): string[] {
  const files = listFiles(path.join(home, 'models'));
  for (const f of files) {
    expect(path.basename(f), `leftover ${f}`).not.toMatch(/^\.|cameras-tmp/);
    const got = readFileSync(path.join(home, 'models', f));
    expect(got.equals(readFileSync(path.join(MIRROR, f))), `${f} differs from the mirror`).toBe(true);
  }
  return files;
}

const MODEL_JSON = `${ZOO_NAME}/model.json`;
const FIRST_SHARD = `${ZOO_NAME}/group1-shard1of1`;

describeShared('models/mobilenet_v1_0.25_224')('failed downloads leave nothing half-written in the cache', () => {
  it('control: a clean download fills the cache with verified files, and a second load reads only the cache', async () => {
    const home = tempDir('cameras-home-');
    useEnv(home);
    // A download of a process killed mid-write leaves a hidden temp file: removed, never read.
    mkdirSync(path.join(home, 'models', ZOO_NAME), { recursive: true });
    writeFileSync(path.join(home, 'models', ZOO_NAME, staleTempName('group1-shard1of1')), 'partial');
    const m = await loadModel(ZOO_NAME);
    m.dispose();
    const files = expectCacheClean(home);
    expect(files).toContain(MODEL_JSON);
    expect(files).toContain(FIRST_SHARD);
    served.length = 0;
    (await loadModel(ZOO_NAME)).dispose();
    expect(served).toEqual([]);
  });

  const cases: [string, string, Fault, RegExp][] = [
    ['model.json interrupted mid-body (length declared)', MODEL_JSON, 'cut', /interrupted|terminated|other side closed/i],
    ['model.json interrupted mid-body (chunked)', MODEL_JSON, 'cut-chunked', /interrupted|terminated|other side closed/i],
    ['model.json 404', MODEL_JSON, '404', /HTTP 404/],
    ['model.json of the wrong size', MODEL_JSON, 'long', /bytes, expected 49367/],
    ['model.json with one bit flipped (hash)', MODEL_JSON, 'flip', /SHA-256 mismatch/],
    ['a weight shard interrupted mid-body', FIRST_SHARD, 'cut', /interrupted|terminated|other side closed/i],
    ['a weight shard 404', FIRST_SHARD, '404', /HTTP 404/],
    ['a weight shard shorter than the manifest', FIRST_SHARD, 'short', /weight group 0 .* has \d+ bytes, the manifest declares \d+/],
    ['a weight shard longer than the manifest', FIRST_SHARD, 'long', /weight group 0 .* has \d+ bytes, the manifest declares \d+/],
  ];
  for (const [what, file, fault, reason] of cases) {
    it(`${what}: an error, and only complete verified files in the cache`, async () => {
      const home = tempDir('cameras-home-');
      useEnv(home);
      faults.set(file, fault);
      await expect(loadModel(ZOO_NAME)).rejects.toThrow(reason);
      const files = expectCacheClean(home);
      expect(files).not.toContain(file);
      // The weights are published only once the whole set checks out.
      expect(files.filter((f) => f.includes('shard'))).toEqual([]);
      // Once the mirror is healthy again the same cache completes.
      faults.clear();
      (await loadModel(ZOO_NAME)).dispose();
      expect(expectCacheClean(home)).toContain(file);
    });
  }

  it('a damaged cached weight shard is replaced from the mirror, not trusted', async () => {
    const home = tempDir('cameras-home-');
    useEnv(home);
    (await loadModel(ZOO_NAME)).dispose();
    const cached = path.join(home, 'models', FIRST_SHARD);
    writeFileSync(cached, readFileSync(cached).subarray(0, 10));
    (await loadModel(ZOO_NAME)).dispose();
    expectCacheClean(home);
    expect(readFileSync(cached).equals(readFileSync(path.join(MIRROR, FIRST_SHARD)))).toBe(true);
  });

  it('a file whose size and hash are pinned is refused from a bad mirror and not cached (resolveZooFile)', async () => {
    const home = tempDir('cameras-home-');
    useEnv(home);
    const zoo = ZOO[ZOO_NAME];
    faults.set(MODEL_JSON, 'short');
    await expect(resolveZooFile(MODEL_JSON, zoo.model)).rejects.toThrow(/bytes, expected 49367/);
    expect(listFiles(home)).toEqual([]);
  });
});

describeShared('models/mobilenet_v1_0.25_224', 'data/photos/coffee.png')('two processes filling the cache at once', () => {
  it('both succeed and the cache is intact', async () => {
    const home = tempDir('cameras-home-');
    faults.set(MODEL_JSON, 'together');
    faults.set('*', 'slow');
    const image = path.join(PHOTOS, 'coffee.png');
    const env = { CAMERAS_HOME: home, CAMERAS_MODEL_MIRROR: base, CAMERAS_OFFLINE: '1' };
    const outs = [tempDir('cameras-out-'), tempDir('cameras-out-')];
    const runs = await Promise.all(outs.map((out) => runCli(['explain', image, '-m', ZOO_NAME, '--sizes', '224', '-q', '--json', '-o', out], { env })));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    // Both really downloaded: each file was requested twice.
    expect(served.filter((s) => s === MODEL_JSON)).toHaveLength(2);
    const files = expectCacheClean(home);
    expect(files.filter((f) => f.includes('shard')).length).toBeGreaterThan(10);
    const hash = createHash('sha256').update(readFileSync(path.join(home, 'models', MODEL_JSON))).digest('hex');
    expect(hash).toBe(ZOO[ZOO_NAME].model.sha256);
    const maps = runs.map((r) => JSON.parse(r.stdout) as { target: { index: number } });
    expect(maps[0].target.index).toBe(maps[1].target.index);
  });
});
