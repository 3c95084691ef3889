/**
 * End-to-end test of the browser app (`npm run test:e2e`): starts the Vite server on a free localhost
 * port, drives Debian's Chromium headless with playwright-core, loads a photo and the MobileNet from
 * the mirror, computes CAMERAS and Grad-CAM, checks what the page shows and downloads, and compares
 * the browser's maps with the Node library's maps for the same model, image and settings.
 *
 * The flow runs once per backend in E2E_BACKENDS (default `auto,webgl`: here `auto` picks
 * WebAssembly, since headless Chromium's WebGL is SwiftShader, and `webgl` forces that path).
 * Then two pages on WebAssembly, one asking for 1 thread and one with the page's default (every
 * core of an isolated page), time CAMERAS alternately in the same run and report the threads and the
 * medians. Then, per model of E2E_ENGINE_MODELS (default the flow's MobileNet v1 0.25), two pages on
 * WebAssembly time CAMERAS at E2E_ENGINE_SIZES (default the authors' 8 sizes) with the forward
 * passes on TF.js (`?engine=tfjs`) and on onnxruntime-web (`?engine=onnxruntime`), E2E_ENGINE_REPEATS
 * times each (default 3, 0 skips it), check that their maps agree, and report which engine `auto`
 * keeps for the model. Other settings: E2E_SIZES (default 224,324), E2E_THREADS (WebAssembly threads of the flow
 * above), E2E_THREAD_REPEATS (timed runs per setting, default 3, 0 skips the comparison),
 * E2E_THREAD_SIZES (sizes of the comparison, default E2E_SIZES), E2E_SERVER (`dev`, default, or `preview`: build the
 * bundle and serve it), CHROMIUM (default /usr/bin/chromium), CAMERAS_MODEL_MIRROR (default
 * ../shared/models). Artefacts (screenshots, downloaded maps, console log, report) go to
 * test-artifacts/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { formatNames } from '../../src/image/formats.js';

process.env.CAMERAS_MODEL_MIRROR ??= '../shared/models';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
process.chdir(ROOT);
const ART = path.join(ROOT, 'test-artifacts');
const PHOTO = path.resolve('../shared/data/photos/chelsea.png');
const MODEL = 'mobilenet_v1_0.25_224';
const BACKENDS = (process.env.E2E_BACKENDS ?? 'auto,webgl').split(',').filter(Boolean);
const SIZES = (process.env.E2E_SIZES ?? '224,324').split(',').map(Number);
/** WebAssembly threads to ask the page for (`?threads=`); default: the page's own choice. */
const THREADS = process.env.E2E_THREADS;
/** Timed CAMERAS runs per thread setting in the 1-thread vs every-core comparison (0 skips it). */
const THREAD_REPEATS = Number(process.env.E2E_THREAD_REPEATS ?? 3);
/** Sizes of that comparison (default: E2E_SIZES). */
const THREAD_SIZES = process.env.E2E_THREAD_SIZES ? process.env.E2E_THREAD_SIZES.split(',').map(Number) : SIZES;
/** Timed CAMERAS runs per engine in the TF.js vs onnxruntime-web comparison (0 skips it). */
const ENGINE_REPEATS = Number(process.env.E2E_ENGINE_REPEATS ?? 3);
/** Sizes of that comparison (default: the authors' 8, 224…924). */
const ENGINE_SIZES = (process.env.E2E_ENGINE_SIZES ?? '224,324,424,524,624,724,824,924').split(',').map(Number);
/** Zoo models of that comparison (default: the flow's MobileNet v1 0.25). */
const ENGINE_MODELS = (process.env.E2E_ENGINE_MODELS ?? MODEL).split(',').filter(Boolean);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SERVER = process.env.E2E_SERVER === 'preview' ? 'preview' : 'dev';
const TOLERANCE = 1e-3;
const METHODS = ['cameras', 'gradcam'] as const;
type Method = (typeof METHODS)[number];

const t0 = performance.now();
const timings: Record<string, number> = {};
/** Records the time since `since` under `name`; returns now. */
function lap(name: string, since: number): number {
  timings[name] = Math.round(performance.now() - since);
  return performance.now();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'maps differ in size');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

