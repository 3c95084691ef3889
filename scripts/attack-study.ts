/**
 * Protocol study of the saliency-focused PGD (paper §6, Eq. 4): for each image (the first N by file
 * name of a folder), Ψ (CAMERAS of the clean prediction) and the least-likely target are computed
 * once, then every protocol variant runs plain PGD (β = 0) and the focused attack on the same Ψ, so
 * the variants are compared on identical images and maps.
 *
 *   npx tsx scripts/attack-study.ts --model mobilenet_v1_0.25_224 --n 30 --variants A,B,C [--sizes 224,324,424] [--extend S20]
 *        [--images DIR] [--out out/attack-study]
 *
 * Variants are named in {@link VARIANTS}. Per-image records go to `OUT/<model>.jsonl`, appended as
 * they finish (a rerun skips image × variant pairs already there; `--summary-only` summarises the
 * images every variant has finished, without attacking); the summary per variant (fooling
 * rates, norms and reductions with 95 % bootstrap intervals) goes to `OUT/<model>.summary.json` and
 * stdout as a Markdown table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../src/node/backend.js';
import { loadModel } from '../src/node/load-model.js';
import { readImage } from '../src/node/image-io.js';
import { getMethod } from '../src/methods/index.js';
import { argmax } from '../src/core/target.js';
import { classify, pgd, workingImage, type PgdNorm } from '../src/analysis/pgd.js';
import { massOutside, summarizeFocusedAttack, type FocusedAttackRecord } from '../src/analysis/focused-attack.js';

/** One protocol: the PGD settings shared by plain and focused, and β of the focused one. */
interface Variant {
  norm: PgdNorm;
  epsilon: number;
  stepSize: number;
  steps: number;
  beta: number;
  minConfidence: number;
  /** Start point of both attacks (default zero); a random start uses the image's index as seed. */
  start?: 'zero' | 'random';
}

