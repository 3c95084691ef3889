/**
 * The page: wires the controls to the library worker and draws the results. Everything heavy (TF.js,
 * models, methods) runs in the worker; this thread only decodes images, draws and downloads.
 */
import { WorkerClient } from './client.js';
import { drawRgb } from './draw.js';
import { FIXED_METHODS, title } from './methods.js';
import { clearNotice, notice } from './notices.js';
import { $, params, state, ui } from './page.js';
import { addPanel, clearResults, describe, panel, panelOf, redraw, seconds, setPanel } from './panels.js';
import { applyPreset, readSizes } from './schedule.js';
import type { BackendChoice, MethodName, ModelSource } from './protocol.js';
import { DEFAULT_MAX_SIDE, UnsupportedImageError, bitmapToRgb, decodeImageFile, limitSize, type DecodedImage } from '../../src/browser/image.js';
import { formatNames } from '../../src/image/index.js';
import { generateScene } from '../../src/scenes/index.js';

const client = new WorkerClient((message) => notice('worker', 'error', `The computation worker stopped: ${message}. Reload the page.`));

// ---------- image ----------

function showImage(decoded: DecodedImage, name: string): void {
  state.image = decoded.image;
  state.imageName = name.replace(/\.[^.]*$/, '') || 'image';
  drawRgb(ui.imageCanvas, decoded.image);
  setPanel(ui.imagePanel, 'done', `${name} · ${decoded.image.width}×${decoded.image.height}`);
  if (decoded.downscaled) {
    notice(
      'image',
      'warn',
      `${name} is ${decoded.originalWidth}×${decoded.originalHeight}: it was reduced to ${decoded.image.width}×${decoded.image.height} (longer side ${DEFAULT_MAX_SIDE} px) to fit in the browser's memory.`,
    );
  } else clearNotice('image');
  clearResults();
  void refreshPredictions();
}

async function openImage(file: File): Promise<void> {
  try {
    showImage(await decodeImageFile(file), file.name);
  } catch (e) {
    notice('image', 'error', e instanceof UnsupportedImageError ? e.message : `Cannot read ${file.name}: ${(e as Error).message}`);
  }
}

function isModelFileName(name: string): boolean {
  return /\.(onnx|tflite|bin|json)$/i.test(name) || /shard\d+of\d+$/i.test(name);
}

function takeFiles(files: File[]): void {
  if (files.length === 0) return;
  if (files.every((f) => f.type.startsWith('image/'))) {
    void openImage(files[0]);
    return;
  }
  if (files.some((f) => isModelFileName(f.name))) {
    ui.modelSelect.value = 'files';
    ui.filesRow.hidden = false;
    void loadModel({ kind: 'files', files });
    return;
  }
  void openImage(files[0]);
}

// The formats from the library's one list, so that the page and its error messages agree.
$('drop-formats').textContent = `${formatNames('browser')} · large photos are reduced to ${DEFAULT_MAX_SIDE} px`;

ui.imageInput.addEventListener('change', () => {
  const f = ui.imageInput.files?.[0];
  if (f) void openImage(f);
  ui.imageInput.value = '';
});

for (const ev of ['dragenter', 'dragover'] as const) {
  document.addEventListener(ev, (e) => {
    e.preventDefault();
    ui.drop.classList.add('over');
  });
}
for (const ev of ['dragleave', 'drop'] as const) {
  document.addEventListener(ev, (e) => {
    e.preventDefault();
    if (ev === 'drop' || (e as DragEvent).relatedTarget === null) ui.drop.classList.remove('over');
  });
}
document.addEventListener('drop', (e) => takeFiles([...(e.dataTransfer?.files ?? [])]));

ui.cameraBtn.addEventListener('click', async () => {
  if (!navigator.mediaDevices?.getUserMedia) {
    notice('camera', 'error', 'This browser gives no camera access here (it needs https or localhost).');
    return;
  }
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 } }, audio: false });
    ui.video.srcObject = state.stream;
    await ui.video.play();
    ui.camera.hidden = false;
    clearNotice('camera');
  } catch (e) {
    notice('camera', 'error', `No camera: ${(e as Error).message}`);
  }
});

function stopCamera(): void {
  state.stream?.getTracks().forEach((t) => t.stop());
  state.stream = undefined;
  ui.camera.hidden = true;
}

