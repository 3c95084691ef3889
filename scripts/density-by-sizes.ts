/**
 * Splits a `cameras eval density` run's CAMERAS-versus-baseline comparison by how many sizes CAMERAS
 * kept on each item (1, 2–3, 4 or more): the paired ρ⁺ and ρ⁻ differences with 95 % bootstrap
 * intervals, and the two factors of ρ⁺ (the probability kept on I ⊙ Ψ, and Ψ's mean), so that a
 * difference can be traced to the extra sizes and to what they do to the map.
 *
 *   npx tsx scripts/density-by-sizes.ts [--baseline gradcam] out/eval/density-*
 *
 * Each argument is an `--out` folder of `cameras eval density` run with `cameras` and the baseline
 * among its methods: its summary.json names the model, whose `density-MODEL.jsonl` is read (a
 * merged run's, not its shards').
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkRecords } from '../src/cli/eval/records.js';
import { meanInterval } from '../src/metrics/bootstrap.js';
import { readRunFile } from '../src/node/run-store.js';

interface Entry {
  className: string;
  rhoPlus: number;
  rhoMinus: number;
  pPositive: number;
  mapMean: number;
  sizesUsed?: number;
}

const args = process.argv.slice(2);
const b = args.indexOf('--baseline');
const baseline = b >= 0 ? args.splice(b, 2)[1] : 'gradcam';
if (!baseline || args.length === 0) throw new Error('usage: density-by-sizes.ts [--baseline METHOD] DENSITY_OUT_FOLDER...');

const BUCKETS: [string, (k: number) => boolean][] = [
  ['1', (k) => k === 1],
  ['2–3', (k) => k === 2 || k === 3],
  ['≥ 4', (k) => k >= 4],
  ['all', () => true],
];
const mean = (v: readonly number[]) => v.reduce((x, y) => x + y, 0) / v.length;
const ci = (v: readonly number[], digits: number) => {
  const [lo, hi] = meanInterval(v);
  return `${mean(v).toFixed(digits)} [${lo.toFixed(digits)}, ${hi.toFixed(digits)}]`;
};

for (const folder of args) {
  const { metric, model } = JSON.parse(fs.readFileSync(path.join(folder, 'summary.json'), 'utf8')) as { metric: string; model: string };
  if (metric !== 'density') throw new Error(`${folder}: its summary is of metric ${metric}, not density`);
  const file = path.join(folder, `density-${model}.jsonl`);
  if (!fs.existsSync(file)) throw new Error(`${file}: no such results file`);
  const byItem = new Map<string, Map<string, Entry>>();
  for (const r of checkRecords((await readRunFile(file)).records, file)) {
    for (const e of r.entries as unknown as Entry[]) {
      const item = `${r.image}/${e.className}`;
      if (!byItem.has(item)) byItem.set(item, new Map());
      byItem.get(item)!.set(r.method, e);
    }
  }
  const pairs = [...byItem.values()].flatMap((m) => {
    const c = m.get('cameras');
    const g = m.get(baseline);
    return c && g && c.sizesUsed !== undefined ? [{ c, g, k: c.sizesUsed }] : [];
  });
  if (pairs.length === 0) throw new Error(`${folder}: no items with both cameras and ${baseline}`);
  process.stdout.write(`**${model}: CAMERAS minus ${baseline}, by sizes kept**\n\n`);
  process.stdout.write(`| sizes kept | n | ρ⁺ difference | ρ⁻ difference | p⁺ CAMERAS / ${baseline} | map mean CAMERAS / ${baseline} |\n|---|---:|---:|---:|---:|---:|\n`);
  for (const [label, inBucket] of BUCKETS) {
    const p = pairs.filter((x) => inBucket(x.k));
    if (p.length === 0) continue;
    const ratio = (f: (e: Entry) => number) => `${mean(p.map((x) => f(x.c))).toFixed(3)} / ${mean(p.map((x) => f(x.g))).toFixed(3)}`;
    process.stdout.write(
      `| ${label} | ${p.length} | ${ci(p.map((x) => x.c.rhoPlus - x.g.rhoPlus), 3)} | ${ci(p.map((x) => x.c.rhoMinus - x.g.rhoMinus), 3)} | ` +
        `${ratio((e) => e.pPositive)} | ${ratio((e) => e.mapMean)} |\n`,
    );
  }
  process.stdout.write('\n');
}
