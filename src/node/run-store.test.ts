import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDuration, Progress } from './progress.js';
import { mergeRuns, parseShard, processItems, readRunFile, RunStore, shardItems } from './run-store.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'cameras-run-'));

describe('RunStore', () => {
  it('appends one line per item and resumes without repeating or losing', async () => {
    const file = path.join(tmp(), 'results.jsonl');
    const items = ['a', 'b', 'c', 'd', 'e'];
    const computed: string[] = [];
    const run = async (stopAfter: number) => {
      const store = await RunStore.open(file);
      let n = 0;
      for (const k of items) {
        if (store.has(k)) continue;
        if (n++ === stopAfter) break; // "killed"
        computed.push(k);
        await store.append({ key: k, value: k.charCodeAt(0) });
      }
      await store.close();
    };
    await run(2);
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(3);
    await run(Infinity);
    expect(computed).toEqual(items);
    const { records } = await readRunFile(file);
    expect(records.map((r) => r.key)).toEqual(items);
  });

  it('ignores a truncated last line from a killed process and recomputes only that item', async () => {
    const file = path.join(tmp(), 'results.jsonl');
    writeFileSync(file, '{"key":"a","v":1}\n{"key":"b","v":2}\n{"key":"c","v');
    const store = await RunStore.open(file);
    expect(store.recoveredTruncation).toBe(true);
    expect(store.size).toBe(2);
    expect(store.has('c')).toBe(false);
    await store.append({ key: 'c', v: 3 });
    await expect(store.append({ key: 'a', v: 9 })).rejects.toThrow(/already stored/);
    await store.close();
    await expect(store.append({ key: 'z' })).rejects.toThrow(/closed/);
    expect(readFileSync(file, 'utf8')).toBe('{"key":"a","v":1}\n{"key":"b","v":2}\n{"key":"c","v":3}\n');
  });

  it('keeps a complete record whose newline was lost, and rejects corruption in the middle', async () => {
    const dir = tmp();
    const file = path.join(dir, 'r.jsonl');
    writeFileSync(file, '{"key":"a"}\n{"key":"b"}');
    const store = await RunStore.open(file);
    expect(store.recoveredTruncation).toBe(false);
    expect(store.has('b')).toBe(true);
    await store.append({ key: 'c' });
    await store.close();
    expect(readFileSync(file, 'utf8')).toBe('{"key":"a"}\n{"key":"b"}\n{"key":"c"}\n');
    const bad = path.join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"key":"a"}\n{"key":\n{"key":"c"}\n');
    await expect(RunStore.open(bad)).rejects.toThrow(/bad.jsonl:2/);
    const nokey = path.join(dir, 'nokey.jsonl');
    writeFileSync(nokey, '{"id":"a"}\n');
    await expect(RunStore.open(nokey)).rejects.toThrow(/key/);
    const dup = path.join(dir, 'dup.jsonl');
    writeFileSync(dup, '{"key":"a"}\n{"key":"a"}\n');
    await expect(RunStore.open(dup)).rejects.toThrow(/twice/);
  });
});

describe('processItems', () => {
  it('stops on an error with finished items stored, and a rerun computes only the rest', async () => {
    const file = path.join(tmp(), 'r.jsonl');
    const items = Array.from({ length: 6 }, (_, i) => ({ id: `im${i}`, v: i * i }));
    const calls: string[] = [];
    let failAt = 3;
    const compute = async (it: { id: string; v: number }) => {
      calls.push(it.id);
      if (calls.length === failAt) throw new Error('killed');
      return { value: it.v };
    };
    let store = await RunStore.open(file);
    await expect(processItems(store, items, (i) => i.id, compute)).rejects.toThrow('killed');
    await store.close();
    failAt = -1;
    store = await RunStore.open(file);
    const seen: [string, boolean][] = [];
    const r = await processItems(store, items, (i) => i.id, compute, { onItem: (k, s) => seen.push([k, s]) });
    await store.close();
    expect(r).toEqual({ computed: 4, skipped: 2 });
    expect(calls).toEqual(['im0', 'im1', 'im2', 'im2', 'im3', 'im4', 'im5']);
    expect(seen.filter(([, s]) => s).map(([k]) => k)).toEqual(['im0', 'im1']);
    const { records } = await readRunFile(file);
    expect(records).toEqual(items.map((it) => ({ value: it.v, key: it.id })));
  });
});