type Reference = Record<Method, { map: Float32Array; sizesUsed: readonly number[]; warnings: readonly string[] }> & { label?: string; width: number; height: number };

/** The Node library's maps for the same model, photo and settings. */
async function nodeReference(): Promise<Reference> {
  const { initBackend } = await import('../../src/node/backend.js');
  const { loadModel } = await import('../../src/node/load-model.js');
  const { readImage } = await import('../../src/node/image-io.js');
  const { cameras, gradcam } = await import('../../src/methods/index.js');
  const tf = await import('../../src/core/tf.js');
  const info = await initBackend('auto');
  const model = await loadModel(MODEL);
  try {
    const image = await readImage(PHOTO);
    const before = tf.memory().numTensors;
    const c = await cameras(model, image, { sizes: SIZES });
    const g = await gradcam(model, image);
    assert.equal(tf.memory().numTensors, before, 'the Node reference leaked tensors');
    console.log(`node reference on ${info.backend}: cameras ${Math.round(c.ms)} ms (sizes ${c.sizesUsed.join(',')}), gradcam ${Math.round(g.ms)} ms, top class "${c.predicted.label}"`);
    return { cameras: { map: c.map, sizesUsed: c.sizesUsed, warnings: c.warnings }, gradcam: { map: g.map, sizesUsed: g.sizesUsed, warnings: g.warnings }, label: c.predicted.label, width: c.width, height: c.height };
  } finally {
    model.dispose();
  }
}

/** Pixel statistics of a canvas, to tell a drawn overlay from a blank one. */
async function canvasStats(page: Page, id: string): Promise<{ width: number; height: number; opaque: number; std: number; colours: number }> {
  return page.$eval(`#${id}`, (c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let opaque = 0;
    let sum = 0;
    let sq = 0;
    const colours = new Set<number>();
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0) opaque++;
      const v = d[i] + d[i + 1] + d[i + 2];
      sum += v;
      sq += v * v;
      if (colours.size < 5000) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    const n = d.length / 4;
    return { width: canvas.width, height: canvas.height, opaque: opaque / n, std: Math.sqrt(sq / n - (sum / n) ** 2), colours: colours.size };
  });
}