ui.snap.addEventListener('click', () => {
  if (!ui.video.videoWidth) return;
  const frame = bitmapToRgb(ui.video, ui.video.videoWidth, ui.video.videoHeight);
  stopCamera();
  showImage(limitSize(frame), `camera-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
});
ui.cameraStop.addEventListener('click', stopCamera);

ui.sceneBtn.addEventListener('click', () => {
  const seed = Math.floor(Math.random() * 1e9);
  const scene = generateScene(seed, { width: 320, height: 240 });
  showImage(limitSize(scene.image), `scene-${seed}.png`);
  notice('image', 'info', `Synthetic scene ${seed}: one ${scene.objects[0]?.label ?? 'object'} among distractors (the embedded scenes model's classes).`);
});

// ---------- model ----------

function setModelStatus(text: string, s: 'idle' | 'loading' | 'ready' | 'error'): void {
  ui.modelStatus.textContent = text;
  ui.modelStatus.dataset.state = s;
}

function currentSource(): ModelSource | undefined {
  const v = ui.modelSelect.value;
  if (v.startsWith('zoo:')) return { kind: 'zoo', name: v.slice(4), mirror: ui.mirror.value.trim() || undefined, allowPublic: ui.allowPublic.checked };
  if (v === 'embedded:scenes') return { kind: 'url', url: '/embedded/scenes/model.json', name: 'scenes' };
  const files = [...(ui.modelFiles.files ?? [])];
  return files.length ? { kind: 'files', files } : undefined;
}

async function loadModel(source: ModelSource | undefined): Promise<void> {
  const generation = ++state.modelGeneration;
  state.model = undefined;
  state.predictions = [];
  renderTop5();
  updateRun();
  if (!source) {
    setModelStatus('Choose the model files.', 'idle');
    return;
  }
  const label = source.kind === 'zoo' ? source.name : source.kind === 'url' ? (source.name ?? source.url) : source.files.map((f) => f.name).join(', ');
  setModelStatus(`Loading ${label}…`, 'loading');
  clearNotice('model');
  try {
    const m = await client.load({ source }, (done, total, message) => {
      if (generation === state.modelGeneration) setModelStatus(`Loading ${label}: ${message}${total ? ` ${Math.round((100 * done) / total)}%` : ''}`, 'loading');
    });
    if (generation !== state.modelGeneration) return;
    state.model = m;
    setModelStatus(`${m.name} · ${m.engine} · input ${m.inputSize} px${m.classes ? ` · ${m.classes} classes` : ''} · loaded in ${seconds(m.ms)}`, 'ready');
    ui.modelStatus.title = m.engineNote ?? '';
    for (const n of m.notes) notice('model-note', 'warn', n);
    ui.layer.replaceChildren(
      ...m.layers.map((l) => Object.assign(document.createElement('option'), { value: l, textContent: l === m.defaultLayer ? `${l} (default)` : l, selected: l === m.defaultLayer })),
    );
    applyPreset();
    clearResults();
    await refreshPredictions();
  } catch (e) {
    if (generation !== state.modelGeneration) return;
    setModelStatus('Not loaded.', 'error');
    notice('model', 'error', (e as Error).message);
  }
}

ui.modelSelect.addEventListener('change', () => {
  ui.filesRow.hidden = ui.modelSelect.value !== 'files';
  void loadModel(currentSource());
});
ui.modelFiles.addEventListener('change', () => void loadModel(currentSource()));

async function probeScenes(): Promise<void> {
  let ok = false;
  try {
    const r = await fetch('/embedded/scenes/model.json', { method: 'HEAD' });
    ok = r.ok && !(r.headers.get('content-type') ?? '').startsWith('text/html');
  } catch {
    ok = false;
  }
  ui.scenesOption.disabled = !ok;
  ui.scenesOption.textContent = ok ? 'Scenes (embedded)' : 'Scenes (embedded) — unavailable';
}

// ---------- predictions ----------

function renderTop5(): void {
  if (state.predictions.length === 0) {
    const li = Object.assign(document.createElement('li'), { className: 'empty', textContent: 'Top-5 predictions appear once an image and a model are loaded.' });
    ui.top5.replaceChildren(li);
    return;
  }
  ui.top5.replaceChildren(
    ...state.predictions.map((p, rank) => {
      const li = document.createElement('li');
      li.dataset.index = String(p.index);
      const label = document.createElement('label');
      const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'target', value: String(p.index), checked: p.index === state.target });
      input.addEventListener('change', () => {
        state.target = p.index;
      });
      const cls = document.createElement('span');
      cls.className = 'cls';
      const name = Object.assign(document.createElement('span'), { className: 'label', textContent: p.label ?? `class ${p.index}`, title: `${p.label ?? ''} (index ${p.index})` });
      const bar = document.createElement('span');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.style.width = `${Math.max(1, 100 * p.probability).toFixed(1)}%`;
      bar.append(fill);
      cls.append(name, bar);
      const prob = Object.assign(document.createElement('span'), { className: 'prob', textContent: `${(100 * p.probability).toFixed(1)}%` });
      label.append(input, cls, prob);
      li.append(label);
      li.dataset.rank = String(rank + 1);
      return li;
    }),
  );
}

