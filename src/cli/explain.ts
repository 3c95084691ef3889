import * as path from 'node:path';
import type { Command } from 'commander';
import type { ModelAdapter, RgbImage } from '../core/types.js';
import type { SaliencyResult } from '../methods/types.js';
import type { CamerasOptions } from '../methods/cameras.js';
import { METHODS, getMethod } from '../methods/index.js';
import { readImage, encodePng, DEFAULT_MAX_PIXELS } from '../node/image-io.js';
import { encodeNpy } from '../image/npy.js';
import { OutputTransaction, removeStaleTempFiles } from '../node/atomic-write.js';
import { overlay, sideBySide, isColormapName, formatNames, type ColormapName } from '../image/index.js';
import { captionBelow } from '../analysis/contrast.js';
import { figureFontScale, withColorBar } from '../image/colorbar.js';
import { imageCaption, mapCaption } from './figures.js';
import { checkOutDir, imageStems, modelSlug, prepareOutDir, refuseExisting } from './outputs.js';
import { CliError, acceptOption, addMapOptions, addModelLoadOptions, intOption, modelFromOptions, note, oneLine, sizesOption, startBackend, type ModelCliOptions } from './common.js';

interface ExplainCliOptions extends ModelCliOptions {
  method: string;
  target?: string;
  layer?: string;
  sizes?: string;
  maxSize?: string;
  steps?: string;
  inputResize: string;
  checkPrediction: boolean;
  accept?: string;
  square?: boolean;
  out: string;
  json?: boolean;
  colormap: string;
  alpha: string;
  sideBySide?: boolean;
  maxPixels?: string;
  quiet?: boolean;
  methodOptions?: string;
  overwrite?: boolean;
}

/** The JSON line printed per image and method. */
export interface ExplainRecord {
  image: string;
  model: string;
  engine: string;
  backend: string;
  threads: number;
  method: string;
  layer?: string;
  target: { index: number; label?: string; probability: number };
  predicted: { index: number; label?: string; probability: number };
  sizesUsed: readonly number[];
  sizesRejected: readonly number[];
  /** CAMERAS: the acceptance policy. */
  accept?: string;
  /** What the user should know about the map (empty when nothing); see `SaliencyResult.warnings`. */
  warnings: readonly string[];
  mapShape: [number, number];
  files: { overlay: string; npy: string; rawNpy: string; json?: string; sideBySide?: string };
  ms: number;
}

function methodOptions(o: ExplainCliOptions): CamerasOptions {
  const sizes = sizesOption(o.sizes);
  const maxSize = intOption(o.maxSize, '--max-size');
  const steps = intOption(o.steps, '--steps');
  if (sizes && (maxSize || steps)) throw new CliError('give either --sizes or --max-size/--steps, not both', 2);
  if ((maxSize === undefined) !== (steps === undefined)) throw new CliError('--max-size and --steps go together', 2);
  if (o.inputResize !== 'bilinear' && o.inputResize !== 'bicubic') throw new CliError(`--input-resize must be bilinear or bicubic`, 2);
  let target: CamerasOptions['target'];
  if (o.target !== undefined) target = /^\d+$/.test(o.target) ? Number(o.target) : o.target;
  let extra: Record<string, unknown> = {};
  if (o.methodOptions) {
    try {
      extra = JSON.parse(o.methodOptions) as Record<string, unknown>;
    } catch (e) {
      throw new CliError(`--method-options must be a JSON object: ${(e as Error).message}`, 2);
    }
    if (!extra || typeof extra !== 'object' || Array.isArray(extra)) throw new CliError('--method-options must be a JSON object', 2);
  }
  return {
    ...extra,
    target,
    layer: o.layer,
    inputResize: o.inputResize,
    accept: acceptOption(o.accept, o.checkPrediction),
    square: o.square,
    ...(sizes ? { sizes } : maxSize ? { schedule: { maxSize, steps: steps! } } : {}),
  };
}

/**
 * The files of one image: `<stem>.<model>.<method>.*`, so that runs with other models into the same
 * folder add files instead of replacing them. `json` only for a --json run.
 */
