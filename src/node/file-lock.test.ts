import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from './file-lock.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'cameras-lock-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('acquireLock', () => {
  it('makes a second worker wait until the first releases, and keeps a heartbeat', async () => {
    const file = path.join(tmp(), 'r.jsonl.lock');
    const first = await acquireLock(file, { heartbeatMs: 20, staleMs: 10_000, pollMs: 10 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ host: hostname(), pid: process.pid });
    const m0 = statSync(file).mtimeMs;
    const waits: string[] = [];
    let second: Awaited<ReturnType<typeof acquireLock>> | undefined;
    const pending = acquireLock(file, { pollMs: 10, staleMs: 10_000, onWait: (h) => waits.push(h) }).then((l) => (second = l));
    await sleep(150);
    expect(second).toBeUndefined();
    expect(waits).toEqual([`${hostname()} pid ${process.pid}`]);
    expect(statSync(file).mtimeMs).toBeGreaterThan(m0);
    await first.release();
    await pending;
    expect(second).toBeDefined();
    // The first worker's release must not remove the lock the second one now holds.
    await first.release();
    expect(existsSync(file)).toBe(true);
    await second!.release();
    expect(existsSync(file)).toBe(false);
  });

  it('takes over at once from a dead process on this host', async () => {
    const file = path.join(tmp(), 'r.jsonl.lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(file, JSON.stringify({ host: hostname(), pid: Number(dead.stdout), token: 'x', started: '' }));
    const taken: string[] = [];
    const t0 = Date.now();
    const lock = await acquireLock(file, { staleMs: 60_000, onTakeOver: (h) => taken.push(h) });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(taken).toEqual([`${hostname()} pid ${dead.stdout}`]);
    await lock.release();
  });

  it('takes over from another host only once its heartbeat has stood still for staleMs', async () => {
    const file = path.join(tmp(), 'r.jsonl.lock');
    writeFileSync(file, JSON.stringify({ host: 'another-node', pid: 1, token: 'x', started: '' }));
    const t0 = Date.now();
    const lock = await acquireLock(file, { staleMs: 300, pollMs: 20 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });
});

describe('acquireLock and signals', () => {
  it('removes the lock when the holder gets SIGTERM, and still dies of the signal', async () => {
    const file = path.join(tmp(), 'r.jsonl.lock');
    const script = `const { acquireLock } = await import(${JSON.stringify(path.resolve('src/node/file-lock.ts'))});
      await acquireLock(${JSON.stringify(file)}); process.stdout.write('held\\n'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve()));
    expect(existsSync(file)).toBe(true);
    const signal = await new Promise((resolve) => {
      child.on('close', (_code, sig) => resolve(sig));
      child.kill('SIGTERM');
    });
    expect(signal).toBe('SIGTERM');
    expect(existsSync(file)).toBe(false);
  });
});
