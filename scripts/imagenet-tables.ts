/**
 * Joins `cameras eval` summaries of several models into the paper's table shapes: one row per
 * method, one column per model, every cell `value [95 % interval]`, with the item counts below.
 *
 *   npx tsx scripts/imagenet-tables.ts out/eval/pointing-game-* [out/eval/density-* ...]
 *
 * Each argument is an `--out` folder (or its summary.json). Summaries of one metric form one table;
 * pointing game in %, densities and AUCs as fractions, as `cameras eval` prints them. Where the
 * folder also holds its results JSONL, a second table gives CAMERAS minus each other method paired
 * on the same (image, class) items, with a 95 % bootstrap interval over items (pointing game: the
 * mean over pairs of hit differences, not the per-class mean).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { meanInterval } from '../src/metrics/bootstrap.js';

interface Summary {
  metric: string;
  model: string;
  images: number;
  results: Record<string, Record<string, number>>;
  ci: Record<string, Record<string, [number, number]>>;
  n: Record<string, Record<string, number>>;
}

/** The columns each metric reports, with their headers and how to print a value. */
const COLUMNS: Record<string, { key: string; label: string; format: (v: number) => string }[]> = {
  'pointing-game': [{ key: 'all', label: 'pointing game (%)', format: (v) => (100 * v).toFixed(1) }],
  density: [
    { key: 'rhoPlus', label: 'ρ⁺ ↑', format: (v) => v.toFixed(3) },
    { key: 'rhoMinus', label: 'ρ⁻ ↓', format: (v) => v.toFixed(3) },
  ],
  'insertion-deletion': [
    { key: 'insertion', label: 'insertion AUC ↑', format: (v) => v.toFixed(4) },
    { key: 'deletion', label: 'deletion AUC ↓', format: (v) => v.toFixed(4) },
  ],
};

const folders = new Map<Summary, string>();
const read = (p: string): Summary => JSON.parse(fs.readFileSync(fs.statSync(p).isDirectory() ? path.join(p, 'summary.json') : p, 'utf8')) as Summary;
const summaries = process.argv.slice(2).map((p) => {
  const s = read(p);
  folders.set(s, fs.statSync(p).isDirectory() ? p : path.dirname(p));
  return s;
});

/** Per (image/class) item, each method's value of `key` (hits as 1/0), from the run's JSONL. */
function itemValues(s: Summary, key: string): Map<string, Map<string, number>> {
  const file = path.join(folders.get(s)!, `${s.metric}-${s.model}.jsonl`);
  const out = new Map<string, Map<string, number>>();
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { image: string; method: string; entries?: Record<string, unknown>[] };
    for (const e of r.entries ?? []) {
      const raw = e[key];
      const v = raw === 'hit' ? 1 : raw === 'miss' ? 0 : typeof raw === 'number' && Number.isFinite(raw) ? raw : undefined;
      if (v === undefined) continue;
      const item = `${r.image}/${String(e.className)}`;
      if (!out.has(r.method)) out.set(r.method, new Map());
      out.get(r.method)!.set(item, v);
    }
  }
  return out;
}
if (summaries.length === 0) throw new Error('give cameras eval --out folders or their summary.json files');

for (const metric of [...new Set(summaries.map((s) => s.metric))]) {
  const group = summaries.filter((s) => s.metric === metric);
  const columns = COLUMNS[metric];
  if (!columns) throw new Error(`no table layout for metric ${metric}`);
  const methods = [...new Set(group.flatMap((s) => Object.keys(s.results)))];
  for (const col of columns) {
    const header = `| method | ${group.map((s) => `${s.model} (${s.images} images)`).join(' | ')} |`;
    const rule = `|---|${group.map(() => '---:').join('|')}|`;
    const cell = (s: Summary, m: string) => {
      const v = s.results[m]?.[col.key];
      if (v === undefined || !Number.isFinite(v)) return '—';
      const ci = s.ci?.[m]?.[col.key];
      const f = col.format;
      return ci ? `${f(v)} [${f(ci[0])}, ${f(ci[1])}]` : f(v);
    };
    const rows = methods.map((m) => `| ${m} | ${group.map((s) => cell(s, m)).join(' | ')} |`);
    const kept = group.map((s) => {
      const c = s.results.cameras;
      return c?.sizesUsedMean !== undefined ? `${c.sizesUsedMean.toFixed(2)} (${c.singleScale} single-scale)` : '—';
    });
    process.stdout.write(`**${metric}: ${col.label}**\n\n${header}\n${rule}\n${rows.join('\n')}\n| CAMERAS sizes kept of 8 | ${kept.join(' | ')} |\n\n`);
    const counts = group.map((s) => `${s.model}: ${methods.map((m) => `${m} ${s.n?.[m]?.[col.key] ?? '—'}`).join(', ')}`);
    process.stdout.write(`Items behind each value: ${counts.join('; ')}.\n\n`);
    const perModel = group.map((s) => itemValues(s, col.key));
    if (perModel.every((m) => m.has('cameras'))) {
      const others = methods.filter((m) => m !== 'cameras');
      const diff = (vals: Map<string, Map<string, number>>, m: string) => {
        const a = vals.get('cameras')!;
        const b = vals.get(m);
        if (!b) return '—';
        const d = [...a].flatMap(([item, v]) => (b.has(item) ? [v - b.get(item)!] : []));
        const mean = d.reduce((x, y) => x + y, 0) / d.length;
        const [lo, hi] = meanInterval(d);
        const f = col.format;
        return `${f(mean)} [${f(lo)}, ${f(hi)}] (${d.length})`;
      };
      process.stdout.write(`**${metric}: ${col.label}, CAMERAS minus each method, paired by item** (n pairs)\n\n${header}\n${rule}\n`);
      process.stdout.write(`${others.map((m) => `| cameras − ${m} | ${perModel.map((v) => diff(v, m)).join(' | ')} |`).join('\n')}\n\n`);
    }
  }
}
