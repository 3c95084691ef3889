/**
 * Shared helpers of the hostile-input suite: temp folders, running the CLI as a child process, and a
 * tiny TF.js layers model written as a real model folder (model.json + weights.bin).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../../src/core/tf.js';
import * as tfl from '@tensorflow/tfjs-layers';

/** Repository root (vitest runs with cwd = repo root). */
export const ROOT = path.resolve('.');
/** The shared model mirror, as the CLI children see it. */
export const MIRROR = path.resolve('../shared/models');
/** The shared photos. */
export const PHOTOS = path.resolve('../shared/data/photos');

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
  env?: Record<string, string | undefined>;
  /** Kill the child (and fail the run) after this many ms. Default 90 s. */
  timeoutMs?: number;
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
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'cameras.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  });
}

/** The name a temp file of a process killed mid-write has (the pid is of a process that has exited). */
export function staleTempName(target: string): string {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  return `.${target}.cameras-tmp-${pid}-0123456789ab`;
}

/** Matches a line of a JS stack trace. */
export const STACK_LINE = /^\s+at\s.+(\(|:\d+)/m;

/** The tiny classifier's layer κ. */
export const TINY_LAYER = 'conv';

/** Options of {@link tinyLayersModel}. */
export interface TinyModelOptions {
  /** κ's kernel and bias are zero: its activations are all zero. */
  zeroConv?: boolean;
  /** The dense kernel is zero: every logit is a constant, every gradient at κ is zero. */
  zeroDense?: boolean;
  /** This class's dense kernel column is zero: its gradient at κ is zero, the others' are not. */
  deadClass?: number;
  /** End in a 1×1 conv (a 3-channel map, like a segmentation head) instead of a class vector. */
  fourDOutput?: boolean;
}

/**
 * Builds a tiny classifier: conv 3×3 (4 channels, ReLU) → global average pool → dense (3 logits),
 * any input size, seeded weights.
 */
export function tinyLayersModel(opts: TinyModelOptions = {}): tfl.LayersModel {
  const input = tfl.input({ shape: [null, null, 3] as unknown as number[] });
  const conv = tfl.layers
    .conv2d({ name: TINY_LAYER, filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), biasInitializer: tfl.initializers.constant({ value: 0.01 }) })
    .apply(input) as tfl.SymbolicTensor;
  let out: tfl.SymbolicTensor;
  if (opts.fourDOutput) {
    out = tfl.layers.conv2d({ name: 'seg', filters: 3, kernelSize: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(conv) as tfl.SymbolicTensor;
  } else {
    const pooled = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(conv) as tfl.SymbolicTensor;
    out = tfl.layers.dense({ name: 'logits', units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }), biasInitializer: 'zeros' }).apply(pooled) as tfl.SymbolicTensor;
  }
  const model = tfl.model({ inputs: input, outputs: out });
  if (opts.zeroConv) {
    const layer = model.getLayer(TINY_LAYER);
    layer.setWeights(layer.getWeights().map((w) => tf.zerosLike(w)));
  }
  if (opts.zeroDense || opts.deadClass !== undefined) {
    const layer = model.getLayer('logits');
    const [kernel, bias] = layer.getWeights();
    const mask = tf.tidy(() => (opts.zeroDense ? tf.zerosLike(kernel) : tf.oneHot(opts.deadClass!, 3, 0, 1).reshape([1, 3]).tile([kernel.shape[0], 1]).toFloat()));
    layer.setWeights([tf.mul(kernel, mask), tf.onesLike(bias)]);
    mask.dispose();
  }
  return model;
}

/** A saved layers model: `model.json`'s object and the weights' bytes. */
export interface SavedModel {
  modelJson: { modelTopology: unknown; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]; format: string };
  weights: Uint8Array;
}

/** Serialises a layers model as TF.js writes it to disk (one weight group, `weights.bin`). */
export async function saveModel(model: tfl.LayersModel): Promise<SavedModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const data = saved!.weightData as ArrayBuffer;
  return {
    modelJson: {
      format: 'layers-model',
      modelTopology: saved!.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: saved!.weightSpecs! }],
    },
    weights: new Uint8Array(data.slice(0)),
  };
}

/** Writes a model folder; `mutate` may change the manifest and the weight bytes first. */
export function writeModelFolder(dir: string, saved: SavedModel, mutate?: (m: SavedModel) => void): string {
  const copy: SavedModel = { modelJson: structuredClone(saved.modelJson), weights: saved.weights.slice() };
  mutate?.(copy);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(copy.modelJson));
  writeFileSync(path.join(dir, 'weights.bin'), copy.weights);
  writeFileSync(path.join(dir, 'cameras.json'), JSON.stringify({ layer: TINY_LAYER, preprocess: 'unit', inputSize: 32, labels: ['a', 'b', 'c'] }));
  return dir;
}
