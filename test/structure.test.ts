/**
 * The layering the design promises (issue 17): `core/` imports nothing from the folders above it,
 * and modules import each other without cycles. Reads the sources only, so it needs no data.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');

/** Every non-test `.ts` file under `dir`. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** The files `file` imports through relative specifiers (type-only imports included). */
function importsOf(file: string): string[] {
  const deps = new Set<string>();
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const spec = (m[1] ?? m[2]).replace(/\.js$/, '');
    const base = path.resolve(path.dirname(file), spec);
    const target = [`${base}.ts`, path.join(base, 'index.ts')].find((t) => existsSync(t));
    deps.add(target ?? `${base} (unresolved)`);
  }
  return [...deps];
}

/** Strongly connected components with more than one file (Tarjan): each is an import cycle. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(path.relative(SRC, w));
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the import structure of src/', () => {
  const graph = new Map(sources(SRC).map((f) => [f, importsOf(f)]));

  it('resolves every relative import (the check below would otherwise miss edges)', () => {
    const unresolved = [...graph].flatMap(([f, deps]) => deps.filter((d) => d.endsWith('(unresolved)')).map((d) => `${path.relative(SRC, f)} → ${d}`));
    expect(unresolved).toEqual([]);
  });

  it('core/ imports only core/ (and packages)', () => {
    const core = path.join(SRC, 'core');
    const upward = [...graph]
      .filter(([f]) => f.startsWith(core + path.sep))
      .flatMap(([f, deps]) => deps.filter((d) => !d.startsWith(core + path.sep)).map((d) => `${path.relative(SRC, f)} → ${path.relative(SRC, d)}`));
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph).map((c) => c.join(' ↔ '))).toEqual([]);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const a = path.join(SRC, 'a.ts');
    const b = path.join(SRC, 'b.ts');
    expect(cycles(new Map([[a, [b]], [b, [a]]]))).toEqual([['a.ts', 'b.ts']]);
    expect(cycles(new Map([[a, [b]], [b, []]]))).toEqual([]);
  });
});
