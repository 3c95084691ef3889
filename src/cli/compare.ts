import * as path from 'node:path';
import type { Command } from 'commander';
import type { ModelAdapter, RgbImage } from '../core/types.js';
import type { SaliencyResult } from '../methods/types.js';
import { resolveTarget } from '../core/target.js';
import { readImage, encodePng, DEFAULT_MAX_PIXELS } from '../node/image-io.js';
import { OutputTransaction } from '../node/atomic-write.js';
import { overlay, grid, fitWithin, isColormapName, type ColormapName } from '../image/index.js';
import { classify, workingImage } from '../analysis/pgd.js';
import { captionBelow, classContrast, differenceImage } from '../analysis/contrast.js';
import { CliError, intOption, modelFromOptions, note, oneLine, sizesOption, startBackend, type ModelCliOptions } from './common.js';
import { methodSet, modelOptions } from './sanity.js';
import { mapCaption } from './figures.js';
import { withColorBar } from '../image/colorbar.js';
import { checkOutDir, imageStems, prepareOutDir, refuseExisting } from './outputs.js';

interface CompareCliOptions extends ModelCliOptions {
  models: string;
  targets: string;
  methods: string;
  out: string;
  json?: boolean;
  cellSize: string;
  colormap: string;
  alpha: string;
  sizes?: string;
  maxPixels?: string;
  quiet?: boolean;
  overwrite?: boolean;
}

/** How `--targets` picks classes: the top n of each model, or a list of indices/labels. */
export type TargetRequest = { top: number } | { list: (number | string)[] };

/** Parses `--targets`: `topN`, or comma-separated class indices and/or labels. */
export function parseTargets(value: string): TargetRequest {
  const v = value.trim();
  const top = /^top(\d+)$/i.exec(v);
  if (top) {
    const n = Number(top[1]);
    if (n < 1) throw new CliError('--targets topN needs N ≥ 1', 2);
    return { top: n };
  }
  const list = v.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  if (list.length === 0) throw new CliError('--targets is empty', 2);
  return { list };
}

/** Classes of one model for a request: its top n at the base size, or the listed ones resolved. */
export function resolveTargets(req: TargetRequest, logits: ArrayLike<number>, labels?: readonly string[]): number[] {
  if ('top' in req) {
    const idx = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
    return idx.slice(0, Math.min(req.top, logits.length));
  }
  return req.list.map((t) => resolveTarget(t, 0, logits.length, labels));
}

/** One cell of the comparison, as the JSON reports it. */
export interface CompareCell {
  model: string;
  engine: string;
  method: string;
  layer?: string;
  target: { index: number; label?: string; probability: number };
  predicted: { index: number; label?: string; probability: number };
  sizesUsed: readonly number[];
  sizesRejected: readonly number[];
  ms: number;
}

/** The files `compare` writes for one image (the contrast figure only for one model and ≥ 2 classes). */
function compareFiles(out: string, stem: string): { grid: string; contrast: string; json: string } {
  return { grid: path.join(out, `${stem}.compare.png`), contrast: path.join(out, `${stem}.contrast.png`), json: path.join(out, `${stem}.compare.json`) };
}

/**
 * `cameras compare IMAGE...`: several models and classes on each image, one captioned grid per
 * image (rows = model × class, columns = methods) plus JSON; with one model and two or more classes
 * also a class-contrast figure (the maps on a shared scale and their difference).
 */