async function refreshPredictions(): Promise<void> {
  state.predictions = [];
  state.target = undefined;
  renderTop5();
  updateRun();
  if (!state.image || !state.model) return;
  const generation = state.modelGeneration;
  const image = state.image;
  try {
    const preds = await client.predict({ image });
    if (generation !== state.modelGeneration || image !== state.image) return;
    state.predictions = preds;
    state.target = preds[0]?.index;
    renderTop5();
  } catch (e) {
    notice('predict', 'error', `Prediction failed: ${(e as Error).message}`);
  }
  updateRun();
}

// ---------- running ----------

/** The tick box of a method in the method list (`m-NAME`). */
function methodBox(method: MethodName): HTMLInputElement | null {
  return document.getElementById(`m-${method}`) as HTMLInputElement | null;
}

function selectedMethods(): MethodName[] {
  return state.methods.filter((m) => methodBox(m)?.checked);
}

/** Ticking a method beyond the fixed two gives it a panel; unticking takes the panel and its map away. */
function toggleMethod(method: MethodName): void {
  if (!FIXED_METHODS.includes(method)) {
    const p = panelOf(method);
    if (methodBox(method)?.checked && !p) addPanel(method);
    else if (!methodBox(method)?.checked && p) {
      p.remove();
      delete state.results[method];
    }
  }
  updateRun();
}

function updateRun(): void {
  ui.run.disabled = state.busy || !state.image || !state.model || state.target === undefined || selectedMethods().length === 0;
}
for (const m of FIXED_METHODS) methodBox(m)?.addEventListener('change', () => toggleMethod(m));

/**
 * Completes the method list from the library's registry, asked of the worker (the page does not
 * load the methods' code itself): every method the CLI's `explain --method` accepts, unticked.
 */
async function listMethods(): Promise<void> {
  try {
    const names = await client.methods();
    state.methods = [...FIXED_METHODS.filter((m) => names.includes(m)), ...names.filter((m) => !FIXED_METHODS.includes(m))];
    for (const m of state.methods) {
      if (methodBox(m)) continue;
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', id: `m-${m}` });
      box.addEventListener('change', () => toggleMethod(m));
      const label = Object.assign(document.createElement('label'), { className: 'check' });
      label.append(box, ` ${title(m)}`);
      ui.methodList.append(label);
    }
  } catch (e) {
    notice('methods', 'error', `The method list could not be read from the library: ${(e as Error).message}`);
  }
}

/** The progress bar inside a method's panel, updated after every forward pass. */
function progressIn(method: MethodName): { set(done: number, total: number, message: string): void; finish(): void } {
  const p = panel(method);
  const bar = p.querySelector('progress') as HTMLProgressElement;
  const text = p.querySelector('.busy-text') as HTMLElement;
  bar.max = 1;
  bar.value = 0;
  text.textContent = 'waiting…';
  return {
    set(done, total, message) {
      bar.max = total;
      bar.value = done;
      text.textContent = `${message} · pass ${done} of ${total}`;
    },
    finish() {
      bar.value = bar.max;
    },
  };
}

