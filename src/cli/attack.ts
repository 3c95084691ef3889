import * as path from 'node:path';
import type { Command } from 'commander';
import { getMethod } from '../methods/index.js';
import { readImage, DEFAULT_MAX_PIXELS } from '../node/image-io.js';
import { writeFileAtomic } from '../node/atomic-write.js';
import { focusedAttack, summarizeFocusedAttack, FOCUSED_ATTACK_DEFAULTS, type FocusedAttackRecord } from '../analysis/focused-attack.js';
import { CliError, intOption, modelFromOptions, note, oneLine, sizesOption, startBackend, type ModelCliOptions } from './common.js';
import { expandImages, modelOptions } from './sanity.js';
import { checkOutDir, prepareOutDir, refuseExisting } from './outputs.js';

interface AttackCliOptions extends ModelCliOptions {
  images: string[];
  method: string;
  epsilon: string;
  step: string;
  steps: string;
  beta: string;
  norm: string;
  minConfidence: string;
  start: string;
  seed: string;
  out?: string;
  json?: boolean;
  limit?: string;
  sizes?: string;
  maxPixels?: string;
  quiet?: boolean;
  overwrite?: boolean;
}

function positive(value: string, name: string, allowZero = false): number {
  const x = Number(value);
  if (!Number.isFinite(x) || x < 0 || (!allowZero && x === 0)) throw new CliError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${value}"`, 2);
  return x;
}

/**
 * `cameras attack`: the saliency-focused PGD of the paper (§6, Eq. 4) against plain PGD, over a set
 * of images, with the mean norms of the successful perturbations and their reduction.
 */
