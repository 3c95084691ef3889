import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ModelAdapter } from '../../core/types.js';
import { initBackend } from '../../node/backend.js';
import { loadModel } from '../../node/load-model.js';
import { describeShared, sharedPath } from '../../testing/shared.js';
import { runEvaluation } from './run.js';
import type { EvalRecord } from './records.js';
import { readRunFile } from '../../node/run-store.js';

/** `model` with its whole-image predictions counted (what insertion/deletion curves cost). */
function counting(model: ModelAdapter): { model: ModelAdapter; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(model, {
    get(target, key) {
      const v = Reflect.get(target, key, target) as unknown;
      if (key === 'predict') return (...args: Parameters<ModelAdapter['predict']>) => (calls++, target.predict(...args));
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { model: proxy, calls: () => calls };
}

const IMAGES = ['ILSVRC2012_val_00000537.JPEG', 'ILSVRC2012_val_00000556.JPEG'];

describeShared('models/mobilenet_v1_0.25_224', ...IMAGES.map((f) => `data/imagenet_val_dev/${f}`))('insertion/deletion runs', () => {
  let model: ModelAdapter;
  let dir: string;
  beforeAll(async () => {
    await initBackend('wasm', { threads: 1 });
    model = await loadModel('mobilenet_v1_0.25_224', { threads: 1 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'cameras-id-'));
    await mkdir(path.join(dir, 'images'));
    for (const f of IMAGES) await symlink(sharedPath(`data/imagenet_val_dev/${f}`), path.join(dir, 'images', f));
  });
  afterAll(async () => {
    model?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const run = async (methods: string[], out: string) => {
    const c = counting(model);
    await mkdir(path.join(dir, out));
    const report = await runEvaluation({ metric: 'insertion-deletion', imagesDir: path.join(dir, 'images'), model: c.model, methods, out: path.join(dir, out), curve: { steps: 10 }, progress: null, onNote: () => {} });
    return { calls: c.calls(), records: (await readRunFile(report.file)).records as EvalRecord[] };
  };

  it('computes the curves of maps whose steps change the same pixels once, with the same AUCs', async () => {
    const alone = await run(['gradcam'], 'alone');
    const shared = await run(['gradcam', 'xgradcam', 'hirescam'], 'shared');
    const other = await run(['gradcam', 'normgrad'], 'other');
    const auc = (rs: EvalRecord[], key: string) => rs.find((r) => r.key === key)!.entries.map((e) => [e.insertion, e.deletion]);
    // Per image: one prediction (its target), one for each image all its curves share (the
    // original, blurred and black one), one per curve for the 9 points between (one batch).
    expect(alone.calls).toBe(IMAGES.length * (1 + 3 + 2));
    let computed = 0;
    let sharedMaps = 0;
    for (const f of IMAGES) {
      const id = path.basename(f, '.JPEG');
      const gradcamAuc = auc(alone.records, `${id}/gradcam`);
      expect(auc(shared.records, `${id}/gradcam`)).toEqual(gradcamAuc);
      for (const m of ['xgradcam', 'hirescam']) {
        if (JSON.stringify(auc(shared.records, `${id}/${m}`)) === JSON.stringify(gradcamAuc)) sharedMaps++;
        else computed++;
      }
      expect(auc(other.records, `${id}/normgrad`)).not.toEqual(gradcamAuc);
    }
    // XGrad-CAM's and HiResCAM's maps equal Grad-CAM's up to rounding on this model (global average
    // pooling): most share its curves and cost no prediction; the others cost their own two curves.
    expect(sharedMaps).toBeGreaterThanOrEqual(2);
    expect(shared.calls).toBe(alone.calls + 2 * computed);
    expect(other.calls).toBe(alone.calls + 2 * IMAGES.length);
  });
});
