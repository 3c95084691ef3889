/**
 * `cameras eval pointing-game|density|insertion-deletion` (data-set runs with resume and shards)
 * and `cameras eval merge` (shard outputs → one summary).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import type { MetricSummary } from '../../metrics/summary.js';
import { summaryJson, summaryMarkdown } from '../../metrics/summary.js';
import { loadClassMap } from '../../node/annotations.js';
import { writeFileAtomic } from '../../node/atomic-write.js';
import { DEFAULT_MAX_PIXELS } from '../../node/image-io.js';
import type { Shard } from '../../node/run-store.js';
import { mergeRuns, readRunFile } from '../../node/run-store.js';
import { CliError, acceptOption, addMapOptions, addModelLoadOptions, intOption, modelFromOptions, note, oneLine, parseMethodOptions, parseMethods, sizesOption, startBackend, type ModelCliOptions } from '../common.js';
import type { EvalMetric, EvalSummary } from './records.js';
import { checkRecords, EVAL_METRICS, summarizeRecords } from './records.js';
import { resultsFile, runEvaluation, type EvalMethodOptions } from './run.js';
import { registerEvalScenes } from './scenes.js';
import type { ResolvedShard, ShardWorker } from './shard.js';
import { checkMergeTarget, checkSameSettings, describeShard, mergeShardFolder, resolveShard, startShardWorker } from './shard.js';
import { checkOutDir, prepareOutDir } from '../outputs.js';

interface EvalCliOptions extends ModelCliOptions {
  images: string;
  annotations?: string;
  methods: string;
  out: string;
  json?: boolean;
  shard?: string;
  limit?: string;
  classMap?: string;
  sizes?: string;
  methodOptions?: string;
  layer?: string;
  inputResize: string;
  checkPrediction: boolean;
  accept?: string;
  square?: boolean;
  includeUnannotated?: boolean;
  pixelsPerStep?: string;
  curveSteps?: string;
  batch?: string;
  maxPixels?: string;
  quiet?: boolean;
  overwrite?: boolean;
}

const METRIC_HELP: Record<EvalMetric, string> = {
  'pointing-game': 'pointing game (TorchRay protocol): All and Difficult accuracy per method; needs --annotations',
  density: 'positive and negative map density ρ⁺/ρ⁻ (CAMERAS §4.2)',
  'insertion-deletion': 'insertion and deletion AUC (RISE protocol), at the base input size',
};

/** Summary file paths: `summary.{json,md}`, or `summary-shard-k-of-n.*` for a shard. */
export function summaryFiles(out: string, shard?: Shard): { json: string; md: string } {
  const stem = shard ? `summary-shard-${shard.index}-of-${shard.count}` : 'summary';
  return { json: path.join(out, `${stem}.json`), md: path.join(out, `${stem}.md`) };
}

/**
 * Refuses to replace the summary of another metric or model (another run's) unless `overwrite`.
 * The same metric and model is the same results file summarised again, as on a resume.
 */
export function checkSummaryOwner(files: { json: string; md: string }, metric: string, model: string, overwrite?: boolean): void {
  if (overwrite || (!fs.existsSync(files.json) && !fs.existsSync(files.md))) return;
  let owner: { metric?: unknown; model?: unknown } | undefined;
  try {
    owner = JSON.parse(fs.readFileSync(files.json, 'utf8')) as typeof owner;
  } catch {
    owner = undefined;
  }
  if (owner?.metric === metric && owner?.model === model) return;
  const whose = owner && typeof owner.metric === 'string' ? ` (${owner.metric}, ${String(owner.model)})` : '';
  throw new CliError(`${files.json} already holds another run's summary${whose}: pass --overwrite to replace it, or choose another --out`);
}

/**
 * The sentence under the table. It gives counts of (image, class) pairs, not percentages, and says
 * so: right under a table of percentages a bare "82" reads like one.
 */
export function captionNotes(s: EvalSummary, failed: number): string {
  const what = s.summary.metric === 'pointing-game' ? 'scored in each split' : 'averaged for each value (undefined values left out)';
  const pairs = Object.entries(s.counts).map(([m, c]) => `${m} ${Object.entries(c).map(([k, v]) => `${v} (${k})`).join(', ')}`);
  return `\nNumber of (image, class) pairs ${what}, per method: ${pairs.join('; ')}.${failed > 0 ? ` ${failed} image${failed === 1 ? '' : 's'} failed (see stderr).` : ''}\n`;
}

async function emit(summary: MetricSummary, markdown: string, json: boolean | undefined, files?: { json: string; md: string }): Promise<void> {
  if (files) {
    await writeFileAtomic(files.json, `${summaryJson(summary)}\n`);
    await writeFileAtomic(files.md, markdown);
  }
  process.stderr.write(`\n${markdown}`);
  // The summary object is the last line of stdout, whatever else a method printed before.
  if (json) process.stdout.write(`${summaryJson(summary)}\n`);
}