async function run(): Promise<void> {
  if (!state.image || !state.model || state.target === undefined) return;
  let sizes: number[];
  try {
    sizes = readSizes();
    clearNotice('sizes');
  } catch (e) {
    notice('sizes', 'error', `Size schedule: ${(e as Error).message}`);
    return;
  }
  const methods = selectedMethods();
  state.busy = true;
  updateRun();
  document.body.dataset.state = 'running';
  ui.progress.textContent = '';
  clearResults();
  const items = new Map(methods.map((m) => [m, progressIn(m)] as const));
  for (const m of methods) setPanel(panel(m), 'running');
  const summary: string[] = [];
  const image = state.image;
  try {
    for (const method of methods) {
      const p = panel(method);
      const item = items.get(method)!;
      try {
        const r = await client.explain({ image, method, target: state.target, sizes, layer: ui.layer.value || undefined }, (done, total, message) => item.set(done, total, message));
        state.results[method] = r;
        redraw(method);
        setPanel(p, 'done', describe(r), r.warnings);
        p.dataset.sizesUsed = r.sizesUsed.join(',');
        p.dataset.leakedTensors = String(r.leakedTensors);
        // The worker's compute time, read by the e2e run's thread comparison.
        p.dataset.ms = String(Math.round(r.ms));
        if (r.leakedTensors !== 0) console.warn(`${method} left ${r.leakedTensors} tensors behind`);
        item.finish();
        summary.push(`${title(method)} ${seconds(r.ms)}`);
        ui.progress.textContent = `Done: ${summary.join(' · ')}`;
        if (method === 'cameras' && r.sizesUsed.length === 0) {
          notice('cameras', 'warn', 'CAMERAS: the prediction changed at every size, so no size entered the map (it is blank). Try fewer or smaller sizes.');
        }
      } catch (e) {
        setPanel(p, 'error', `failed: ${(e as Error).message}`);
        item.finish();
        notice(`run-${method}`, 'error', `${title(method)} failed: ${(e as Error).message}`);
      }
    }
  } finally {
    state.busy = false;
    document.body.dataset.state = 'ready';
    updateRun();
  }
}
ui.run.addEventListener('click', () => void run());

// ---------- start ----------

async function start(): Promise<void> {
  const backend = (params.get('backend') ?? 'auto') as BackendChoice;
  if (['auto', 'webgpu', 'webgl', 'wasm', 'cpu'].includes(backend)) ui.backendSelect.value = backend;
  if (params.get('mirror')) ui.mirror.value = params.get('mirror')!;
  const model = params.get('model');
  if (model && [...ui.modelSelect.options].some((o) => o.value === model)) ui.modelSelect.value = model;
  applyPreset();
  await Promise.all([probeScenes(), startBackend(), listMethods()]);
  await loadModel(currentSource());
}

async function startBackend(): Promise<void> {
  ui.backendBadge.textContent = 'starting…';
  ui.backendBadge.classList.remove('ready');
  try {
    const threads = Number(params.get('threads')) || undefined;
    const engine = (['auto', 'tfjs', 'onnxruntime'] as const).find((e) => e === params.get('engine')) ?? 'auto';
    const r = await client.init({ backend: ui.backendSelect.value as BackendChoice, threads, engine });
    ui.backendBadge.textContent = `TF.js ${r.backend}${r.float32 ? ' · float32' : ''}${r.engine === 'tfjs' ? '' : ` · forward passes: ${r.engine}`}`;
    ui.backendBadge.title = r.notes.join('\n');
    ui.backendBadge.classList.add('ready');
    ui.backendBadge.dataset.backend = r.backend;
    // Read by the e2e run: how many WebAssembly threads actually compute.
    if (r.threads !== undefined) ui.backendBadge.dataset.threads = String(r.threads);
    else delete ui.backendBadge.dataset.threads;
    ui.backendBadge.dataset.engine = r.engine;
    if (r.engineThreads !== undefined) ui.backendBadge.dataset.engineThreads = String(r.engineThreads);
    else delete ui.backendBadge.dataset.engineThreads;
    ui.backendNotes.textContent = r.notes.join(' · ');
    document.body.dataset.state = 'ready';
  } catch (e) {
    ui.backendBadge.textContent = 'no backend';
    notice('backend', 'error', (e as Error).message);
  }
}

ui.backendSelect.addEventListener('change', async () => {
  await startBackend();
  // Tensors belong to a backend: the model is rebuilt on the new one.
  await loadModel(currentSource());
});

void start();
