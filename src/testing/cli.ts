/**
 * Helpers of the tests that run the CLI (the hostile-input suite): temp folders, listing what a run
 * left behind, running `bin/cameras.js` as a child process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sharedPath } from './shared.js';

/** Repository root (vitest runs with cwd = repo root). */
export const ROOT = path.resolve('.');
/** The shared model mirror, as the CLI children see it. */
export const MIRROR = sharedPath('models');
/** The shared photos. */
export const PHOTOS = sharedPath('data', 'photos');

const made: string[] = [];

/** A fresh temp folder, removed by {@link cleanupTemp}. */
export function tempDir(prefix = 'cameras-hostile-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Removes every folder made by {@link tempDir}. */
export function cleanupTemp(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Every file under `dir` (recursively, hidden ones included), relative; `[]` when it does not exist. */
export function listFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) out.push(...listFiles(p).map((f) => path.join(n, f)));
    else out.push(n);
  }
  return out.sort();
}

/** What a CLI child did. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Non-empty stderr lines. */
  lines: string[];
  ms: number;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Variables over the parent's environment; `undefined` removes one from the child's. */
  env?: Record<string, string | undefined>;
  /** Kill the child (and fail the run) after this many ms. Default 90 s. */
  timeoutMs?: number;
  /** Called with the child right after it is spawned (e.g. to kill it mid-run). */
  onSpawn?: (child: ChildProcess) => void;
}

/**
 * Runs `node bin/cameras.js ...args` from the sources (tsx), with a fresh `CAMERAS_HOME` unless one
 * is given and the shared mirror. A child that outlives `timeoutMs` is killed and reported as such
 * (a hang is a failure, not a stuck test run).
 */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    CAMERAS_FROM_SOURCE: '1',
    CAMERAS_MODEL_MIRROR: MIRROR,
    CAMERAS_HOME: opts.env?.CAMERAS_HOME ?? tempDir('cameras-home-'),
    ...opts.env,
  };
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'cameras.js'), ...args], { cwd: ROOT, env: defined, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cameras ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 90_000} ms\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 90_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, lines: stderr.split('\n').filter((l) => l.trim() !== ''), ms: performance.now() - t0 });
    });
    opts.onSpawn?.(child);
  });
}

/** The name a temp file of a process killed mid-write has (the pid is of a process that has exited). */
export function staleTempName(target: string): string {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  return `.${target}.cameras-tmp-${pid}-0123456789ab`;
}

/** Matches a line of a JS stack trace. */
export const STACK_LINE = /^\s+at\s.+(\(|:\d+)/m;
