import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import type { RgbImage } from '../core/types.js';
import { getMethod } from '../methods/index.js';
import { readImage, encodePng, DEFAULT_MAX_PIXELS } from '../node/image-io.js';
import { writeFileAtomic } from '../node/atomic-write.js';
import { fitWithin } from '../image/resize.js';
import { hasImageExtension } from '../image/formats.js';
import { modelRandomizationCheck, type MethodSet, type RandomizationReport, type RandomizationVariant } from '../analysis/model-randomization.js';
import { sanityGrid, sanityPlotSvg } from '../analysis/sanity-plot.js';
import { SIMILARITY_KEYS } from '../analysis/similarity-scores.js';
import { adversarialCheck, summarizeAdversarialCheck, ADVERSARIAL_CHECK_DEFAULTS, DEFAULT_L2_EPSILONS, DEFAULT_LINF_EPSILONS, type AdversarialCheckRecord } from '../analysis/adversarial-check.js';
import { checkOutDir, imageStems, prepareOutDir, refuseExisting } from './outputs.js';
import { CliError, intOption, modelFromOptions, note, oneLine, sizesOption, startBackend, type ModelCliOptions } from './common.js';


/** Files named on the command line, folders expanded to their images (sorted), at most `limit`. */
export function expandImages(paths: readonly string[], limit?: number): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new CliError(`${p}: no such file or folder`, 2);
    }
    if (st.isDirectory()) {
      out.push(...fs.readdirSync(p).filter(hasImageExtension).sort().map((f) => path.join(p, f)));
    } else out.push(p);
  }
  if (out.length === 0) throw new CliError('no images found', 2);
  return limit ? out.slice(0, limit) : out;
}

/** The methods of a `--methods a,b` option, checked. */
export function methodSet(list: string): MethodSet {
  const names = list.split(',').map((m) => m.trim()).filter(Boolean);
  if (names.length === 0) throw new CliError('--methods is empty', 2);
  const set: Record<string, ReturnType<typeof getMethod>> = {};
  for (const n of names) {
    try {
      set[n] = getMethod(n);
    } catch (e) {
      throw new CliError(oneLine(e), 2);
    }
  }
  return set;
}

/** A comma-separated list of positive numbers. */
export function numberList(value: string, name: string): number[] {
  const xs = value.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !(x > 0) || !Number.isFinite(x))) throw new CliError(`${name} must be a comma-separated list of positive numbers, got "${value}"`, 2);
  return xs;
}

/** Shrinks an image so that its longer side is at most `maxSide` (no-op without it). */
export function limitSide(image: RgbImage, maxSide?: number): RgbImage {
  return maxSide ? fitWithin(image, maxSide) : image;
}

/** Adds the options every analysis command shares. */
export function modelOptions(cmd: Command): Command {
  return cmd
    .option('--preprocess <preset>', 'override the model input normalisation: torch, tf, caffe or unit')
    .option('--labels <file>', "class names file overriding the model's")
    .option('--input-size <px>', "override the model's native input size")
    .option('--engine <name>', 'forward engine: auto (onnxruntime where the model can run there), onnxruntime or tfjs', 'auto')
    .option('--backend <name>', 'TF.js backend: auto, wasm, cpu or tensorflow (tfjs-node)', 'auto')
    .option('--threads <n>', 'threads of the WebAssembly backend (default: all cores) and of onnxruntime (default: 2)')
    .option('--sizes <list>', 'CAMERAS input sizes (shorter side, px; default 224,324,…,924)')
    .option('--max-pixels <n>', `refuse images larger than this many pixels (default ${DEFAULT_MAX_PIXELS})`)
    .option('-q, --quiet', 'no progress on stderr')
    .option('-v, --verbose', 'stack traces on errors');
}

interface SanityCliOptions extends ModelCliOptions {
  images: string[];
  methods: string;
  out: string;
  json?: boolean;
  adversarial?: boolean;
  resume?: boolean;
  variants: string;
  maxSteps?: string;
  seed: string;
  compareSize: string;
  maxSide?: string;
  limit?: string;
  sizes?: string;
  maxPixels?: string;
  quiet?: boolean;
  epsilons?: string;
  pgdSteps: string;
  topK: string;
  randomMasks: string;
  restrictedBudget: string;
  norm: string;
  overwrite?: boolean;
}