export function registerCompare(program: Command): void {
  const cmd = program
    .command('compare')
    .description('maps of several models and classes side by side; class contrast for one model')
    .argument('<images...>', 'image files')
    .requiredOption('--models <list>', 'comma-separated models (zoo names, folders, model.json, .onnx, .tflite)')
    .option('--targets <spec>', 'topN, or comma-separated class indices/labels', 'top1')
    .option('--methods <names>', 'comma-separated methods', 'cameras,gradcam')
    .option('-o, --out <dir>', 'output folder', 'out')
    .option('--json', 'print one JSON object per image on stdout')
    .option('--cell-size <px>', 'longer side of each cell', '256')
    .option('--colormap <name>', 'jet, turbo, viridis, inferno or gray', 'jet')
    .option('--alpha <a>', 'overlay opacity of the map, 0..1', '0.5')
    .option('--overwrite', 'replace output files that already exist (default: refuse before computing)');
  modelOptions(cmd).action(async (images: string[], o: CompareCliOptions) => {
    const methods = methodSet(o.methods);
    const req = parseTargets(o.targets);
    const modelNames = o.models.split(',').map((s) => s.trim()).filter(Boolean);
    if (modelNames.length === 0) throw new CliError('--models is empty', 2);
    if (!isColormapName(o.colormap)) throw new CliError('--colormap must be jet, turbo, viridis, inferno or gray', 2);
    const alpha = Number(o.alpha);
    if (!(alpha >= 0 && alpha <= 1)) throw new CliError('--alpha must be between 0 and 1', 2);
    const cellSize = intOption(o.cellSize, '--cell-size', 16)!;
    const sizes = sizesOption(o.sizes);
    const stems = imageStems(images);
    checkOutDir(o.out);
    // Every file a run may write, checked before any model loads.
    refuseExisting(images.flatMap((f) => Object.values(compareFiles(o.out, stems.get(f)!))), o.overwrite);
    await startBackend(o);
    const models: ModelAdapter[] = [];
    let outDir;
    try {
      for (const m of modelNames) models.push(await modelFromOptions({ ...o, model: m }));
      outDir = prepareOutDir(o.out);
      for (const file of images) {
        const image: RgbImage = await readImage(file, { maxPixels: intOption(o.maxPixels, '--max-pixels') ?? DEFAULT_MAX_PIXELS });
        const rows: RgbImage[][] = [];
        const cells: CompareCell[] = [];
        const byModel: { model: ModelAdapter; targets: number[]; results: SaliencyResult[][] }[] = [];
        for (const model of models) {
          const clean = await classify(model, workingImage(image, model.inputSize));
          let targets: number[];
          try {
            targets = resolveTargets(req, clean.logits, model.labels);
          } catch (e) {
            throw new CliError(`${model.name}: ${oneLine(e)}`, 2);
          }
          const results: SaliencyResult[][] = [];
          for (const target of targets) {
            const row: RgbImage[] = [];
            const rs: SaliencyResult[] = [];
            for (const [name, method] of Object.entries(methods)) {
              if (!o.quiet) note(`${path.basename(file)}: ${model.name} class ${target} ${name}`);
              const r = await method(model, image, { target, ...(sizes ? { sizes } : {}) });
              rs.push(r);
              row.push(captionBelow(fitWithin(overlay(image, r.map, { colormap: o.colormap as ColormapName, alpha }), cellSize), mapCaption(r, model.name)));
              const t = (x: SaliencyResult['target']) => ({ index: x.index, label: x.label, probability: x.probability });
              cells.push({ model: model.name, engine: model.engine, method: name, layer: r.layer, target: t(r.target), predicted: t(r.predicted), sizesUsed: r.sizesUsed, sizesRejected: r.sizesRejected, ms: Math.round(r.ms) });
            }
            rows.push(row);
            results.push(rs);
          }
          byModel.push({ model, targets, results });
        }
        const planned = compareFiles(o.out, stems.get(file)!);
        const files: Record<string, string> = { grid: planned.grid };
        const contrasts: unknown[] = [];
        const record = await OutputTransaction.run(async (tx) => {
          await tx.stage(files.grid, await encodePng(withColorBar(grid(rows, { colLabels: Object.keys(methods), gap: 6 }), o.colormap as ColormapName)));
          if (models.length === 1 && byModel[0].targets.length >= 2) {
            const { model, results } = byModel[0];
            const crows: RgbImage[][] = [];
            Object.keys(methods).forEach((name, mi) => {
              for (let j = 1; j < results.length; j++) {
                const A = results[0][mi];
                const B = results[j][mi];
                const c = classContrast(A.raw, B.raw);
                const lab = (r: SaliencyResult) => `${r.target.index}${r.target.label ? ` ${r.target.label.split(',')[0]}` : ''}`;
                const cell = (img: RgbImage, lines: string[]) => captionBelow(fitWithin(img, cellSize), lines);
                crows.push([
                  cell(overlay(image, c.a, { colormap: o.colormap as ColormapName, alpha }), [`${name} A: ${lab(A)}`, `p=${A.target.probability.toFixed(3)}`, 'shared scale']),
                  cell(overlay(image, c.b, { colormap: o.colormap as ColormapName, alpha }), [`${name} B: ${lab(B)}`, `p=${B.target.probability.toFixed(3)}`, 'shared scale']),
                  cell(differenceImage(c.difference, image.width, image.height, c.differenceRange), ['A-B: red A, blue B', `range +-${c.differenceRange.toFixed(3)}`, `of shared max ${c.scale.toPrecision(3)}`]),
                ]);
                const share = (sign: 1 | -1) => c.difference.reduce((n, v) => n + (sign * v > 0 ? 1 : 0), 0) / c.difference.length;
                contrasts.push({ model: model.name, method: name, a: A.target, b: B.target, sharedScale: c.scale, differenceRange: c.differenceRange, pixelsAOverB: share(1), pixelsBOverA: share(-1) });
              }
            });
            files.contrast = planned.contrast;
            await tx.stage(files.contrast, await encodePng(grid(crows, { colLabels: ['class A', 'class B', 'A - B'], gap: 6 })));
          }
          const record = { image: file, width: image.width, height: image.height, files, cells, ...(contrasts.length ? { contrast: contrasts } : {}) };
          await tx.stage(planned.json, `${JSON.stringify(record)}\n`);
          return record;
        }, { overwrite: !!o.overwrite });
        if (o.json) process.stdout.write(`${JSON.stringify(record)}\n`);
        else note(`${file} → ${Object.values(files).join(', ')}`);
      }
    } finally {
      for (const m of models) m.dispose();
      outDir?.removeIfEmpty();
    }
  });
}