/** The data-set options first in `--help`, then how maps are made, then how the model runs. */
function addRunOptions(cmd: Command): Command {
  const withData = cmd
    .requiredOption('--images <dir>', 'folder of images')
    .option('--annotations <file>', 'VOC07 annotations JSON or COCO-format JSON (difficult flags file picked up beside it)')
    .requiredOption('-m, --model <name|path>', 'zoo name, model folder, model.json, .onnx or .tflite')
    .option('--methods <list>', 'comma-separated methods (see `cameras explain --help`); `center` = the trivial baseline', 'cameras,gradcam,center')
    .option('-o, --out <dir>', 'output folder: results JSONL and summary', 'out/eval')
    .option('--json', 'end stdout with one JSON summary line')
    .option('--shard <k/n|auto[/n]>', 'evaluate shard k of n (0-based k; items split by image id); auto: k (and n) from a Kubernetes Indexed Job or Slurm job array (docs/scale-out.md)')
    .option('--limit <n>', 'only the first n images (sorted by id), before sharding')
    .option('--class-map <file>', 'JSON mapping data-set classes to model labels or indices')
    .option('--include-unannotated', 'density, insertion-deletion with --annotations: also score images without annotations, by the top-1 class')
    .option('--sizes <list>', 'CAMERAS input sizes, e.g. 224,324 (default 224,324,…,924)')
    .option('--method-options <json|file>', 'per-method options, e.g. \'{"rise":{"n":500},"smoothgrad":{"samples":10}}\'')
    .option('--pixels-per-step <n>', 'insertion/deletion: pixels changed per step (default 224)')
    .option('--curve-steps <n>', 'insertion/deletion: number of steps instead')
    .option('--batch <n>', 'insertion/deletion: images per forward pass (default 16)')
    .option('--max-pixels <n>', `refuse images larger than this many pixels (default ${DEFAULT_MAX_PIXELS})`)
    .option('--overwrite', 'replace a summary.{json,md} of another metric or model in --out (default: refuse)')
    .option('-q, --quiet', 'no progress bar')
    .option('-v, --verbose', 'stack traces on errors');
  return addModelLoadOptions(addMapOptions(withData));
}

