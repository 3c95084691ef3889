/**
 * The worker that runs the library off the page's main thread: backend start, model loading,
 * top-5 predictions and the saliency methods, with per-size progress.
 */
import * as tf from '../../src/core/tf.js';
import type { ModelAdapter } from '../../src/core/types.js';
import { METHODS, getMethod, type SaliencyResult } from '../../src/methods/index.js';
import { loadModelFromFiles, loadModelFromUrl, loadZooModel, topPredictions } from '../../src/browser/index.js';
import { startBackend } from './backend.js';
import { keepFaster, startEngine } from './engine.js';
import type { AdapterHooks } from '../../src/browser/index.js';
import type { EngineChoice, ExplainReport, ModelReport, ModelSource, Request, Response } from './protocol.js';

const scope = self as unknown as { postMessage(m: Response, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<Request>) => void) | null };

let model: ModelAdapter | undefined;
let backend = 'none';
/** The loaders' hook of the forward-pass engine (onnxruntime-web), if one was started, per load. */
let hooksFor: ((onWarning: (message: string) => void) => AdapterHooks) | undefined;
/** `auto` engine: each model keeps onnxruntime-web only where it measures faster (see keepFaster). */
let measureEngines = false;
/** Requests run one at a time: TF.js holds one backend and models are not re-entrant. */
let queue: Promise<unknown> = Promise.resolve();

function post(m: Response, transfer: Transferable[] = []): void {
  scope.postMessage(m, transfer);
}

/** What `auto` means on a TF.js backend: see {@link EngineChoice}. */
function resolveEngine(choice: EngineChoice, tfBackend: string): 'tfjs' | 'onnxruntime' {
  if (choice !== 'auto') return choice;
  return tfBackend === 'wasm' || tfBackend === 'cpu' ? 'onnxruntime' : 'tfjs';
}

async function load(source: ModelSource, id: number): Promise<ModelReport> {
  const notes: string[] = [];
  // A model the engine cannot run stays on TF.js; the reason goes to this load's notes.
  const hooks = hooksFor?.((m) => notes.push(m));
  const started = performance.now();
  const onProgress = (file: string, loaded: number, total: number | undefined): void =>
    post({ id, type: 'progress', done: loaded, total: total ?? 0, message: `downloading ${file}` });
  let next: ModelAdapter;
  if (source.kind === 'zoo') {
    next = await loadZooModel(source.name, { mirror: source.mirror, allowPublic: source.allowPublic, onProgress, onWarning: (m) => notes.push(m), hooks });
  } else if (source.kind === 'url') {
    next = await loadModelFromUrl(source.url, { name: source.name, hooks });
  } else {
    next = await loadModelFromFiles(source.files, { hooks });
  }
  let engineNote: string | undefined;
  if (measureEngines) {
    const k = await keepFaster(next);
    next = k.model;
    engineNote = k.note;
  }
  model?.dispose();
  model = next;
  const layers = next.listLayers().filter((l) => l.spatial).map((l) => l.name);
  const classes = next.labels?.length;
  return { name: next.name, engine: next.engine, ...(engineNote ? { engineNote } : {}), inputSize: next.inputSize, classes, hasLabels: !!next.labels, defaultLayer: next.defaultLayer(), layers, ms: performance.now() - started, notes };
}

function report(r: SaliencyResult, method: ExplainReport['method'], leakedTensors: number): ExplainReport {
  return {
    method,
    map: r.map,
    raw: r.raw,
    width: r.width,
    height: r.height,
    layer: r.layer,
    target: r.target,
    predicted: r.predicted,
    sizesUsed: [...r.sizesUsed],
    sizesRejected: [...r.sizesRejected],
    warnings: [...r.warnings],
    ...(r.accept ? { accept: r.accept } : {}),
    ms: r.ms,
    backend,
    leakedTensors,
  };
}

async function handle(req: Request): Promise<void> {
  try {
    switch (req.type) {
      case 'init': {
        const r = await startBackend(req.backend, req.threads);
        backend = r.backend;
        const e = await startEngine(resolveEngine(req.engine ?? 'auto', r.backend), req.threads);
        hooksFor = e.hooks;
        measureEngines = (req.engine ?? 'auto') === 'auto' && !!e.hooks;
        post({ id: req.id, type: 'ok', value: { ...r, notes: [...r.notes, ...e.notes], engine: e.engine, ...(e.threads !== undefined ? { engineThreads: e.threads } : {}) } });
        return;
      }
      case 'load':
        post({ id: req.id, type: 'ok', value: await load(req.source, req.id) });
        return;
      case 'methods':
        // The library's registry, so the page offers every method the CLI has.
        post({ id: req.id, type: 'ok', value: Object.keys(METHODS) });
        return;
      case 'predict': {
        if (!model) throw new Error('no model loaded');
        post({ id: req.id, type: 'ok', value: await topPredictions(model, req.image, { k: 5 }) });
        return;
      }
      case 'explain': {
        if (!model) throw new Error('no model loaded');
        const before = tf.memory().numTensors;
        const onProgress = (done: number, total: number, message: string): void => post({ id: req.id, type: 'progress', done, total, message });
        // Every method takes the same options and ignores those it does not use (the CLI's explain
        // passes them the same way), so the page needs no per-method branch.
        const method = getMethod(req.method);
        const options = { target: req.target, layer: req.layer, sizes: req.sizes, onProgress };
        const r = await method(model, req.image, options);
        const out = report(r, req.method, tf.memory().numTensors - before);
        post({ id: req.id, type: 'ok', value: out }, [out.map.buffer, out.raw.buffer]);
        return;
      }
    }
  } catch (e) {
    post({ id: req.id, type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

scope.onmessage = (e) => {
  queue = queue.then(() => handle(e.data));
};
