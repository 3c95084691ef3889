/**
 * Measures CAMERAS' size-acceptance policies on real data: for each image of a COCO-format set (the
 * ImageNet validation images in `../shared/data/imagenet_val_dev`) and each annotated class, runs
 * the forward/backward passes once at every size and fuses them under each policy, then scores the
 * maps with the pointing game (TorchRay protocol, per-class mean) and the map densities ρ⁺/ρ⁻.
 * One set of passes serves every policy, so the policies are compared on identical numbers.
 *
 *   npx tsx scripts/accept-policies.ts --model mobilenet_v1_0.25_224 [--n 200] [--policies prediction,target,top:5]
 *        [--images DIR --annotations FILE] [--out out/accept]
 *
 * Per-item results go to `OUT/<model>.jsonl` (a rerun resumes), the summary to `OUT/<model>.json`
 * and stdout (Markdown). Intervals: 95 % percentile bootstrap over images (1,000 resamples, seeded).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../src/core/tf.js';
import { initBackend } from '../src/node/backend.js';
import { loadModel } from '../src/node/load-model.js';
import { readImage } from '../src/node/image-io.js';
import { availableImages, loadAnnotations } from '../src/node/annotations.js';
import { classCandidates } from '../src/cli/eval/targets.js';
import { ModelScorer } from '../src/cli/eval/probability.js';
import { bestCandidate } from '../src/metrics/class-targets.js';
import { pointingSplits, scoreMap } from '../src/metrics/pointing-game.js';
import { mapDensity } from '../src/metrics/density.js';
import { withSession, type ScalePass } from '../src/core/session.js';
import { fuseScales } from '../src/core/fuse.js';
import { acceptsSize, parseAcceptPolicy, type AcceptPolicy } from '../src/core/accept.js';
import { camerasSizes } from '../src/methods/cameras.js';
import { seededUniform } from '../src/metrics/bootstrap.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const modelName = opt('model', 'mobilenet_v1_0.25_224');
const n = Number(opt('n', '200'));
const policies = opt('policies', 'prediction,target,top:5').split(',').map(parseAcceptPolicy);
const imagesDir = opt('images', '../shared/data/imagenet_val_dev');
const annotations = opt('annotations', path.join(imagesDir, 'instances.json'));
const out = opt('out', 'out/accept');

interface Item {
  image: string;
  className: string;
  classIndex: number;
  target: number;
  policy: AcceptPolicy;
  sizesUsed: number;
  hit: boolean;
  rhoPlus: number | null;
  rhoMinus: number | null;
}

await initBackend('auto');
const model = await loadModel(modelName);
const set = await loadAnnotations(annotations);
const classes = classCandidates(set, model.labels);
const images = (await availableImages(set, imagesDir)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, n);
fs.mkdirSync(out, { recursive: true });
const file = path.join(out, `${modelName}.jsonl`);
const done = new Map<string, Item>();
if (fs.existsSync(file)) {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const it = JSON.parse(line) as Item;
      done.set(`${it.image}/${it.classIndex}/${it.policy}`, it);
    } catch {
      // A line cut by a kill: that item runs again.
    }
  }
}
const scorer = new ModelScorer(model);
const sizes = camerasSizes(model);
const started = performance.now();
let computed = 0;
for (const [k, im] of images.entries()) {
  const todo = im.classes.filter((t) => pointingSplits(t).all && (classes.candidates[t.classIndex]?.length ?? 0) > 0)
    .filter((t) => policies.some((p) => !done.has(`${im.id}/${t.classIndex}/${p}`)));
  if (todo.length === 0) continue;
  const image = await readImage(path.join(imagesDir, im.file));
  const logits = (await scorer.logits([image]))[0]!;
  for (const truth of todo) {
    const target = bestCandidate(logits, classes.candidates[truth.classIndex]!);
    const results = await withSession(model, image, { target }, sizes.length, async (s) => {
      const passes: ScalePass[] = [];
      try {
        for (const size of sizes) passes.push(await s.pass(size));
        const maps: { policy: AcceptPolicy; map: Float32Array; used: number }[] = [];
        for (const policy of policies) {
          const kept = passes.filter((p) => acceptsSize(policy, p, s.predicted.index, s.target.index));
          const raw = kept.length
            ? fuseScales(kept.map((p) => p.activation), kept.map((p) => p.gradient), [s.height, s.width])
            : tf.zeros([s.height, s.width]) as tf.Tensor2D;
          const r = await s.finish('cameras', raw, kept.map((p) => p.size));
          maps.push({ policy, map: r.map, used: kept.length });
        }
        return maps;
      } finally {
        for (const p of passes) s.release(p);
      }
    });
    for (const r of results) {
      const hit = scoreMap(im.id, truth, r.map, image.width, image.height).all === 'hit';
      const d = await mapDensity(image, r.map, scorer.probabilityFn(target));
      const item: Item = {
        image: im.id, className: truth.className, classIndex: truth.classIndex, target, policy: r.policy, sizesUsed: r.used, hit,
        rhoPlus: Number.isFinite(d.rhoPlus) ? d.rhoPlus : null, rhoMinus: Number.isFinite(d.rhoMinus) ? d.rhoMinus : null,
      };
      done.set(`${im.id}/${truth.classIndex}/${r.policy}`, item);
      fs.appendFileSync(file, `${JSON.stringify(item)}\n`);
    }
  }
  computed++;
  const el = (performance.now() - started) / 1000;
  process.stderr.write(`\r${modelName}: image ${k + 1}/${images.length} (${(el / computed).toFixed(1)} s/image)   `);
}
process.stderr.write('\n');
model.dispose();

/** Statistic over items grouped by image, with a 95 % percentile bootstrap over images. */
function withInterval(byImage: Item[][], stat: (items: Item[]) => number): { value: number; ci: [number, number] } {
  const value = stat(byImage.flat());
  // The seed of the runs in docs/results.md.
  const draw = seededUniform(20261207);
  const boots: number[] = [];
  for (let b = 0; b < 1000; b++) {
    const sample: Item[] = [];
    for (let i = 0; i < byImage.length; i++) sample.push(...byImage[Math.floor(draw() * byImage.length)]!);
    const v = stat(sample);
    if (Number.isFinite(v)) boots.push(v);
  }
  boots.sort((a, b) => a - b);
  return { value, ci: [boots[Math.floor(0.025 * boots.length)]!, boots[Math.min(boots.length - 1, Math.floor(0.975 * boots.length))]!] };
}