/** Every file a randomisation run writes: per image its JSON and a plot and grid per variant, then the summary. */
function randomizationFiles(out: string, stems: Map<string, string>, variants: readonly string[]): string[] {
  const perImage = [...stems.values()].flatMap((stem) => [`${stem}.sanity.json`, ...variants.flatMap((v) => [`${stem}.${v}.svg`, `${stem}.${v}.png`])]);
  return [...perImage, 'sanity-summary.json'].map((f) => path.join(out, f));
}

/** Finite numbers as they are, NaN (undefined measures) as null. */
function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

/** Per-step means over images of each method's similarities. */
function summarizeRandomization(reports: readonly RandomizationReport[], variant: RandomizationVariant): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  if (reports.length === 0) return out;
  const names = Object.keys(reports[0].original);
  for (const name of names) {
    const steps = reports[0].steps.filter((s) => s.variant === variant);
    out[name] = steps.map((s, i) => {
      const rows = reports.map((r) => r.steps.filter((t) => t.variant === variant)[i].methods[name]);
      const mean = (k: (typeof SIMILARITY_KEYS)[number]) => {
        const xs = rows.map((r) => r[k]).filter(Number.isFinite);
        return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
      };
      return { step: s.step, block: s.block, ...Object.fromEntries(SIMILARITY_KEYS.map((k) => [k, mean(k)])) };
    });
  }
  return out;
}

async function runRandomization(o: SanityCliOptions, files: string[], methods: MethodSet): Promise<void> {
  const variants = o.variants.split(',').map((v) => v.trim()) as RandomizationVariant[];
  if (variants.some((v) => v !== 'cascading' && v !== 'independent')) throw new CliError('--variants must be cascading, independent or both', 2);
  const sizes = sizesOption(o.sizes);
  const maxSteps = intOption(o.maxSteps, '--max-steps');
  const compareSize = intOption(o.compareSize, '--compare-size', 16)!;
  const seed = Number(o.seed);
  if (!Number.isInteger(seed)) throw new CliError('--seed must be an integer', 2);
  const maxSide = intOption(o.maxSide, '--max-side', 16);
  const stems = imageStems(files);
  checkOutDir(o.out);
  refuseExisting(randomizationFiles(o.out, stems, variants), o.overwrite);
  await startBackend(o);
  const model = await modelFromOptions(o);
  const outDir = prepareOutDir(o.out);
  const reports: RandomizationReport[] = [];
  try {
    for (const [i, file] of files.entries()) {
      const image = limitSide(await readImage(file, { maxPixels: intOption(o.maxPixels, '--max-pixels') ?? DEFAULT_MAX_PIXELS }), maxSide);
      const tag = `[${i + 1}/${files.length} ${path.basename(file)}]`;
      let report: RandomizationReport;
      try {
        report = await modelRandomizationCheck(model, image, {
          methods,
          methodOptions: sizes ? { sizes } : {},
          variants,
          maxSteps,
          seed,
          compareSize,
          onStep: (s, d, n) => {
            if (!o.quiet) note(`${tag} ${s.variant} step ${s.step} (${s.block.join('+')}): ${Object.entries(s.methods).map(([m, r]) => `${m} ρ=${r.spearman.toFixed(3)}`).join(', ')} [${d}/${n}]`);
          },
        });
      } catch (e) {
        throw new CliError(`${file}: ${oneLine(e)}`);
      }
      reports.push(report);
      const stem = stems.get(file)!;
      const { original, steps, ...rest } = report;
      const record = { image: file, ...rest, steps: steps.map(({ methods: ms, ...s }) => ({ ...s, methods: Object.fromEntries(Object.entries(ms).map(([k, { map, ...v }]) => [k, v])) })) };
      await writeFileAtomic(path.join(o.out, `${stem}.sanity.json`), `${JSON.stringify(jsonSafe(record))}\n`);
      for (const v of variants) {
        await writeFileAtomic(path.join(o.out, `${stem}.${v}.svg`), sanityPlotSvg(report, v));
        await writeFileAtomic(path.join(o.out, `${stem}.${v}.png`), await encodePng(sanityGrid(report, v)));
      }
      if (!o.quiet) note(`${tag} → ${path.join(o.out, `${stem}.{sanity.json,${variants.join(',')}.svg,png}`)}`);
    }
  } finally {
    model.dispose();
    outDir.removeIfEmpty();
  }
  const summary = {
    check: 'randomization',
    model: model.name,
    images: reports.length,
    seed,
    results: Object.fromEntries(variants.map((v) => [v, summarizeRandomization(reports, v)])),
  };
  await writeFileAtomic(path.join(o.out, 'sanity-summary.json'), `${JSON.stringify(jsonSafe(summary))}\n`);
  if (o.json) process.stdout.write(`${JSON.stringify(jsonSafe(summary))}\n`);
}

