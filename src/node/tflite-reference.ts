/**
 * TensorFlow Lite itself, as a reference engine for the TFLite importer's tests: the WebAssembly
 * build of the TFLite interpreter that ships in `@tensorflow/tfjs-tflite` (its `wasm/` folder).
 * That package targets browsers (its JavaScript wrapper loads the engine with a script tag), but
 * the engine is a plain Emscripten module: fed its `.wasm` bytes directly, it runs under Node.
 * Quantised models run with TFLite's own integer kernels, so outputs are TFLite's exactly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** One input or output tensor of the reference engine. */
export interface TfliteReferenceTensor {
  readonly name: string;
  /** `uint8`, `int8`, `int32`, `float32`, ... */
  readonly dataType: string;
  readonly shape: readonly number[];
}

/** A loaded model in the reference engine. */
export interface TfliteReference {
  readonly inputs: readonly TfliteReferenceTensor[];
  readonly outputs: readonly TfliteReferenceTensor[];
  /** Runs the model on the raw (already quantised) input values; returns copies of the raw outputs. */
  run(inputs: readonly ArrayLike<number>[]): (Uint8Array | Int8Array | Int32Array | Float32Array)[];
  /** Frees the engine's copy of the model. */
  dispose(): void;
}

interface EmTensorInfo {
  readonly name: string;
  readonly dataType: string;
  readonly shape: string;
  data(): Uint8Array | Int8Array | Int32Array | Float32Array;
}
interface EmVector<T> {
  size(): number;
  get(i: number): T;
  delete(): void;
}
interface EmRunner {
  GetInputs(): EmVector<EmTensorInfo>;
  GetOutputs(): EmVector<EmTensorInfo>;
  Infer(): boolean;
  delete(): void;
}
interface EmModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(
      ptr: number,
      size: number,
      opts: { numThreads: number; enableProfiling: boolean; maxProfilingBufferEntries: number },
    ): { ok(): boolean; errorMessage(): string; value(): EmRunner };
  };
}

/**
 * Folder holding `tflite_web_api_cc.js` and its `.wasm`: `TFLITE_WASM_DIR` if set, else the
 * installed `@tensorflow/tfjs-tflite` package's `wasm/` folder; null when neither exists.
 */
export function findTfliteWasmDir(): string | null {
  const candidates: string[] = [];
  if (process.env.TFLITE_WASM_DIR) candidates.push(process.env.TFLITE_WASM_DIR);
  try {
    const require = createRequire(import.meta.url);
    candidates.push(path.join(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm'));
  } catch {
    // not installed
  }
  return candidates.find((d) => existsSync(path.join(d, 'tflite_web_api_cc.js'))) ?? null;
}

let modulePromise: Promise<EmModule> | null = null;

async function loadEngine(dir: string): Promise<EmModule> {
  const simd = existsSync(path.join(dir, 'tflite_web_api_cc_simd.wasm'));
  const base = path.join(dir, simd ? 'tflite_web_api_cc_simd' : 'tflite_web_api_cc');
  const source = readFileSync(`${base}.js`, 'utf8');
  // The script declares a global factory; evaluate it in a function scope to get it back.
  const factory = new Function(`${source}\nreturn tflite_web_api_ModuleFactory;`)() as (m: object) => Promise<EmModule>;
  const quiet = () => {};
  return factory({ wasmBinary: readFileSync(`${base}.wasm`), print: quiet, printErr: quiet });
}

/** Loads `model` into TFLite's WebAssembly interpreter (one thread). */
export async function createTfliteReference(model: Uint8Array, wasmDir = findTfliteWasmDir()): Promise<TfliteReference> {
  if (!wasmDir) throw new Error('TFLite reference engine not found: install @tensorflow/tfjs-tflite or set TFLITE_WASM_DIR');
  modulePromise ??= loadEngine(wasmDir);
  const em = await modulePromise;
  const ptr = em._malloc(model.length);
  em.HEAPU8.set(model, ptr);
  const status = em.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, model.length, {
    numThreads: 1,
    enableProfiling: false,
    maxProfilingBufferEntries: 1024,
  });
  if (!status.ok()) {
    em._free(ptr);
    throw new Error(`TFLite reference engine rejected the model: ${status.errorMessage()}`);
  }
  const runner = status.value();
  const list = (v: EmVector<EmTensorInfo>): EmTensorInfo[] => {
    const out = Array.from({ length: v.size() }, (_, i) => v.get(i));
    v.delete();
    return out;
  };
  const info = (t: EmTensorInfo): TfliteReferenceTensor => ({ name: t.name, dataType: t.dataType, shape: String(t.shape).split(',').map(Number) });
  const inputs = list(runner.GetInputs());
  const outputs = list(runner.GetOutputs());
  return {
    inputs: inputs.map(info),
    outputs: outputs.map(info),
    run(values) {
      if (values.length !== inputs.length) throw new Error(`expected ${inputs.length} inputs, got ${values.length}`);
      values.forEach((v, i) => {
        const dst = inputs[i].data();
        if (v.length !== dst.length) throw new Error(`input ${i}: expected ${dst.length} values, got ${v.length}`);
        dst.set(v);
      });
      if (!runner.Infer()) throw new Error('TFLite reference engine: inference failed');
      return outputs.map((o) => o.data().slice());
    },
    dispose() {
      runner.delete();
      em._free(ptr);
    },
  };
}