function outputFiles(out: string, stem: string, model: string, method: string, json: boolean | undefined): ExplainRecord['files'] {
  const base = path.join(out, `${stem}.${modelSlug(model)}.${method}`);
  return { overlay: `${base}.png`, npy: `${base}.npy`, rawNpy: `${base}.raw.npy`, ...(json ? { json: `${base}.json` } : {}) };
}

function sideBySideFile(out: string, stem: string, model: string): string {
  return path.join(out, `${stem}.${modelSlug(model)}.compare.png`);
}

async function explainOne(
  file: string,
  model: ModelAdapter,
  methods: string[],
  o: ExplainCliOptions,
  backend: { backend: string; threads: number },
  label: string,
  stem: string,
): Promise<ExplainRecord[]> {
  const image: RgbImage = await readImage(file, { maxPixels: intOption(o.maxPixels, '--max-pixels') ?? DEFAULT_MAX_PIXELS });
  const base = methodOptions(o);
  const results: SaliencyResult[] = [];
  for (const name of methods) {
    const onProgress = o.quiet ? undefined : (d: number, n: number, m: string) => note(`${label} ${name}: ${m} [${d}/${n}]`);
    results.push(await getMethod(name)(model, image, { ...base, onProgress }));
  }
  const colormap = o.colormap as ColormapName;
  const alpha = Number(o.alpha);
  return OutputTransaction.run(async (tx) => {
    const records: ExplainRecord[] = [];
    // Panels for --side-by-side: each with the facts that make the figure readable on its own.
    const scale = figureFontScale(image.width);
    const panels: RgbImage[] = [captionBelow(image, imageCaption(file, image), { fontScale: scale })];
    for (const r of results) {
      const files = outputFiles(o.out, stem, model.name, r.method, o.json);
      const ov = overlay(image, r.map, { colormap, alpha });
      panels.push(captionBelow(ov, mapCaption(r, model.name), { fontScale: scale }));
      await tx.stage(files.overlay, await encodePng(ov));
      await tx.stage(files.npy, encodeNpy(r.map, [r.height, r.width]));
      await tx.stage(files.rawNpy, encodeNpy(r.raw, [r.height, r.width]));
      const t = (x: SaliencyResult['target']) => ({ index: x.index, label: x.label, probability: x.probability });
      records.push({
        image: file,
        model: model.name,
        engine: model.engine,
        backend: backend.backend,
        threads: backend.threads,
        method: r.method,
        layer: r.layer,
        target: t(r.target),
        predicted: t(r.predicted),
        sizesUsed: r.sizesUsed,
        sizesRejected: r.sizesRejected,
        ...(r.accept ? { accept: r.accept } : {}),
        warnings: r.warnings,
        mapShape: [r.height, r.width],
        files,
        ms: Math.round(r.ms),
      });
    }
    if (o.sideBySide) {
      const sbs = sideBySideFile(o.out, stem, model.name);
      const figure = sideBySide(panels, { labels: ['image', ...results.map((r) => r.method)], fontScale: scale });
      await tx.stage(sbs, await encodePng(withColorBar(figure, colormap, { fontScale: scale })));
      for (const r of records) r.files.sideBySide = sbs;
    }
    // Beside the maps, the object the CLI prints: the folder explains itself later.
    for (const r of records) if (r.files.json) await tx.stage(r.files.json, `${JSON.stringify(r)}\n`);
    return records;
  }, { overwrite: !!o.overwrite });
}