describe('sharding', () => {
  it('parses k/n and rejects bad specs', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(parseShard(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
    for (const s of ['5/5', '1/0', '-1/3', 'a/b', '3']) expect(() => parseShard(s)).toThrow(RangeError);
  });

  it('covers every item exactly once, independent of input order', () => {
    const items = Array.from({ length: 103 }, (_, i) => `img${String((i * 37) % 103).padStart(3, '0')}`);
    const shuffled = [...items].reverse();
    for (const n of [1, 2, 3, 7, 200]) {
      const parts = Array.from({ length: n }, (_, k) => shardItems(items, { index: k, count: n }, (s) => s));
      const again = Array.from({ length: n }, (_, k) => shardItems(shuffled, { index: k, count: n }, (s) => s));
      expect(again).toEqual(parts);
      const all = parts.flat();
      expect(all).toHaveLength(items.length);
      expect(new Set(all).size).toBe(items.length);
      // Shard sizes differ by at most one.
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(shardItems(['b', 'a', 'c', 'd'], { index: 1, count: 2 }, (s) => s)).toEqual(['b', 'd']);
    expect(() => shardItems(['a', 'a'], { index: 0, count: 1 }, (s) => s)).toThrow(/duplicate/);
  });
});

describe('mergeRuns', () => {
  it('merges shards, keeps agreeing duplicates once and detects conflicts', async () => {
    const dir = tmp();
    const f1 = path.join(dir, 's0.jsonl');
    const f2 = path.join(dir, 's1.jsonl');
    const f3 = path.join(dir, 's1-rerun.jsonl');
    writeFileSync(f1, '{"key":"c","hit":true,"ms":5}\n{"key":"a","hit":false}\n');
    writeFileSync(f2, '{"key":"b","r":{"x":1,"y":2}}\n');
    // Same result, different timing and key order: agrees.
    writeFileSync(f3, '{"r":{"y":2,"x":1},"key":"b","ms":99}\n{"key":"c","ms":7,"hit":true}\n{"key":"d","hit":tr');
    const merged = await mergeRuns([f1, f2, f3]);
    expect(merged.map((r) => r.key)).toEqual(['a', 'b', 'c']);
    appendFileSync(f2, '{"key":"a","hit":true}\n');
    await expect(mergeRuns([f1, f2])).rejects.toThrow(/"a" differs between .*s0.jsonl and .*s1.jsonl/);
    expect(await mergeRuns([path.join(dir, 'missing.jsonl')])).toEqual([]);
  });
});

describe('Progress', () => {
  it('prints plain lines with count, rate and ETA at a bounded rate when not a TTY', () => {
    const out: string[] = [];
    let t = 0;
    const p = new Progress(10, { label: 'pg', initial: 2, stream: { write: (s) => out.push(s) }, intervalMs: 1000, now: () => t });
    t = 500;
    p.tick();
    t = 1000;
    p.tick();
    t = 2000;
    p.tick();
    // The 1000 ms line was suppressed (interval 1000 ms); rates count only this process's items.
    expect(out).toEqual(['pg 3/10 (30.0%) 2.00 it/s ETA 0:04\n', 'pg 5/10 (50.0%) 1.50 it/s ETA 0:03\n']);
    t = 4000;
    p.tick(5);
    expect(out[2]).toBe('pg 10/10 (100.0%) 2.00 it/s elapsed 0:04\n');
    p.finish();
    expect(out).toHaveLength(3);
    p.finish('done');
    expect(out).toHaveLength(3);
  });

  it('redraws one bar line on a TTY', () => {
    const out: string[] = [];
    let t = 0;
    const p = new Progress(4, { stream: { write: (s) => out.push(s), isTTY: true, columns: 100 }, now: () => t });
    t = 2000;
    p.tick(1, '000456');
    expect(out[0]).toMatch(/^\r\[#+-+\] 1\/4 \(25\.0%\) 2\.0 s\/it ETA 0:06 000456\x1b\[K$/);
    p.finish();
    expect(out.at(-1)).toBe('\n');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('?');
    expect(() => new Progress(-1)).toThrow(RangeError);
  });
});