export function registerAttack(program: Command): void {
  const cmd = program
    .command('attack')
    .description('saliency-focused targeted PGD (paper Eq. 4) vs plain PGD: perturbation norms at the same fooling rate')
    .requiredOption('--images <paths...>', 'image files or folders of images')
    .option('-m, --model <name|path>', 'zoo name, model folder, model.json, .onnx or .tflite', 'scenes')
    .option('--method <name>', 'saliency method giving Ψ', 'cameras')
    .option('--epsilon <v>', 'L∞ radius ε on the 0..255 scale', String(FOCUSED_ATTACK_DEFAULTS.epsilon))
    .option('--step <v>', 'PGD step α on the 0..255 scale', String(FOCUSED_ATTACK_DEFAULTS.stepSize))
    .option('--steps <n>', 'maximum PGD iterations (stops once fooled)', String(FOCUSED_ATTACK_DEFAULTS.steps))
    .option('--beta <v>', 'weight β of the saliency penalty', String(FOCUSED_ATTACK_DEFAULTS.beta))
    .option('--norm <linf|l2>', 'step rule: linf (sign steps, ε per entry) or l2 (gradient steps, ε = ‖p‖₂ on the 0..255 scale)', 'linf')
    .option('--min-confidence <p>', 'probability the target must reach to count as fooled (0: first top-1 hit; the paper: 0.9999)', '0')
    .option('--start <zero|random>', 'start point of both attacks: zero, or random in the ε-ball (Madry et al.; plain and focused from the same point)', 'zero')
    .option('--seed <n>', 'seed of the random start (image i uses seed + i)', '0')
    .option('-o, --out <dir>', 'also write attack.jsonl (per image) and attack-summary.json here')
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('--limit <n>', 'use at most n images')
    .option('--overwrite', 'replace output files that already exist (default: refuse before computing)');
  modelOptions(cmd).action(async (o: AttackCliOptions) => {
    let method;
    try {
      method = getMethod(o.method);
    } catch (e) {
      throw new CliError(oneLine(e), 2);
    }
    const epsilon = positive(o.epsilon, '--epsilon');
    const stepSize = positive(o.step, '--step');
    const beta = positive(o.beta, '--beta', true);
    const steps = intOption(o.steps, '--steps')!;
    if (o.norm !== 'linf' && o.norm !== 'l2') throw new CliError(`--norm must be linf or l2, got "${o.norm}"`, 2);
    const norm = o.norm;
    const minConfidence = positive(o.minConfidence, '--min-confidence', true);
    if (minConfidence >= 1) throw new CliError(`--min-confidence must be below 1, got "${o.minConfidence}"`, 2);
    const start = o.start;
    if (start !== 'zero' && start !== 'random') throw new CliError(`--start must be zero or random, got "${o.start}"`, 2);
    const seed = Number(o.seed);
    if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got "${o.seed}"`, 2);
    const sizes = sizesOption(o.sizes);
    const files = expandImages(o.images, intOption(o.limit, '--limit'));
    const outFiles = o.out ? { records: path.join(o.out, 'attack.jsonl'), summary: path.join(o.out, 'attack-summary.json') } : undefined;
    if (o.out && outFiles) {
      checkOutDir(o.out);
      refuseExisting(Object.values(outFiles), o.overwrite);
    }
    await startBackend(o);
    const model = await modelFromOptions(o);
    const records: (FocusedAttackRecord & { image: string })[] = [];
    try {
      for (const [i, file] of files.entries()) {
        const image = await readImage(file, { maxPixels: intOption(o.maxPixels, '--max-pixels') ?? DEFAULT_MAX_PIXELS });
        const t0 = performance.now();
        let r: FocusedAttackRecord;
        try {
          r = await focusedAttack(model, image, { method, methodOptions: sizes ? { sizes } : {}, epsilon, stepSize, steps, beta, norm, minConfidence, start, seed: seed + i });
        } catch (e) {
          throw new CliError(`${file}: ${oneLine(e)}`);
        }
        records.push({ image: file, ...r });
        if (!o.quiet) {
          const f = (a: FocusedAttackRecord['plain']) => `${a.fooled ? 'fooled' : 'not fooled'} in ${a.steps} steps, L2 ${a.l2.toFixed(3)}, L∞ ${(a.linf * 255).toFixed(1)}/255, outside Ψ ${(100 * a.massOutside).toFixed(0)}%`;
          note(`[${i + 1}/${files.length} ${path.basename(file)}] ${r.clean}→${r.target}: plain ${f(r.plain)}; focused ${f(r.focused)} (${Math.round(performance.now() - t0)} ms)`);
        }
      }
    } finally {
      model.dispose();
    }
    const s = summarizeFocusedAttack(records);
    const summary = { attack: 'focused-pgd', model: model.name, method: o.method, protocol: { epsilon, stepSize, steps, beta, norm, minConfidence, start, ...(start === 'random' ? { seed } : {}), sizes: sizes ?? 'default', scale: '0..255', norms: '[0,1] pixel scale', size: model.inputSize }, ...s };
    const text = JSON.stringify(summary, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
    if (o.out && outFiles) {
      prepareOutDir(o.out);
      await writeFileAtomic(outFiles.records, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
      await writeFileAtomic(outFiles.summary, `${text}\n`);
    }
    if (o.json) process.stdout.write(`${text}\n`);
    else {
      const ci = (x: readonly [number, number], f: (v: number) => string) => `[${f(x[0])}, ${f(x[1])}]`;
      const l2 = (v: number) => v.toFixed(3);
      const linf = (v: number) => (v * 255).toFixed(2);
      const pct = (v: number) => v.toFixed(1);
      process.stdout.write(
        `fooling rate: plain ${s.fooled.plain}/${s.images}, focused ${s.fooled.focused}/${s.images}; over the ${s.both} images both fooled (95 % bootstrap intervals): ` +
          `L2 ${l2(s.plain.l2)} ${ci(s.intervals.plain.l2, l2)} → ${l2(s.focused.l2)} ${ci(s.intervals.focused.l2, l2)} (${pct(s.reductionPercent.l2)}% less ${ci(s.intervals.reductionPercent.l2, pct)}), ` +
          `L∞ ${linf(s.plain.linf)} → ${linf(s.focused.linf)}/255 (${pct(s.reductionPercent.linf)}% less ${ci(s.intervals.reductionPercent.linf, pct)})\n`,
      );
    }
  });
}
