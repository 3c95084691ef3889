/** Shared helpers for tests that read `../shared/fixtures/onnx` and want the WebAssembly backend. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../core/tf.js';
import { sharedPath } from './shared.js';

/** The ONNX parity fixtures (see their README). */
export const ONNX_FIXTURES = sharedPath('fixtures', 'onnx');

/** A raw little-endian float32 fixture file. */
export function readFixtureF32(file: string): Float32Array {
  const b = fs.readFileSync(path.join(ONNX_FIXTURES, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** An NCHW fixture image as the NHWC tensor adapters take. */
export function fixtureInput(file = 'input_224.f32', h = 224, w = 224): tf.Tensor4D {
  return tf.tidy(() => tf.tensor4d(readFixtureF32(file), [1, 3, h, w]).transpose([0, 2, 3, 1]));
}

/** Selects the WebAssembly backend, or the CPU backend where it cannot start; returns the name. */
export async function useWasmBackend(): Promise<'wasm' | 'cpu'> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) return 'wasm';
  } catch {
    /* fall through to the CPU backend */
  }
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  return 'cpu';
}