/** TorchRay's pointing accuracy: the mean over classes of each class's hit rate. */
const pointing = (items: Item[]) => {
  const per = new Map<number, [number, number]>();
  for (const it of items) {
    const a = per.get(it.classIndex) ?? [0, 0];
    a[0] += it.hit ? 1 : 0;
    a[1]++;
    per.set(it.classIndex, a);
  }
  return [...per.values()].reduce((s, [h, t]) => s + h / t, 0) / per.size;
};
const mean = (key: 'rhoPlus' | 'rhoMinus' | 'sizesUsed') => (items: Item[]) => {
  const v = items.map((i) => i[key]).filter((x): x is number => typeof x === 'number');
  return v.reduce((a, b) => a + b, 0) / v.length;
};
const ids = new Set(images.map((im) => im.id));
const summary: Record<string, unknown> = { model: modelName, images: 0, sizes, policies: {} };
const rows: string[] = [];
for (const policy of policies) {
  const items = [...done.values()].filter((i) => i.policy === policy && ids.has(i.image));
  const groups = new Map<string, Item[]>();
  for (const it of items) groups.set(it.image, [...(groups.get(it.image) ?? []), it]);
  const byImage = [...groups.values()];
  summary.images = byImage.length;
  const pg = withInterval(byImage, pointing);
  const rp = withInterval(byImage, mean('rhoPlus'));
  const rm = withInterval(byImage, mean('rhoMinus'));
  const sz = withInterval(byImage, mean('sizesUsed'));
  const single = items.filter((i) => i.sizesUsed <= 1).length;
  (summary.policies as Record<string, unknown>)[policy] = { pointingGame: pg, rhoPlus: rp, rhoMinus: rm, sizesUsedMean: sz, singleScale: single, items: items.length };
  const f = (x: { value: number; ci: [number, number] }, d = 3, s = 1) => `${(x.value * s).toFixed(d)} [${(x.ci[0] * s).toFixed(d)}, ${(x.ci[1] * s).toFixed(d)}]`;
  rows.push(`| ${policy} | ${f(pg, 1, 100)} | ${f(rp)} | ${f(rm)} | ${f(sz, 2)} | ${single} of ${items.length} |`);
}
const md = [
  `**CAMERAS acceptance policies**, model \`${modelName}\`, ${summary.images as number} images (the first ${n} of ${path.basename(imagesDir)} by id), sizes ${sizes.join(', ')}; 95 % bootstrap intervals over images`,
  '',
  '| accept | Pointing game (%) | ρ⁺ ↑ | ρ⁻ ↓ | Sizes kept (mean) | Single-scale maps |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows,
  '',
].join('\n');
fs.writeFileSync(path.join(out, `${modelName}.json`), `${JSON.stringify(summary, null, 2)}\n`);
fs.writeFileSync(path.join(out, `${modelName}.md`), md);
process.stdout.write(md);