/** `cameras explain IMAGE...`: maps for one or more images, files written per image all-or-nothing. */
export function registerExplain(program: Command): void {
  const cmd = program
    .command('explain')
    .description('compute saliency maps for images and write overlays and .npy maps')
    .argument('<images...>', `image files (${formatNames()})`)
    .option('-m, --model <name|path>', 'zoo name, model folder, model.json, .onnx or .tflite', 'scenes')
    .option('--method <names>', `one or more of ${Object.keys(METHODS).join(', ')} (comma-separated)`, 'cameras')
    .option('-t, --target <index|label>', 'class to explain (default: the predicted class)')
    .option('--sizes <list>', 'input sizes (shorter side, px), e.g. 224,324,424 (default: 224,324,…,924)')
    .option('--max-size <px>', 'largest size ζm of an evenly spaced schedule (with --steps)')
    .option('--steps <n>', 'number of sizes N of that schedule (paper: --max-size 1000 --steps 7)')
    .option('-o, --out <dir>', 'output folder', 'out')
    .option('--json', 'print one JSON object per image and method on stdout and write it beside the maps as IMAGE.MODEL.METHOD.json')
    .option('--colormap <name>', 'jet, turbo, viridis, inferno or gray', 'jet')
    .option('--alpha <a>', 'overlay opacity of the map, 0..1', '0.5')
    .option('--side-by-side', 'also write IMAGE.MODEL.compare.png: the image and every method\'s overlay')
    .option('--overwrite', 'replace output files that already exist (default: refuse before computing)')
    .option('--method-options <json>', 'method-specific options, e.g. \'{"n":500}\' for rise, \'{"samples":10}\' for smoothgrad')
    .option('--max-pixels <n>', `refuse images larger than this many pixels (default ${DEFAULT_MAX_PIXELS})`)
    .option('-q, --quiet', 'no progress on stderr')
    .option('-v, --verbose', 'stack traces on errors');
  addModelLoadOptions(addMapOptions(cmd)).action(async (images: string[], o: ExplainCliOptions) => {
    const methods = o.method.split(',').map((m) => m.trim()).filter(Boolean);
    for (const m of methods) {
      try {
        getMethod(m);
      } catch (e) {
        throw new CliError(oneLine(e), 2);
      }
    }
    if (!isColormapName(o.colormap)) throw new CliError(`--colormap must be jet, turbo, viridis, inferno or gray`, 2);
    const alpha = Number(o.alpha);
    if (!(alpha >= 0 && alpha <= 1)) throw new CliError('--alpha must be between 0 and 1', 2);
    methodOptions(o);
    // Usage errors surface before the model loads, not once per image.
    intOption(o.maxPixels, '--max-pixels');
    const stems = imageStems(images);
    checkOutDir(o.out);
    const backend = await startBackend(o);
    const model = await modelFromOptions(o);
    const planned = images.flatMap((f) => [
      ...methods.flatMap((m) => Object.values(outputFiles(o.out, stems.get(f)!, model.name, m, o.json))),
      ...(o.sideBySide ? [sideBySideFile(o.out, stems.get(f)!, model.name)] : []),
    ]);
    const failures: string[] = [];
    let outDir;
    try {
      refuseExisting(planned, o.overwrite);
      outDir = prepareOutDir(o.out);
    } catch (e) {
      model.dispose();
      throw e;
    }
    // Leftovers of a killed earlier run (hidden temp files), never published outputs.
    await removeStaleTempFiles(o.out);
    try {
      for (const [i, file] of images.entries()) {
        try {
          const records = await explainOne(file, model, methods, o, backend, `[${i + 1}/${images.length} ${path.basename(file)}]`, stems.get(file)!);
          for (const r of records) {
            // One line per warning on stderr whatever the output mode, so a --json pipe still shows it.
            for (const w of r.warnings) note(`warning: ${path.basename(r.image)} ${r.method}: ${w}`);
            if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
            else note(`${r.image}: ${r.method} → ${r.files.overlay} (class ${r.target.index}${r.target.label ? ` "${r.target.label}"` : ''}, p=${r.target.probability.toFixed(3)}, sizes ${r.sizesUsed.join(',')}, ${r.ms} ms)`);
          }
        } catch (e) {
          // A usage error is about the command, not this file: main prints it once.
          if (e instanceof CliError && e.exitCode === 2) throw e;
          if (o.verbose) console.error(e);
          const msg = oneLine(e);
          failures.push(file);
          note(msg.startsWith(file) ? msg : `${file}: ${msg}`);
        }
      }
    } finally {
      model.dispose();
      outDir.removeIfEmpty();
    }
    if (images.length > 1) note(`${images.length - failures.length} of ${images.length} images done${failures.length ? `; failed: ${failures.join(', ')}` : ''}`);
    if (failures.length) process.exitCode = 1;
  });
}