/**
 * The records of an interrupted `--adversarial` run, for `--resume`; refuses records of another
 * threat model or method set (the rest of the protocol is the caller's to keep).
 */
function readAdversarialRecords(file: string, norm: string, methods: readonly string[]): (AdversarialCheckRecord & { image: string })[] {
  if (!fs.existsSync(file)) return [];
  const records = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    try {
      return JSON.parse(l) as AdversarialCheckRecord & { image: string };
    } catch {
      throw new CliError(`--resume: ${file} line ${i + 1} is not JSON`, 2);
    }
  });
  for (const r of records) {
    const got = Object.keys(r.methods ?? {});
    if (r.norm !== norm || (r.flipped && got.join() !== methods.join())) {
      throw new CliError(`--resume: ${file} holds a run with --norm ${r.norm}${r.flipped ? ` and methods ${got.join(',')}` : ''}; this run asks for --norm ${norm} and methods ${methods.join(',')}`, 2);
    }
  }
  return records;
}

async function runAdversarial(o: SanityCliOptions, files: string[], methods: MethodSet): Promise<void> {
  const sizes = sizesOption(o.sizes);
  const norm = o.norm as 'l2' | 'linf';
  if (norm !== 'l2' && norm !== 'linf') throw new CliError('--norm must be l2 or linf', 2);
  const epsilons = o.epsilons ? numberList(o.epsilons, '--epsilons') : [...(norm === 'l2' ? DEFAULT_L2_EPSILONS : DEFAULT_LINF_EPSILONS)];
  const topK = numberList(o.topK, '--top-k').map((k) => k / 100);
  if (topK.some((k) => k > 1)) throw new CliError('--top-k values are percentages (0..100]', 2);
  const steps = intOption(o.pgdSteps, '--pgd-steps')!;
  const randomMasks = intOption(o.randomMasks, '--random-masks')!;
  const seed = Number(o.seed);
  if (!Number.isInteger(seed)) throw new CliError('--seed must be an integer', 2);
  const restrictedBudget = o.restrictedBudget as 'matched' | 'same';
  if (restrictedBudget !== 'matched' && restrictedBudget !== 'same') throw new CliError('--restricted-budget must be matched or same', 2);
  checkOutDir(o.out);
  const recordsFile = path.join(o.out, 'adversarial-check.jsonl');
  const records: (AdversarialCheckRecord & { image: string })[] = o.resume ? readAdversarialRecords(recordsFile, norm, Object.keys(methods)) : [];
  if (!o.resume) refuseExisting([recordsFile, path.join(o.out, 'adversarial-summary.json')], o.overwrite);
  const done = new Set(records.map((r) => r.image));
  if (done.size > 0) note(`--resume: ${done.size} images already in ${recordsFile}`);
  await startBackend(o);
  const model = await modelFromOptions(o);
  const outDir = prepareOutDir(o.out);
  try {
    for (const [i, file] of files.entries()) {
      if (done.has(file)) continue;
      const image = await readImage(file, { maxPixels: intOption(o.maxPixels, '--max-pixels') ?? DEFAULT_MAX_PIXELS });
      const t0 = performance.now();
      let rec: AdversarialCheckRecord;
      try {
        rec = await adversarialCheck(model, image, { methods, methodOptions: sizes ? { sizes } : {}, norm, epsilons, topK, steps, randomMasks, restrictedBudget, seed });
      } catch (e) {
        throw new CliError(`${file}: ${oneLine(e)}`);
      }
      records.push({ image: file, ...rec });
      // Rewritten after every image so that an interrupted run keeps what it measured.
      await writeFileAtomic(recordsFile, records.map((r) => JSON.stringify(jsonSafe(r))).join('\n') + '\n');
      if (!o.quiet) {
        const tag = `[${i + 1}/${files.length} ${path.basename(file)}]`;
        note(
          rec.flipped
            ? `${tag} flipped ${rec.clean}→${rec.adversarial} at ${norm} ε=${rec.epsilon!.toFixed(2)}/255; ${Object.entries(rec.methods).map(([m, r]) => `${m} ρ=${r.spearman.toFixed(3)}`).join(', ')} (${Math.round(performance.now() - t0)} ms)`
            : `${tag} no ${norm} budget up to ${Math.max(...epsilons)}/255 flipped the prediction; left out`,
        );
      }
    }
  } finally {
    model.dispose();
    outDir.removeIfEmpty();
  }
  const s = summarizeAdversarialCheck(records);
  const summary = {
    check: 'adversarial',
    model: model.name,
    images: s.images,
    flipped: s.flipped,
    meanEpsilon: s.meanEpsilon,
    protocol: { norm, epsilonScale: '0..255', epsilons, pgdSteps: steps, stepSize: 'epsilon/4', topKPercent: topK.map((k) => k * 100), randomMasks, restrictedBudget, seed, size: model.inputSize },
    results: s.methods,
  };
  await writeFileAtomic(path.join(o.out, 'adversarial-summary.json'), `${JSON.stringify(jsonSafe(summary))}\n`);
  if (o.json) process.stdout.write(`${JSON.stringify(jsonSafe(summary))}\n`);
  else {
    for (const [m, r] of Object.entries(s.methods)) {
      const iv = ([lo, hi]: readonly [number, number]) => `[${lo.toFixed(2)}, ${hi.toFixed(2)}]`;
      const ks = Object.entries(r.k).map(([k, v]) => {
        const d = r.intervals.k[k]!.topMinusRandom;
        return `top-${k}% drop ${v.dropTop.reattack.toFixed(2)} vs random ${v.dropRandom.reattack.toFixed(2)}, difference ${iv(d.reattack)} (masked δ: ${v.dropTop.transfer.toFixed(2)} vs ${v.dropRandom.transfer.toFixed(2)}, ${iv(d.transfer)})`;
      });
      process.stdout.write(`${m} (n = ${r.n.k}): spearman ${r.spearman.toFixed(3)} ${iv(r.intervals.spearman)}; ${ks.join('; ')}\n`);
    }
  }
}