/** The whole user flow on one backend; returns the browser-vs-Node differences. */
async function flow(page: Page, port: number, backendChoice: string, ref: Reference, withBadInput: boolean): Promise<{ backend: string; notes: string; diffs: Record<Method, number> }> {
  const tag = backendChoice;
  let t = performance.now();
  await page.goto(`http://127.0.0.1:${port}/?backend=${backendChoice}&model=zoo:${MODEL}${THREADS ? `&threads=${THREADS}` : ''}`);
  await page.waitForSelector('#model-status[data-state="ready"], #model-status[data-state="error"]');
  const status = await page.textContent('#model-status');
  assert.equal(await page.getAttribute('#model-status', 'data-state'), 'ready', `model did not load: ${status} ${await page.textContent('#notices')}`);
  const backend = (await page.getAttribute('#backend', 'data-backend')) ?? '?';
  // The notes say how many WebAssembly threads run (and why one, when the page is not isolated).
  const notes = (await page.textContent('#backend-notes')) ?? '';
  console.log(`[${tag}] backend ${backend} (${notes}); model: ${status}`);
  if (backendChoice !== 'auto') assert.equal(backend, backendChoice, `asked for ${backendChoice}, the page runs ${backend}`);
  t = lap(`${tag}: page + backend + model`, t);

  // The method list is the library's registry: every method `cameras explain --method` accepts.
  const { METHODS: REGISTRY } = await import('../../src/methods/index.js');
  const offered = await page.$$eval('#method-list input[type="checkbox"]', (bs) => bs.map((b) => b.id.replace(/^m-/, '')));
  assert.deepEqual([...offered].sort(), Object.keys(REGISTRY).sort(), 'the page offers the registry\'s methods');

  if (withBadInput) {
    // A file that is not an image gets a message, not a crash.
    await page.setInputFiles('#image-input', path.join(ROOT, 'package.json'));
    await page.waitForSelector('.notice.error[data-key="image"]');
    assert.match((await page.textContent('.notice.error[data-key="image"]')) ?? '', /not an image/i, 'a non-image file must be refused with a message');
    // The drop zone and that message list the formats from the library's one list.
    const formats = formatNames('browser');
    assert.equal(await page.textContent('#drop-formats'), `${formats} · large photos are reduced to 1600 px`);
    assert.ok(((await page.textContent('.notice.error[data-key="image"]')) ?? '').includes(`(${formats})`), 'the error lists the same formats');
    t = performance.now();
  }

  await page.setInputFiles('#image-input', PHOTO);
  await page.waitForSelector('#top5 li[data-rank="1"]');
  const top1 = (await page.textContent('#top5 li[data-rank="1"] .label')) ?? '';
  const top5 = await page.$$eval('#top5 li', (lis) => lis.map((li) => li.textContent?.trim().replace(/\s+/g, ' ')));
  console.log(`[${tag}] top-5: ${top5.join(' | ')}`);
  assert.match(top1, /cat/i, `top class should be a cat, got "${top1}"`);
  assert.equal(top1, ref.label, 'the browser and Node predict different classes');
  t = lap(`${tag}: image + top-5`, t);

  await page.fill('#sizes', SIZES.join(', '));
  await page.click('#run');
  // The page stays responsive while the worker computes: a round trip through its main thread.
  let worstMs = 0;
  let polls = 0;
  while ((await page.getAttribute('body', 'data-state')) === 'running') {
    const s = performance.now();
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(1)))');
    worstMs = Math.max(worstMs, performance.now() - s);
    polls++;
  }
  console.log(`[${tag}] main thread during the computation: ${polls} animation frames polled, slowest ${Math.round(worstMs)} ms`);
  assert.ok(worstMs < 1000, `the page froze for ${Math.round(worstMs)} ms while computing`);
  for (const m of METHODS) {
    await page.waitForSelector(`#panel-${m}[data-state="done"], #panel-${m}[data-state="error"]`);
    assert.equal(await page.getAttribute(`#panel-${m}`, 'data-state'), 'done', `${m} failed: ${await page.textContent(`#panel-${m} .meta`)} ${await page.textContent('#notices')}`);
    console.log(`[${tag}] ${m}: ${await page.textContent(`#panel-${m} .meta`)}`);
    assert.equal(await page.getAttribute(`#panel-${m}`, 'data-sizes-used'), ref[m].sizesUsed.join(','), `${m}: sizes used differ from Node`);
    assert.equal(await page.getAttribute(`#panel-${m}`, 'data-leaked-tensors'), '0', `${m} leaked tensors in the worker`);
    // The map's warnings (CAMERAS keeping few sizes) are shown beside it, as Node reports them.
    const shown = await page.$eval(`#panel-${m} .map-warning`, (e) => ((e as HTMLElement).hidden ? '' : e.textContent ?? ''));
    assert.equal(shown, ref[m].warnings.map((w) => `⚠ ${w}`).join('\n'), `${m}: warnings beside the map`);
  }
  t = lap(`${tag}: explain (Grad-CAM + CAMERAS)`, t);
  // Per-size progress: CAMERAS counted one pass per size, Grad-CAM one pass.
  const bars = await page.$$eval('.panel progress', (ps) => ps.map((p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max]));
  const passes = SIZES.length + (SIZES.includes(224) ? 0 : 1);
  assert.deepEqual(bars, [[passes, passes], [1, 1]], `progress bars (cameras, gradcam): ${JSON.stringify(bars)}`);
  assert.match((await page.textContent('#progress')) ?? '', /Done: Grad-CAM .* CAMERAS/);

  // The overlay canvases are drawn: image-sized and far from uniform.
  for (const m of METHODS) {
    const stats = await canvasStats(page, `canvas-${m}`);
    assert.deepEqual([stats.width, stats.height], [ref.width, ref.height], `${m} overlay has the wrong size`);
    assert.ok(stats.opaque > 0.99 && stats.std > 20 && stats.colours > 500, `${m} overlay looks blank: ${JSON.stringify(stats)}`);
  }
  await page.screenshot({ path: path.join(ART, `e2e-chelsea-${tag}.png`), fullPage: true });

  // The downloaded maps equal the Node maps.
  const { decodeNpy } = await import('../../src/image/npy.js');
  const diffs = {} as Record<Method, number>;
  for (const m of METHODS) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`#panel-${m} [data-download="npy"]`)]);
    const file = path.join(ART, `${tag}.${dl.suggestedFilename()}`);
    await dl.saveAs(file);
    const npy = decodeNpy(new Uint8Array(fs.readFileSync(file)));
    assert.deepEqual(npy.shape, [ref.height, ref.width], `${m} .npy shape`);
    diffs[m] = maxAbsDiff(npy.data, ref[m].map);
    console.log(`[${tag}] ${m}: max |browser − node| of the normalised maps = ${diffs[m].toExponential(3)} (tolerance ${TOLERANCE})`);
  }
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#panel-cameras [data-download="png"]')]);
  const pngFile = path.join(ART, `${tag}.${png.suggestedFilename()}`);
  await png.saveAs(pngFile);
  assert.deepEqual([...fs.readFileSync(pngFile).subarray(1, 4)], [0x50, 0x4e, 0x47], 'the overlay download is not a PNG');
  return { backend, notes, diffs };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface TimedRun {
  /** The setting, e.g. `threads=1` or `engine=onnxruntime`. */
  asked: string;
  /** WebAssembly threads of TF.js on that page. */
  threads: number;
  /** The forward-pass engine the page reports, and its threads. */
  engine: string;
  engineThreads?: number;
  ms: number[];
  medianMs: number;
}

