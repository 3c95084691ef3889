/**
 * ONNX and TFLite models by URL: `loadModel('http://…/model.onnx')` gives the same model as the
 * file, with either ONNX engine; bad URLs fail with one clear error.
 */
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '../core/tf.js';
import { loadModel } from './load-model.js';
import { fixtureInput, useWasmBackend } from '../testing/fixtures.js';
import { describeShared, sharedPath } from '../testing/shared.js';

const SHARED = sharedPath();
const FILES: Record<string, string> = {
  '/models/resnet18.onnx': path.join(SHARED, 'fixtures/onnx/resnet18.onnx'),
  '/models/mobilenet_v1_0.25_128_quant.tflite': path.join(SHARED, 'models/tflite/mobilenet_v1_0.25_128_quant.tflite'),
};

let server: Server;
let base = '';
const requests: string[] = [];

beforeAll(async () => {
  await useWasmBackend();
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const file = FILES[req.url ?? ''];
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describeShared('fixtures/onnx/resnet18.onnx', 'models/tflite/mobilenet_v1_0.25_128_quant.tflite')('models by URL', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ref: any = JSON.parse(fs.readFileSync(path.join(SHARED, 'fixtures/onnx/resnet18.ref.json'), 'utf8'));

  for (const engine of ['onnxruntime', 'tfjs'] as const) {
    it(`loads an ONNX export (${engine} engine) that predicts the PyTorch logits, with its module-path layers`, async () => {
      const model = await loadModel(`${base}/models/resnet18.onnx`, { onnxEngine: engine, threads: 1 });
      try {
        expect(model.engine).toBe(engine === 'onnxruntime' ? 'onnxruntime-node' : `tfjs-${tf.getBackend()}`);
        expect(model.defaultLayer()).toBe('layer4');
        expect(model.listLayers().some((l) => l.name === 'layer3.0.relu')).toBe(true);
        const x = fixtureInput();
        const logits = await model.predict(x);
        const got = logits.dataSync();
        let d = 0;
        for (let i = 0; i < 1000; i++) d = Math.max(d, Math.abs(got[i] - ref.logits_224[i]));
        expect(d).toBeLessThan(1e-4);
        tf.dispose([x, logits]);
      } finally {
        model.dispose();
      }
    });
  }

  it('loads a TFLite flatbuffer with its embedded labels', async () => {
    const model = await loadModel(`${base}/models/mobilenet_v1_0.25_128_quant.tflite`);
    try {
      expect(model.labels?.length).toBe(1001);
      const x = tf.zeros([1, 128, 128, 3]) as tf.Tensor4D;
      const y = await model.predict(x);
      expect(y.shape).toEqual([1, 1001]);
      tf.dispose([x, y]);
    } finally {
      model.dispose();
    }
  });

  it('fails with one clear error for a missing file or an unknown format', async () => {
    await expect(loadModel(`${base}/models/nope.onnx`)).rejects.toThrow(/download failed: .*nope\.onnx: HTTP 404/);
    const before = requests.length;
    await expect(loadModel(`${base}/models/resnet18.bin`)).rejects.toThrow(/cannot tell the model format/);
    // A bad thread count is refused before anything is fetched, not taken as a reason to fall back to TF.js.
    await expect(loadModel(`${base}/models/resnet18.onnx`, { threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
    expect(requests.length).toBe(before);
  });
});