/** The variants studied (pixel quantities on the 0..255 scale; L2 ε and α are ‖·‖₂ on that scale). */
const VARIANTS: Record<string, Variant> = {
  // β sweep at the default protocol with a 20-step cap (what 2 shared cores allow per image).
  S50: { norm: 'linf', epsilon: 16, stepSize: 1, steps: 20, beta: 50, minConfidence: 0 },
  S20: { norm: 'linf', epsilon: 16, stepSize: 1, steps: 20, beta: 20, minConfidence: 0 },
  S5: { norm: 'linf', epsilon: 16, stepSize: 1, steps: 20, beta: 5, minConfidence: 0 },
  // The library's default protocol (L∞ sign steps, first top-1 hit) with 60 steps instead of 100.
  A: { norm: 'linf', epsilon: 16, stepSize: 1, steps: 60, beta: 50, minConfidence: 0 },
  // Same, run to the paper's "99.99 % fooling confidence".
  B: { norm: 'linf', epsilon: 16, stepSize: 1, steps: 60, beta: 50, minConfidence: 0.9999 },
  // L2 steps (length 0.25 in [0,1] units), first hit.
  C: { norm: 'l2', epsilon: 2550, stepSize: 63.75, steps: 60, beta: 50, minConfidence: 0 },
  // L2 steps to 99.99 %.
  D: { norm: 'l2', epsilon: 2550, stepSize: 63.75, steps: 60, beta: 50, minConfidence: 0.9999 },
  // β sweep of B.
  B10: { norm: 'linf', epsilon: 16, stepSize: 1, steps: 60, beta: 10, minConfidence: 0.9999 },
  B200: { norm: 'linf', epsilon: 16, stepSize: 1, steps: 60, beta: 200, minConfidence: 0.9999 },
  // L2 steps with first-hit stopping, ≤ 20 steps (the S-family budget): step length 0.5 or 1.0 in
  // [0, 1] units, ε = 10 (never binding at these budgets).
  L20: { norm: 'l2', epsilon: 2550, stepSize: 127.5, steps: 20, beta: 20, minConfidence: 0 },
  L50: { norm: 'l2', epsilon: 2550, stepSize: 127.5, steps: 20, beta: 50, minConfidence: 0 },
  L50x: { norm: 'l2', epsilon: 2550, stepSize: 255, steps: 20, beta: 50, minConfidence: 0 },
  // S20 / S50 from Madry et al.'s random start in the ε-ball (plain and focused from the same point).
  R20: { norm: 'linf', epsilon: 16, stepSize: 1, steps: 20, beta: 20, minConfidence: 0, start: 'random' },
  R50: { norm: 'linf', epsilon: 16, stepSize: 1, steps: 20, beta: 50, minConfidence: 0, start: 'random' },
  // Stop at p(target) ≥ 0.9 (between first hit and the paper's 99.99 %), ≤ 40 steps, from zero / random.
  P90z: { norm: 'linf', epsilon: 16, stepSize: 1, steps: 40, beta: 20, minConfidence: 0.9 },
  P90r: { norm: 'linf', epsilon: 16, stepSize: 1, steps: 40, beta: 20, minConfidence: 0.9, start: 'random' },
  // S20 with 60 steps: where S20's focused attack did not reach the target in 20 (MobileNet v2: 12 of 200).
  S20x60: { norm: 'linf', epsilon: 16, stepSize: 1, steps: 60, beta: 20, minConfidence: 0 },
  // Larger sign step to 99.99 %.
  B2: { norm: 'linf', epsilon: 16, stepSize: 2, steps: 30, beta: 50, minConfidence: 0.9999 },
};

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const modelName = opt('model', 'mobilenet_v1_0.25_224');
const n = Number(opt('n', '30'));
const names = opt('variants', 'A,B').split(',');
for (const v of names) if (!VARIANTS[v]) throw new Error(`unknown variant ${v} (have ${Object.keys(VARIANTS).join(', ')})`);
const sizes = opt('sizes', '').split(',').filter(Boolean).map(Number);
const imagesDir = opt('images', '/work/shared/data/imagenet_val_dev');
const out = opt('out', 'out/attack-study');

await initBackend('auto');
const model = await loadModel(modelName);
const method = getMethod('cameras');
const files = fs.readdirSync(imagesDir).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(0, n);
fs.mkdirSync(out, { recursive: true });
const recordsFile = path.join(out, `${modelName}.jsonl`);
type Row = FocusedAttackRecord & { image: string; variant: string; ms: number };
const rows: Row[] = fs.existsSync(recordsFile) ? fs.readFileSync(recordsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row) : [];
const done = new Set(rows.map((r) => `${r.image}|${r.variant}`));