/**
 * CAMERAS on WebAssembly under each setting (URL parameters), each on its own page (its own
 * worker), timed alternately so that all see the same load on a shared machine. The first run of
 * each page is a warm-up (kernel set-up, weights into the WebAssembly heap, session creation) and
 * is not counted. Returns the runs and, with `withMaps`, the last map of each page (downloaded).
 */
async function timedComparison(newPage: () => Promise<Page>, port: number, settings: { asked: string; query: string }[], sizes: number[], repeats: number, model = MODEL, withMaps = false): Promise<{ hardwareConcurrency: number; isolated: boolean; runs: TimedRun[]; maps: Float32Array[] }> {
  const pages: { page: Page; run: TimedRun }[] = [];
  let hardwareConcurrency = 0;
  let isolated = false;
  for (const s of settings) {
    const page = await newPage();
    await page.goto(`http://127.0.0.1:${port}/?backend=wasm&model=zoo:${model}${s.query}`);
    await page.waitForSelector('#model-status[data-state="ready"], #model-status[data-state="error"]');
    assert.equal(await page.getAttribute('#model-status', 'data-state'), 'ready', `[${model} ${s.asked}] model did not load: ${await page.textContent('#model-status')}`);
    assert.equal(await page.getAttribute('#backend', 'data-backend'), 'wasm', `[${s.asked}] not on WebAssembly`);
    const threads = Number(await page.getAttribute('#backend', 'data-threads'));
    const engine = (await page.getAttribute('#backend', 'data-engine')) ?? '?';
    const et = await page.getAttribute('#backend', 'data-engine-threads');
    [hardwareConcurrency, isolated] = (await page.evaluate('[navigator.hardwareConcurrency, globalThis.crossOriginIsolated === true]')) as [number, boolean];
    await page.setInputFiles('#image-input', PHOTO);
    await page.waitForSelector('#top5 li[data-rank="1"]');
    await page.setChecked('#m-gradcam', false);
    await page.fill('#sizes', sizes.join(', '));
    pages.push({ page, run: { asked: s.asked, threads, engine, ...(et ? { engineThreads: Number(et) } : {}), ms: [], medianMs: 0 } });
  }
  const once = async (page: Page): Promise<number> => {
    await page.click('#run');
    await page.waitForSelector('body[data-state="ready"]');
    assert.equal(await page.getAttribute('#panel-cameras', 'data-state'), 'done', `CAMERAS failed: ${await page.textContent('#panel-cameras .meta')}`);
    return Number(await page.getAttribute('#panel-cameras', 'data-ms'));
  };
  for (const p of pages) await once(p.page);
  for (let i = 0; i < repeats; i++) for (const p of pages) p.run.ms.push(await once(p.page));
  const { decodeNpy } = await import('../../src/image/npy.js');
  const maps: Float32Array[] = [];
  for (const p of pages) {
    p.run.medianMs = median(p.run.ms);
    if (withMaps) {
      const [dl] = await Promise.all([p.page.waitForEvent('download'), p.page.click('#panel-cameras [data-download="npy"]')]);
      const file = path.join(ART, `compare.${model}.${p.run.asked.replace(/[^a-z0-9]+/gi, '-')}.npy`);
      await dl.saveAs(file);
      maps.push(decodeNpy(new Uint8Array(fs.readFileSync(file))).data as Float32Array);
    }
    await p.page.close();
  }
  return { hardwareConcurrency, isolated, runs: pages.map((p) => p.run), maps };
}

