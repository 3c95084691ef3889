/**
 * Joins `cameras eval` summaries of several models into the paper's table shapes: one row per
 * method, one column per model, every cell `value [95 % interval]`, with the item counts below.
 *
 *   npx tsx scripts/imagenet-tables.ts out/eval/pointing-game-* [out/eval/density-* ...]
 *
 * Each argument is an `--out` folder (or its summary.json). Summaries of one metric form one table;
 * pointing game in %, densities and AUCs as fractions, as `cameras eval` prints them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

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

const read = (p: string): Summary => JSON.parse(fs.readFileSync(fs.statSync(p).isDirectory() ? path.join(p, 'summary.json') : p, 'utf8')) as Summary;
const summaries = process.argv.slice(2).map(read);
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
  }
}
