/**
 * A lock file that keeps two workers from appending to one results file: the case of a cluster
 * running a shard twice (a Kubernetes pod started again while the first one still runs, a Slurm
 * task requeued). Works on shared volumes (NFS, CephFS…): exclusive create, no `flock`, and no
 * comparison of clocks between machines: a lock is stale when its holder is a dead process on this
 * host, or when its heartbeat has not moved for `staleMs` of the waiter's own clock.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { open, readFile, rm, stat, utimes } from 'node:fs/promises';
import os from 'node:os';

/** What a lock file holds. */
interface LockInfo {
  readonly host: string;
  readonly pid: number;
  readonly token: string;
  readonly started: string;
}

/** Options of {@link acquireLock}. */
export interface LockOptions {
  /** How often the holder touches the lock (ms). Default 10 s. */
  readonly heartbeatMs?: number;
  /** A lock whose heartbeat stood still this long is taken over (ms). Default 60 s. */
  readonly staleMs?: number;
  /** How often a waiter looks again (ms). Default 1 s. */
  readonly pollMs?: number;
  /** Told once when the lock is held by a live worker and this one waits. */
  readonly onWait?: (holder: string) => void;
  /** Told when a stale lock is taken over. */
  readonly onTakeOver?: (holder: string) => void;
  /**
   * Remove the lock on SIGTERM and SIGINT, then die of the signal as usual, so that the next
   * attempt (a pod deleted and retried, a Slurm task requeued) need not wait `staleMs`. Default true.
   */
  readonly releaseOnSignals?: boolean;
}

/** A held lock. */
export interface HeldLock {
  readonly file: string;
  /** Stops the heartbeat and removes the lock (when it is still this one's). */
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: a process of another user has this pid: alive as far as we can tell.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<{ info?: LockInfo; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    let info: LockInfo | undefined;
    try {
      info = JSON.parse(text) as LockInfo;
    } catch {
      info = undefined; // being written, or garbage: judged by its heartbeat alone
    }
    return { ...(info ? { info } : {}), mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the lock `file`, waiting while a live worker holds it. While held, a timer touches the
 * file every `heartbeatMs` (unref'd: it never keeps the process alive).
 */
export async function acquireLock(file: string, options: LockOptions = {}): Promise<HeldLock> {
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const staleMs = options.staleMs ?? 60_000;
  const pollMs = options.pollMs ?? 1_000;
  const info: LockInfo = { host: os.hostname(), pid: process.pid, token: randomBytes(8).toString('hex'), started: new Date().toISOString() };
  let seen: { mtimeMs: number; since: number } | undefined;
  let told = false;
  for (;;) {
    try {
      const h = await open(file, 'wx');
      try {
        await h.writeFile(`${JSON.stringify(info)}\n`);
        await h.sync();
      } finally {
        await h.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const cur = await readLock(file);
    if (!cur) continue; // released meanwhile
    const holder = cur.info ? `${cur.info.host} pid ${cur.info.pid}` : 'an unknown worker';
    const now = Date.now();
    if (!seen || seen.mtimeMs !== cur.mtimeMs) seen = { mtimeMs: cur.mtimeMs, since: now };
    const deadHere = cur.info !== undefined && cur.info.host === info.host && !alive(cur.info.pid);
    if (deadHere || now - seen.since >= staleMs) {
      options.onTakeOver?.(holder);
      await rm(file, { force: true });
      seen = undefined;
      continue;
    }
    if (!told) options.onWait?.(holder);
    told = true;
    await sleep(pollMs);
  }
  const timer = setInterval(() => {
    const t = new Date();
    utimes(file, t, t).catch(() => undefined);
  }, heartbeatMs);
  timer.unref();
  const signals: NodeJS.Signals[] = options.releaseOnSignals === false ? [] : ['SIGTERM', 'SIGINT'];
  const onSignal = (sig: NodeJS.Signals) => {
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as LockInfo).token === info.token) rmSync(file, { force: true });
    } catch {
      // gone or unreadable: nothing of ours to remove
    }
    for (const s of signals) process.removeListener(s, onSignal);
    process.kill(process.pid, sig);
  };
  for (const s of signals) process.once(s, onSignal);
  return {
    file,
    async release() {
      clearInterval(timer);
      for (const s of signals) process.removeListener(s, onSignal);
      const cur = await readLock(file).catch(() => undefined);
      if (cur?.info?.token === info.token) await rm(file, { force: true });
    },
  };
}