const describeRun = (r: TimedRun): string => `median ${r.medianMs} ms (${r.ms.join(', ')})`;

/** TF.js WebAssembly on 1 thread and on the page's default (every core of an isolated page). */
async function threadComparison(newPage: () => Promise<Page>, port: number): Promise<{ hardwareConcurrency: number; isolated: boolean; sizes: number[]; runs: TimedRun[]; speedup: number }> {
  const settings = [
    { asked: 'threads=1', query: '&threads=1&engine=tfjs' },
    { asked: 'threads=default', query: '&engine=tfjs' },
  ];
  const { hardwareConcurrency, isolated, runs } = await timedComparison(newPage, port, settings, THREAD_SIZES, THREAD_REPEATS);
  const [one, all] = runs;
  const speedup = one.medianMs / all.medianMs;
  console.log(
    `[threads] navigator.hardwareConcurrency ${hardwareConcurrency}, cross-origin isolated: ${isolated}; CAMERAS on TF.js wasm, sizes ${THREAD_SIZES.join(',')}, ${THREAD_REPEATS} timed runs each: ` +
      `1 thread ${describeRun(one)}; default ${all.threads} thread${all.threads === 1 ? '' : 's'} ${describeRun(all)}; speed-up ${speedup.toFixed(2)}× (1-thread median / default median; below 1: the default is slower)`,
  );
  assert.equal(one.threads, 1, 'asking for 1 thread must give 1 thread');
  // The point of isolating the page: WebAssembly runs on more than one core where there are several.
  if (hardwareConcurrency > 1 && isolated) assert.ok(all.threads > 1, `the default runs ${all.threads} WebAssembly thread(s) on an isolated page with ${hardwareConcurrency} cores`);
  return { hardwareConcurrency, isolated, sizes: THREAD_SIZES, runs, speedup };
}

/**
 * The forward-pass engines on the same TF.js WebAssembly backend (every core): TF.js alone against
 * onnxruntime-web running the heads. Their maps must agree as the Node engines' do.
 */