/**
 * `cameras sanity`: the model-randomisation check (cascading and independent, Adebayo et al. 2018)
 * or, with `--adversarial`, the adversarial sanity check of the paper's §6.1.
 */
export function registerSanity(program: Command): void {
  const cmd = program
    .command('sanity')
    .description('sanity checks of saliency methods: model randomisation (default) or --adversarial')
    .requiredOption('--images <paths...>', 'image files or folders of images')
    .option('-m, --model <name|path>', 'zoo name, model folder or model.json (randomisation needs a TF.js layers model)', 'scenes')
    .option('--methods <names>', 'comma-separated methods', 'cameras,gradcam')
    .option('-o, --out <dir>', 'output folder', 'out')
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('--limit <n>', 'use at most n images')
    .option('--seed <n>', 'seed of random weights / random masks', '0')
    .option('--variants <list>', 'randomisation schedules: cascading, independent or both', 'cascading,independent')
    .option('--max-steps <n>', 'randomise at most n units (from the logits down; default all)')
    .option('--compare-size <px>', 'longer side of the maps when compared', '224')
    .option('--max-side <px>', 'shrink images to this longer side before explaining (faster)')
    .option('--adversarial', 'run the adversarial sanity check instead')
    .option('--resume', '--adversarial: continue the run in --out, skipping images already in its adversarial-check.jsonl (same protocol)')
    .option('--overwrite', 'replace output files that already exist (default: refuse before computing)')
    .option('--norm <name>', 'perturbation norm of the adversarial check: l2 or linf', ADVERSARIAL_CHECK_DEFAULTS.norm)
    .option('--epsilons <list>', `budgets tried in order, 0..255 scale (default l2: ${DEFAULT_L2_EPSILONS.join(',')}; linf: ${DEFAULT_LINF_EPSILONS.join(',')})`)
    .option('--pgd-steps <n>', 'PGD iterations per budget', String(ADVERSARIAL_CHECK_DEFAULTS.steps))
    .option('--top-k <list>', 'percent of pixels the perturbation is restricted to', ADVERSARIAL_CHECK_DEFAULTS.topK.map((k) => k * 100).join(','))
    .option('--random-masks <n>', 'random masks per image and k', String(ADVERSARIAL_CHECK_DEFAULTS.randomMasks))
    .option('--restricted-budget <mode>', 'budget of the restricted re-attack: matched (L2: ε; L∞: ε/k, the same L1 mass) or same (ε)', ADVERSARIAL_CHECK_DEFAULTS.restrictedBudget);
  modelOptions(cmd).action(async (o: SanityCliOptions) => {
    const methods = methodSet(o.methods);
    const files = expandImages(o.images, intOption(o.limit, '--limit'));
    if (o.adversarial) await runAdversarial(o, files, methods);
    else await runRandomization(o, files, methods);
  });
}
