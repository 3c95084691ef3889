import * as fs from 'node:fs';
import { parseAcceptPolicy, type AcceptPolicy } from '../core/accept.js';
import type { Command } from 'commander';
import type { ModelAdapter } from '../core/types.js';
import { loadModel, type LoadModelOptions } from '../node/load-model.js';
import { resolvePreprocess } from '../core/preprocess.js';
import { getMethod } from '../methods/index.js';

/** An error whose message is the whole story: printed as one line, no stack unless --verbose. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Options shared by commands that load a model. */
export interface ModelCliOptions {
  model: string;
  preprocess?: string;
  labels?: string;
  inputSize?: string;
  engine?: string;
  backend?: string;
  threads?: string;
  verbose?: boolean;
}

/** Prints a note on stderr. */
export function note(message: string): void {
  process.stderr.write(`cameras: ${message}\n`);
}

/** Parses a positive integer option or throws a usage error naming it. */
export function intOption(value: string | undefined, name: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${name} must be an integer ≥ ${min}, got "${value}"`, 2);
  return n;
}

/** Parses a comma-separated list of sizes. */
export function sizesOption(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const sizes = value.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 8192)) {
    throw new CliError(`--sizes must be a comma-separated list of whole pixel sizes (1..8192), got "${value}"`, 2);
  }
  return sizes;
}

/** Starts the TF.js backend chosen by --backend (default: fastest available). */
export async function startBackend(opts: { backend?: string; threads?: string }): Promise<{ backend: string; threads: number }> {
  const { initBackend } = await import('../node/backend.js');
  const name = (opts.backend ?? 'auto') as 'auto' | 'wasm' | 'cpu' | 'tensorflow';
  if (!['auto', 'wasm', 'cpu', 'tensorflow'].includes(name)) throw new CliError(`--backend must be auto, wasm, cpu or tensorflow, got "${opts.backend}"`, 2);
  return initBackend(name, { threads: intOption(opts.threads, '--threads') });
}

/** Loads the model named by --model with the CLI's overrides. */
export async function modelFromOptions(opts: ModelCliOptions): Promise<ModelAdapter> {
  const load: LoadModelOptions = {
    preprocess: opts.preprocess ? resolvePreprocess(opts.preprocess) : undefined,
    labelsFile: opts.labels,
    inputSize: intOption(opts.inputSize, '--input-size'),
    engine: (opts.engine as LoadModelOptions['engine']) ?? 'auto',
    threads: intOption(opts.threads, '--threads'),
    onWarning: note,
  };
  if (opts.engine && !['auto', 'onnxruntime', 'tfjs'].includes(opts.engine)) throw new CliError(`--engine must be auto, onnxruntime or tfjs`, 2);
  try {
    return await loadModel(opts.model, load);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** Renders an error as the one line the user sees. */
export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}

/** Adds the options of how a model is loaded and run: preprocessing, labels, base size, engines. */
export function addModelLoadOptions(cmd: Command): Command {
  return cmd
    .option('--preprocess <preset>', 'override the model input normalisation: torch, tf, caffe or unit')
    .option('--labels <file>', 'class names file overriding the model\'s')
    .option('--input-size <px>', 'override the model\'s native input size (the base size)')
    .option('--engine <name>', 'forward engine: auto (onnxruntime where the model can run there), onnxruntime or tfjs', 'auto')
    .option('--backend <name>', 'TF.js backend: auto, wasm, cpu or tensorflow (tfjs-node)', 'auto')
    .option('--threads <n>', 'threads of the WebAssembly backend (default: all cores) and of onnxruntime (default: 2)');
}

/** Adds the options of how a map is computed: layer κ, input resize, prediction check, aspect. */
export function addMapOptions(cmd: Command): Command {
  return cmd
    .option('-l, --layer <name>', 'layer κ (default: the last convolutional block; see `cameras layers`)')
    .option('--input-resize <mode>', 'bilinear or bicubic', 'bilinear')
    .option('--accept <policy>', 'CAMERAS: which sizes enter the map: prediction (the paper: the prediction equals the base size\'s), target (or equals the explained class), top:K (the explained class is among the K most probable), all', 'prediction')
    .option('--no-check-prediction', 'CAMERAS: use every size, even where the prediction changes (= --accept all)')
    .option('--square', 'stretch every size to a square instead of keeping the aspect ratio');
}

/** Reads `--accept`; `--no-check-prediction` means `all` unless a policy other than the default was given. */
export function acceptOption(accept: string | undefined, checkPrediction: boolean): AcceptPolicy {
  let policy: AcceptPolicy;
  try {
    policy = parseAcceptPolicy(accept ?? 'prediction');
  } catch (e) {
    throw new CliError(`--accept: ${oneLine(e)}`, 2);
  }
  return checkPrediction === false && policy === 'prediction' ? 'all' : policy;
}

/** Parses `--methods`: known method names or `center`, no repeats. */
export function parseMethods(value: string): string[] {
  const methods = value.split(',').map((m) => m.trim()).filter(Boolean);
  if (methods.length === 0) throw new CliError('--methods: give at least one method', 2);
  for (const m of methods) {
    try {
      getMethod(m);
    } catch (e) {
      throw new CliError(`--methods: ${oneLine(e)}`, 2);
    }
  }
  if (new Set(methods).size !== methods.length) throw new CliError('--methods: a method is listed twice', 2);
  return methods;
}

/**
 * Parses `--method-options`: inline JSON or a JSON file, `{METHOD: {option: value}}` with known
 * method names. The values go to the method as they are (the method validates them).
 */
export function parseMethodOptions(value: string): Record<string, Record<string, unknown>> {
  let json: unknown;
  try {
    json = JSON.parse(value.trim().startsWith('{') ? value : fs.readFileSync(value, 'utf8'));
  } catch (e) {
    throw new CliError(`--method-options: ${oneLine(e)}`, 2);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new CliError('--method-options: expected {"method": {options}}', 2);
  for (const [m, v] of Object.entries(json)) {
    try {
      getMethod(m);
    } catch (e) {
      throw new CliError(`--method-options: ${oneLine(e)}`, 2);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new CliError(`--method-options: options of "${m}" must be an object`, 2);
    if ('target' in v) throw new CliError(`--method-options: "${m}".target is chosen by the evaluation`, 2);
  }
  return json as Record<string, Record<string, unknown>>;
}