async function runCommand(metric: EvalMetric, o: EvalCliOptions): Promise<void> {
  const methods = parseMethods(o.methods);
  if (metric === 'pointing-game' && !o.annotations) throw new CliError('pointing-game needs --annotations', 2);
  let shard: ResolvedShard | undefined;
  try {
    shard = o.shard !== undefined ? resolveShard(o.shard) : undefined;
  } catch (e) {
    throw new CliError(oneLine(e), 2);
  }
  if (o.inputResize !== 'bilinear' && o.inputResize !== 'bicubic') throw new CliError('--input-resize must be bilinear or bicubic', 2);
  const pixelsPerStep = intOption(o.pixelsPerStep, '--pixels-per-step');
  const steps = intOption(o.curveSteps, '--curve-steps');
  if (pixelsPerStep !== undefined && steps !== undefined) throw new CliError('give --pixels-per-step or --curve-steps, not both', 2);
  const batchSize = intOption(o.batch, '--batch');
  const limit = intOption(o.limit, '--limit');
  const maxPixels = intOption(o.maxPixels, '--max-pixels');
  const sizes = sizesOption(o.sizes);
  if (!fs.existsSync(o.images) || !fs.statSync(o.images).isDirectory()) throw new CliError(`--images ${o.images}: not a folder`, 2);
  checkOutDir(o.out);
  if (o.annotations && !fs.existsSync(o.annotations)) throw new CliError(`--annotations ${o.annotations}: no such file`, 2);
  let classMap;
  if (o.classMap) {
    try {
      classMap = await loadClassMap(o.classMap);
    } catch (e) {
      throw new CliError(`--class-map: ${oneLine(e)}`, 2);
    }
  }
  const perMethod = o.methodOptions !== undefined ? parseMethodOptions(o.methodOptions) : undefined;
  const methodOptions: EvalMethodOptions = {
    ...(sizes ? { sizes } : {}),
    ...(o.layer ? { layer: o.layer } : {}),
    inputResize: o.inputResize,
    accept: acceptOption(o.accept, o.checkPrediction),
    ...(o.square ? { square: true } : {}),
  };
  await startBackend(o);
  const model = await modelFromOptions(o);
  let worker: ShardWorker | undefined;
  try {
    checkSummaryOwner(summaryFiles(o.out, shard), metric, model.name, o.overwrite);
    prepareOutDir(o.out);
    if (shard) {
      note(describeShard(shard));
      worker = await startShardWorker({ file: resultsFile(o.out, metric, model.name, shard), metric, model: model.name, shard, methods, ...(limit !== undefined ? { limit } : {}), note });
    }
    const report = await runEvaluation({
      metric,
      imagesDir: o.images,
      ...(o.annotations ? { annotations: o.annotations } : {}),
      model,
      methods,
      out: o.out,
      ...(shard ? { shard } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(o.includeUnannotated ? { includeUnannotated: true } : {}),
      ...(classMap ? { classMap } : {}),
      methodOptions,
      ...(perMethod ? { perMethod } : {}),
      curve: { ...(pixelsPerStep ? { pixelsPerStep } : {}), ...(steps ? { steps } : {}), ...(batchSize ? { batchSize } : {}) },
      ...(maxPixels !== undefined ? { maxPixels } : {}),
      progress: o.quiet ? null : undefined,
      onNote: note,
      ...(worker ? { onPlan: worker.onPlan } : {}),
    });
    await worker?.finish(report.failed);
    const md = summaryMarkdown(report.summary) + captionNotes(report, report.failed.length);
    note(`${report.file}: ${report.computed} items computed, ${report.skipped} already stored; ${report.summary.images} images in the summary, ${report.failed.length} failed`);
    await emit(report.summary, md, o.json, summaryFiles(o.out, shard));
    if (report.failed.length > 0) process.exitCode = 1;
  } catch (e) {
    throw e instanceof CliError ? e : new CliError(oneLine(e));
  } finally {
    await worker?.release();
    model.dispose();
  }
}

/** `cameras eval merge FILES...` or `--out DIR` alone (the shards in DIR): merge shard results and summarise them. */
async function mergeCommand(files: string[], o: { json?: boolean; out?: string; methods?: string; overwrite?: boolean }): Promise<void> {
  let incomplete: string | undefined;
  if (files.length === 0) {
    if (!o.out) throw new CliError('give the results files, or --out DIR holding the shards', 2);
    try {
      const found = await mergeShardFolder(o.out, note);
      files = found.files;
      if (found.incomplete.length > 0) incomplete = found.verdict;
    } catch (e) {
      throw new CliError(oneLine(e));
    }
  }
  for (const f of files) if (!fs.existsSync(f)) throw new CliError(`${f}: no such file`, 2);
  let merged;
  try {
    merged = checkRecords(await mergeRuns(files), files.join(', '));
    checkSameSettings(merged, files.join(', '));
  } catch (e) {
    throw new CliError(oneLine(e));
  }
  if (merged.length === 0) throw new CliError('no results in these files');
  // Rows in the order the runs wrote them (the --methods order), unless --methods says otherwise.
  const order = o.methods ? parseMethods(o.methods) : [...new Set((await Promise.all(files.map(async (f) => (await readRunFile(f)).records))).flat().map((r) => String(r.method)))];
  const { metric, model } = merged[0]!;
  const s = summarizeRecords(metric, model, merged, order);
  const md = summaryMarkdown(s.summary) + captionNotes(s, 0) + (incomplete ? `\nIncomplete: ${incomplete}.\n` : '');
  note(`merged ${merged.length} results from ${files.length} file${files.length === 1 ? '' : 's'}`);
  let outFiles;
  if (o.out) {
    prepareOutDir(o.out);
    const target = resultsFile(o.out, metric, model);
    try {
      await checkMergeTarget(target, merged);
    } catch (e) {
      throw new CliError(oneLine(e));
    }
    outFiles = summaryFiles(o.out);
    checkSummaryOwner(outFiles, metric, model, o.overwrite);
    await writeFileAtomic(target, merged.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  await emit(s.summary, md, o.json, outFiles);
  // What is there is merged; the exit status tells a pipeline that shards are missing.
  if (incomplete) process.exitCode = 1;
}

/** Registers `cameras eval ...`. */
export function registerEval(program: Command): void {
  const ev = program.command('eval').description('evaluate saliency methods over a data set (pointing game, density, insertion/deletion)');
  for (const metric of EVAL_METRICS) {
    addRunOptions(ev.command(metric).description(METRIC_HELP[metric])).action(async (o: EvalCliOptions) => {
      await runCommand(metric, o);
    });
  }
  registerEvalScenes(ev);
  ev.command('merge')
    .description('merge the JSONL results of shards and print the summary; with --out DIR alone, the shards in DIR and which are complete, partial or missing (exit 1 unless all are complete)')
    .argument('[files...]', 'results files written by `cameras eval ... --shard k/n` (default: the shards in --out)')
    .option('--json', 'end stdout with one JSON summary line')
    .option('-o, --out <dir>', 'also write the merged JSONL and summary.{json,md} here; without files, merge the shards found here')
    .option('--methods <list>', 'row order (default: as the runs wrote them)')
    .option('--overwrite', 'replace a summary.{json,md} of another metric or model in --out (default: refuse)')
    .option('-v, --verbose', 'stack traces on errors')
    .action(async (files: string[], o: { json?: boolean; out?: string; methods?: string; overwrite?: boolean }) => {
      await mergeCommand(files, o);
    });
}
