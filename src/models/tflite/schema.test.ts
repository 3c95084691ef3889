import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import * as tf from '../../core/tf.js';
import '@tensorflow/tfjs-backend-cpu';
import { loadTfliteModel, parseTflite, TfliteFormatError } from './index.js';
import { rootTable } from './flatbuffer.js';
import { dequantize } from './dequantize.js';
import { TensorType, builtinName } from './schema.js';
import { describeShared, hasShared, itShared, sharedPath } from '../../testing/shared.js';

const V1_FILE = 'models/tflite/mobilenet_v1_0.25_128_quant.tflite';
// Read at collection time; empty (and its tests skipped) without the shared data.
const V1 = hasShared(V1_FILE) ? new Uint8Array(readFileSync(sharedPath(V1_FILE))) : new Uint8Array(0);
const itV1 = itShared(V1_FILE);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('parseTflite', () => {
  itV1('reads the operators, tensors and quantisation of a real model', () => {
    const m = parseTflite(V1);
    const counts = new Map<string, number>();
    for (const op of m.operators) counts.set(op.opName, (counts.get(op.opName) ?? 0) + 1);
    // MobileNet v1: a stem conv, 13 depthwise-separable blocks, the 1×1 classifier conv.
    expect(counts.get('CONV_2D')).toBe(15);
    expect(counts.get('DEPTHWISE_CONV_2D')).toBe(13);
    expect(counts.get('SOFTMAX')).toBe(1);
    const input = m.tensors[m.inputs[0]];
    expect(input.shape).toEqual([1, 128, 128, 3]);
    expect(input.type).toBe(TensorType.UINT8);
    expect(input.quant?.scale[0]).toBe(1 / 128);
    expect(input.quant?.zeroPoint[0]).toBe(128);
    // Every weight's stored bytes match its shape.
    for (const t of m.tensors) if (t.data && t.type === TensorType.UINT8) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
  });

  itV1('rejects truncated files with a TfliteFormatError', () => {
    // (The last kilobytes of this file are an appended archive of label files, outside the
    // flatbuffer: cutting into them leaves a valid model, so the cuts stop before them.)
    for (const fraction of [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9]) {
      const cut = V1.subarray(0, Math.floor(V1.length * fraction));
      expect(() => parseTflite(cut), `cut at ${fraction}`).toThrow(TfliteFormatError);
    }
    expect(() => parseTflite(V1.subarray(0, 100))).toThrow(/truncated|outside the file|too short/);
  });

  it('rejects files that are not TFLite', () => {
    expect(() => parseTflite(new TextEncoder().encode('{"format": "layers-model", "modelTopology": {}}'))).toThrow(/file identifier/);
    expect(() => parseTflite(new Uint8Array(0))).toThrow(/too short/);
    expect(() => parseTflite('model.tflite' as unknown as Uint8Array)).toThrow(/Uint8Array/);
  });

  it('turns random bytes behind a valid identifier into an Error, never a crash or a hang', () => {
    const before = tf.memory().numTensors;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 2048 }), (bytes) => {
        bytes.set([0x54, 0x46, 0x4c, 0x33], 4); // "TFL3"
        try {
          loadTfliteModel(bytes).dispose();
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  itV1('survives corrupted bytes anywhere in a real model', () => {
    const before = tf.memory().numTensors;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(V1.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
        const bytes = V1.slice();
        for (const [at, v] of edits) bytes[at] = v;
        try {
          loadTfliteModel(bytes).dispose();
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 60, seed: 11 },
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describeShared(V1_FILE)('loadTfliteModel', () => {
  it('names an unsupported operator, without leaking the weights it loaded', () => {
    // Turn the RESHAPE opcode into SQUARED_DIFFERENCE (99) in a copy of the file.
    const bytes = V1.slice();
    const codes = rootTable(bytes, 'TFL3', 'Model').tables(1, 'OperatorCode');
    const reshape = codes.find((t) => Math.max(t.int8(0), t.int32(3)) === 22)!;
    expect(reshape).toBeDefined();
    if (reshape.field(0)) bytes[reshape.field(0)] = 99;
    if (reshape.field(3)) new DataView(bytes.buffer, bytes.byteOffset).setInt32(reshape.field(3), 99, true);
    expect(builtinName(99)).toBe('SQUARED_DIFFERENCE');
    const before = tf.memory().numTensors;
    expect(() => loadTfliteModel(bytes)).toThrow(/Unsupported TFLite operator SQUARED_DIFFERENCE/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('dequantize', () => {
  const le32 = (values: number[]) => new Uint8Array(Int32Array.from(values).buffer);

  it('applies per-tensor scale and zero point to uint8', () => {
    const t = { index: 0, name: 'w', shape: [4], type: TensorType.UINT8, data: Uint8Array.from([0, 128, 130, 255]), quant: { scale: [0.5], zeroPoint: [128], axis: 0 } };
    expect(Array.from(dequantize(t))).toEqual([-64, 0, 1, 63.5]);
  });

  it('applies per-channel scales along the quantised axis of int8', () => {
    // Shape [2, 3] quantised along axis 1: column c has scale c + 1.
    const t = {
      index: 0,
      name: 'w',
      shape: [2, 3],
      type: TensorType.INT8,
      data: new Uint8Array(Int8Array.from([1, -1, 2, -3, 4, -128]).buffer),
      quant: { scale: [1, 2, 3], zeroPoint: [0, 0, 0], axis: 1 },
    };
    expect(Array.from(dequantize(t))).toEqual([1, -2, 6, -3, 8, -384]);
    // Along axis 0: row r has scale r + 1, zero point r.
    expect(Array.from(dequantize({ ...t, quant: { scale: [1, 2], zeroPoint: [0, 1], axis: 0 } }))).toEqual([1, -1, 2, -8, 6, -258]);
  });

  it('reads int32 biases from unaligned bytes', () => {
    const raw = new Uint8Array(13);
    raw.set(le32([-5, 7, 1 << 20]), 1);
    const t = { index: 0, name: 'b', shape: [3], type: TensorType.INT32, data: raw.subarray(1), quant: { scale: [0.25], zeroPoint: [0], axis: 0 } };
    expect(Array.from(dequantize(t))).toEqual([-1.25, 1.75, 262144]);
  });

  it('rejects data shorter than the shape and mismatched per-channel scales', () => {
    const t = { index: 0, name: 'w', shape: [2, 3], type: TensorType.UINT8, data: new Uint8Array(5), quant: { scale: [1], zeroPoint: [0], axis: 0 } };
    expect(() => dequantize(t)).toThrow(/holds 5 bytes/);
    expect(() => dequantize({ ...t, data: new Uint8Array(6), quant: { scale: [1, 2], zeroPoint: [0, 0], axis: 1 } })).toThrow(/per-channel/);
  });
});