const summaryOnly = args.includes('--summary-only');
// `--extend V`: the requested variants differ from variant V only by a larger step budget, from the
// zero start, stopping at the first hit, with a constant step: an attack of V that reached the target
// took the same steps as it would with the larger budget (PGD is deterministic here). Only the images
// where an attack of V failed are run; the others take V's row (checked below), so 200 images cost
// the failures' extra steps, not a second full run.
const extend = opt('extend', '');
const extendable = (r: Row) => r.plain.fooled && r.focused.fooled;
if (extend) {
  const base = VARIANTS[extend];
  if (!base) throw new Error(`unknown variant ${extend}`);
  for (const v of names) {
    const p = VARIANTS[v]!;
    const same = p.norm === base.norm && p.epsilon === base.epsilon && p.stepSize === base.stepSize && p.beta === base.beta && p.minConfidence === 0 && base.minConfidence === 0 && (p.start ?? 'zero') === 'zero' && (base.start ?? 'zero') === 'zero' && p.steps >= base.steps;
    if (!same) throw new Error(`--extend ${extend}: ${v} must differ from it by a larger step budget only (zero start, first-hit stop)`);
  }
  for (const r of rows.filter((x) => x.variant === extend && extendable(x))) for (const v of names) if (!done.has(`${r.image}|${v}`)) {
    rows.push({ ...r, variant: v });
    done.add(`${r.image}|${v}`);
  }
}
const t0 = performance.now();
for (const [i, file] of files.entries()) {
  const todo = names.filter((v) => !done.has(`${file}|${v}`));
  if (todo.length === 0 || summaryOnly) continue;
  // Plain PGD does not depend on β: variants differing only in β share one plain run.
  const plainRuns = new Map<string, Awaited<ReturnType<typeof pgd>>>();
  const work = workingImage(await readImage(path.join(imagesDir, file)), model.inputSize);
  const clean = await classify(model, work);
  let least = 0;
  for (let k = 1; k < clean.logits.length; k++) if (clean.logits[k] < clean.logits[least]) least = k;
  const psi = (await method(model, work, { target: argmax(clean.logits), ...(sizes.length ? { sizes } : {}) })).map;
  for (const v of todo) {
    const p = VARIANTS[v]!;
    const t = performance.now();
    const common = { epsilon: p.epsilon, stepSize: p.stepSize, steps: p.steps, target: least, norm: p.norm, minConfidence: p.minConfidence, start: p.start ?? 'zero', seed: i };
    const key = JSON.stringify(common);
    if (!plainRuns.has(key)) plainRuns.set(key, await pgd(model, work, { ...common, beta: 0 }));
    const res = [plainRuns.get(key)!, await pgd(model, work, { ...common, beta: p.beta, saliency: psi })];
    const [plain, focused] = res.map((r) => ({ fooled: r.fooled, steps: r.steps, predicted: r.predicted, probability: r.probability, l2: r.l2, linf: r.linf, massOutside: massOutside(r.perturbation, psi) }));
    const row: Row = { image: file, variant: v, width: work.width, height: work.height, clean: clean.predicted, target: least, plain: plain!, focused: focused!, ms: Math.round(performance.now() - t) };
    fs.appendFileSync(recordsFile, `${JSON.stringify(row)}\n`);
    rows.push(row);
    const f = (a: Row['plain']) => `${a.fooled ? 'F' : '-'} ${a.steps} L2 ${a.l2.toFixed(2)}`;
    process.stderr.write(`[${i + 1}/${files.length} ${file} ${v}] plain ${f(row.plain)} | focused ${f(row.focused)} (${row.ms} ms, ${Math.round((performance.now() - t0) / 1000)} s)\n`);
  }
}
model.dispose();

// Summary-only (e.g. of a run stopped early): the images every requested variant has finished, so
// all variants are compared on the same images.
const complete = (f: string) => names.every((v) => rows.some((r) => r.image === f && r.variant === v));
const wanted = new Set(summaryOnly ? [...new Set(rows.map((r) => r.image))].filter(complete) : files);
const summary: Record<string, unknown> = {};
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
console.log('| variant | n | fooled plain | fooled focused | both | L2 plain | L2 focused | L2 reduction % [95 % CI] | L∞ reduction % |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const v of names) {
  const s = summarizeFocusedAttack(rows.filter((r) => r.variant === v && wanted.has(r.image)));
  summary[v] = { protocol: VARIANTS[v], ...s };
  const ci = s.intervals.reductionPercent.l2;
  console.log(`| ${v} | ${s.images} | ${fmt(100 * s.foolingRate.plain)} % | ${fmt(100 * s.foolingRate.focused)} % | ${s.both} | ${fmt(s.plain.l2, 2)} | ${fmt(s.focused.l2, 2)} | ${fmt(s.reductionPercent.l2)} [${fmt(ci[0])}, ${fmt(ci[1])}] | ${fmt(s.reductionPercent.linf)} |`);
}
fs.writeFileSync(path.join(out, `${modelName}.summary.json`), `${JSON.stringify({ model: modelName, images: files.length, sizes: sizes.length ? sizes : 'default', summary }, null, 1)}\n`);