async function engineComparison(newPage: () => Promise<Page>, port: number, model: string): Promise<{ model: string; sizes: number[]; runs: TimedRun[]; speedup: number; maxAbsDiff: number; auto: { engine: string; note: string } }> {
  const settings = [
    { asked: 'engine=tfjs', query: '&engine=tfjs' },
    { asked: 'engine=onnxruntime', query: '&engine=onnxruntime' },
  ];
  const { runs, maps } = await timedComparison(newPage, port, settings, ENGINE_SIZES, ENGINE_REPEATS, model, true);
  const [tfjs, ort] = runs;
  const speedup = tfjs.medianMs / ort.medianMs;
  const diff = maxAbsDiff(maps[0], maps[1]);
  console.log(
    `[engines] ${model}: CAMERAS, sizes ${ENGINE_SIZES.join(',')}, ${ENGINE_REPEATS} timed runs each, TF.js wasm with ${tfjs.threads} threads for the tails: ` +
      `forward passes on TF.js ${describeRun(tfjs)}; on ${ort.engine}${ort.engineThreads ? ` with ${ort.engineThreads} threads` : ''} ${describeRun(ort)}; ` +
      `speed-up ${speedup.toFixed(2)}× (TF.js median / onnxruntime median); maps max |difference| ${diff.toExponential(2)}`,
  );
  assert.equal(tfjs.engine, 'tfjs');
  assert.match(ort.engine, /^onnxruntime-web/);
  assert.ok(diff <= TOLERANCE, `the two engines' maps differ by ${diff}`);
  // What `auto` (the page's default) picks for this model, and the timing it picked by.
  const page = await newPage();
  await page.goto(`http://127.0.0.1:${port}/?backend=wasm&model=zoo:${model}`);
  await page.waitForSelector('#model-status[data-state="ready"], #model-status[data-state="error"]');
  const status = (await page.textContent('#model-status')) ?? '';
  const auto = { engine: status.split(' · ')[1] ?? '?', note: (await page.getAttribute('#model-status', 'title')) ?? '' };
  await page.close();
  console.log(`[engines] ${model}: engine=auto runs ${auto.engine}: ${auto.note}`);
  assert.match(auto.note, /CAMERAS at [\d +]+ px/, 'auto says how it chose');
  // Where one engine is clearly faster for CAMERAS, auto's own timing must have found it too.
  if (speedup > 1.5) assert.match(auto.engine, /^onnxruntime-web/, `onnxruntime-web is ${speedup.toFixed(2)}× faster, auto kept ${auto.engine}`);
  if (speedup < 0.67) assert.doesNotMatch(auto.engine, /^onnxruntime/, `TF.js is ${(1 / speedup).toFixed(2)}× faster, auto kept ${auto.engine}`);
  return { model, sizes: ENGINE_SIZES, runs, speedup, maxAbsDiff: diff, auto };
}

/** Display controls and refusals, on the page as the flow left it. */
async function controls(page: Page): Promise<void> {
  // The colormap choice redraws the overlay.
  const before = await canvasStats(page, 'canvas-cameras');
  await page.selectOption('#colormap', 'gray');
  const gray = await canvasStats(page, 'canvas-cameras');
  assert.notDeepEqual(gray, before, 'changing the colormap did not redraw');
  // At opacity 0 the overlay is the bare image. (A string, not a function: tsx's keepNames would
  // wrap inner functions in a helper the page lacks.)
  await page.$eval('#opacity', (el) => {
    (el as HTMLInputElement).value = '0';
    el.dispatchEvent(new Event('input'));
  });
  const diff = (await page.evaluate(`(() => {
    const px = (id) => { const c = document.getElementById(id); return c.getContext('2d').getImageData(0, 0, c.width, c.height).data; };
    const a = px('canvas-image'), b = px('canvas-cameras');
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  })()`)) as number;
  assert.ok(diff <= 1, `opacity 0 should show the bare image (max pixel difference ${diff})`);
  // A photo above the size limit is reduced, with a notice.
  const { encodePng } = await import('../../src/node/image-io.js');
  const big = { width: 2400, height: 1200, channels: 3 as const, data: new Uint8Array(2400 * 1200 * 3).map((_, i) => (i * 31) & 255) };
  await page.setInputFiles('#image-input', { name: 'big.png', mimeType: 'image/png', buffer: await encodePng(big) });
  await page.waitForSelector('.notice.warn[data-key="image"]');
  assert.match((await page.textContent('.notice.warn[data-key="image"]')) ?? '', /big\.png is 2400×1200: it was reduced to 1600×800/);
  assert.deepEqual(await page.$eval('#canvas-image', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]), [1600, 800]);
  // A file that is no model gets a message.
  await page.selectOption('#model-select', 'files');
  await page.setInputFiles('#model-files', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await page.waitForSelector('.notice.error[data-key="model"]');
  assert.match((await page.textContent('.notice.error[data-key="model"]')) ?? '', /unsupported model files/i);
  // The embedded model shows as unavailable when the package has none.
  const scenes = await page.$eval('#scenes-option', (o) => ({ disabled: (o as HTMLOptionElement).disabled, text: o.textContent ?? '' }));
  assert.equal(scenes.disabled, !fs.existsSync(path.join(ROOT, 'models', 'scenes', 'model.json')), `scenes option: ${scenes.text}`);
}

