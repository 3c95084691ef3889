import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputTransaction, removeStaleTempFiles, writeFileAtomic } from './atomic-write.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cameras-atomic-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const at = (name: string): string => path.join(dir, name);
const list = (): string[] => readdirSync(dir).sort();

describe('writeFileAtomic', () => {
  it('writes and replaces files, leaving nothing else behind', async () => {
    await writeFileAtomic(at('a.txt'), 'first');
    await writeFileAtomic(at('a.txt'), new Uint8Array([104, 105]));
    expect(readFileSync(at('a.txt'), 'utf8')).toBe('hi');
    expect(list()).toEqual(['a.txt']);
  });

  it('leaves no temp file and the old content when writing fails', async () => {
    writeFileSync(at('keep.txt'), 'old');
    // Data of the wrong type fails inside the write, after the temp file was created.
    await expect(writeFileAtomic(at('keep.txt'), 42 as unknown as string)).rejects.toThrow();
    expect(list()).toEqual(['keep.txt']);
    expect(readFileSync(at('keep.txt'), 'utf8')).toBe('old');
  });

  it('leaves no temp file when the rename fails (target is a non-empty folder)', async () => {
    mkdirSync(at('taken'));
    writeFileSync(path.join(at('taken'), 'inside'), 'x');
    await expect(writeFileAtomic(at('taken'), 'data')).rejects.toThrow();
    expect(list()).toEqual(['taken']);
    expect(readdirSync(at('taken'))).toEqual(['inside']);
  });

  it('fails cleanly when the folder does not exist', async () => {
    await expect(writeFileAtomic(path.join(dir, 'no', 'x.txt'), 'data')).rejects.toThrow(/ENOENT/);
    expect(list()).toEqual([]);
  });
});

describe('OutputTransaction', () => {
  it('publishes nothing before commit and everything after', async () => {
    const tx = new OutputTransaction();
    await tx.stage(at('cat.png'), 'png');
    await tx.stage(at('cat.npy'), new Uint8Array([1, 2, 3]));
    expect(existsSync(at('cat.png'))).toBe(false);
    expect(existsSync(at('cat.npy'))).toBe(false);
    expect(list().every((n) => n.startsWith('.') && n.includes('.cameras-tmp-'))).toBe(true);
    expect(tx.targets).toEqual([at('cat.png'), at('cat.npy')]);
    await tx.commit();
    expect(list()).toEqual(['cat.npy', 'cat.png']);
    expect(readFileSync(at('cat.png'), 'utf8')).toBe('png');
    expect(Array.from(readFileSync(at('cat.npy')))).toEqual([1, 2, 3]);
    await expect(tx.stage(at('late.png'), 'x')).rejects.toThrow(/after commit/);
  });

  it('abort removes every staged file', async () => {
    const tx = new OutputTransaction();
    await tx.stage(at('a'), 'a');
    await tx.stage(at('b'), 'b');
    await tx.abort();
    await tx.abort();
    expect(list()).toEqual([]);
    await expect(tx.commit()).rejects.toThrow(/already aborted/);
  });

  it('run() commits on success and leaves nothing when the work throws midway', async () => {
    const value = await OutputTransaction.run(async (tx) => {
      await tx.stage(at('ok.png'), 'x');
      return 7;
    });
    expect(value).toBe(7);
    await expect(
      OutputTransaction.run(async (tx) => {
        await tx.stage(at('bad.png'), 'overlay');
        await tx.stage(at('bad.npy'), 'npy');
        throw new Error('model failed on this image');
      }),
    ).rejects.toThrow('model failed on this image');
    expect(list()).toEqual(['ok.png']);
  });

  it('rolls back a commit that fails halfway, restoring replaced files', async () => {
    writeFileSync(at('a.png'), 'old a');
    mkdirSync(at('b.npy'));
    writeFileSync(path.join(at('b.npy'), 'blocker'), 'x');
    const tx = new OutputTransaction();
    await tx.stage(at('a.png'), 'new a');
    await tx.stage(at('b.npy'), 'new b'); // its rename will fail: a non-empty folder is in the way
    await expect(tx.commit()).rejects.toThrow();
    expect(list()).toEqual(['a.png', 'b.npy']);
    expect(readFileSync(at('a.png'), 'utf8')).toBe('old a');
    expect(readdirSync(at('b.npy'))).toEqual(['blocker']);
  });

  it('with overwrite: false, refuses a target that exists at commit and publishes nothing', async () => {
    writeFileSync(at('b.npy'), 'other run');
    const tx = new OutputTransaction({ overwrite: false });
    await tx.stage(at('a.png'), 'new a');
    await tx.stage(at('b.npy'), 'new b');
    await expect(tx.commit()).rejects.toThrow(/b\.npy already exists: not replaced/);
    expect(list()).toEqual(['b.npy']);
    expect(readFileSync(at('b.npy'), 'utf8')).toBe('other run');
    await OutputTransaction.run(async (t) => t.stage(at('c.png'), 'c'), { overwrite: false });
    expect(list()).toEqual(['b.npy', 'c.png']);
    expect(readFileSync(at('c.png'), 'utf8')).toBe('c');
  });

  it('refuses to stage one target twice, and cleans up a failed stage', async () => {
    const tx = new OutputTransaction();
    await tx.stage(at('x'), '1');
    await expect(tx.stage(at('x'), '2')).rejects.toThrow(/staged twice/);
    await expect(tx.stage(path.join(dir, 'missing', 'y'), '3')).rejects.toThrow(/ENOENT/);
    await tx.abort();
    expect(list()).toEqual([]);
  });
});

describe('removeStaleTempFiles', () => {
  it('removes temp files of dead processes only', async () => {
    const dead = `.out.png.cameras-tmp-${2 ** 30}-abcdef`; // above any real pid limit
    const mine = `.out.png.cameras-tmp-${process.pid}-123456`;
    for (const n of [dead, mine, 'out.png', '.hidden']) writeFileSync(at(n), 'x');
    expect(await removeStaleTempFiles(dir)).toEqual([dead]);
    expect(list()).toEqual(['.hidden', mine, 'out.png'].sort());
    expect(await removeStaleTempFiles(path.join(dir, 'missing'))).toEqual([]);
  });
});