async function main(): Promise<void> {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  assert.ok(fs.existsSync(PHOTO), `${PHOTO} is missing`);
  fs.mkdirSync(ART, { recursive: true });

  let t = performance.now();
  const ref = await nodeReference();
  t = lap('node reference (load + both methods)', t);

  const vite = await import('vite');
  const { chromium } = await import('playwright-core');
  const port = await freePort();
  const configFile = path.join(ROOT, 'web', 'vite.config.ts');
  const logLevel = (process.env.E2E_VITE_LOG as 'info' | undefined) ?? 'warn';
  let server: { close(): Promise<void> };
  if (SERVER === 'preview') {
    // The production bundle, as deployed: built into web/dist (ignored by git), then served.
    await vite.build({ configFile, logLevel });
    t = lap('vite build', t);
    const preview = await vite.preview({ configFile, logLevel, preview: { host: '127.0.0.1', port, strictPort: true } });
    server = { close: () => preview.close() };
  } else {
    // No file watching: edits elsewhere in the checkout must not reload the page mid-test.
    const dev = await vite.createServer({ configFile, logLevel, server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null } });
    await dev.listen();
    server = dev;
  }
  t = lap('vite server start', t);

  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cameras-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Recent Chromium falls back to SwiftShader for WebGL only when asked to.
      '--enable-unsafe-swiftshader',
    ],
  });
  const log: string[] = [];
  const pageErrors: string[] = [];
  const report: Record<string, unknown> = { sizes: SIZES, server: SERVER, tolerance: TOLERANCE, runs: {} };
  try {
    const watch = (page: Page): Page => {
      page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => {
        log.push(`[pageerror] ${e.message}`);
        pageErrors.push(e.message);
      });
      page.on('requestfailed', (r) => log.push(`[requestfailed] ${r.url()} ${r.failure()?.errorText}`));
      page.setDefaultTimeout(120_000);
      return page;
    };
    const page = watch(context.pages()[0] ?? (await context.newPage()));
    for (const [i, b] of BACKENDS.entries()) {
      const r = await flow(page, port, b, ref, i === 0);
      (report.runs as Record<string, unknown>)[b] = r;
      for (const [m, d] of Object.entries(r.diffs)) assert.ok(d <= TOLERANCE, `[${b}] ${m}: browser and Node maps differ by ${d} > ${TOLERANCE}`);
    }
    t = performance.now();
    await controls(page);
    t = lap('controls and refusals', t);
    if (THREAD_REPEATS > 0) {
      report.threads = await threadComparison(async () => watch(await context.newPage()), port);
      t = lap('threads: 1 vs default', t);
    }
    if (ENGINE_REPEATS > 0) {
      report.engines = [];
      for (const m of ENGINE_MODELS) (report.engines as unknown[]).push(await engineComparison(async () => watch(await context.newPage()), port, m));
      lap('engines: TF.js vs onnxruntime-web', t);
    }
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
  } finally {
    timings.total = Math.round(performance.now() - t0);
    report.timings = timings;
    fs.writeFileSync(path.join(ART, 'e2e-report.json'), JSON.stringify(report, null, 2));
    fs.writeFileSync(path.join(ART, 'e2e-console.log'), log.join('\n'));
    await context.close();
    await server.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log(`timings (ms): ${JSON.stringify(timings)}`);
  console.log('e2e: PASS');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`e2e: FAIL: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    console.error(`details: ${path.join(ART, 'e2e-console.log')}, ${path.join(ART, 'e2e-report.json')}`);
    process.exit(1);
  },
);
