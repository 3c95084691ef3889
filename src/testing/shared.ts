/**
 * The shared data beside the repository (`../shared`: photos, VOC07, the model mirror, PyTorch
 * fixtures). CI has it; a fresh clone may not. Suites that read it declare what they need with
 * {@link describeShared}, so a clone without it runs every hermetic test and reports these as
 * skipped, each with the path it was missing in its name.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'vitest';

/** `../shared`, resolved against the working directory (vitest runs in the repository root). */
export const SHARED = path.resolve('../shared');

/** A path under `../shared`. */
export function sharedPath(...parts: string[]): string {
  return path.join(SHARED, ...parts);
}

/** The paths under `../shared` (relative, e.g. `data/photos`) that do not exist; empty when all do. */
export function missingShared(needs: readonly string[]): string[] {
  return needs.filter((rel) => !existsSync(sharedPath(rel))).map((rel) => path.join('..', 'shared', rel));
}

/** `../shared/a is absent`, `../shared/a, ../shared/b are absent`. */
function absent(missing: readonly string[]): string {
  return `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} absent`;
}

/** Whether every path under `../shared` in `needs` exists. */
export function hasShared(...needs: string[]): boolean {
  return missingShared(needs).length === 0;
}

/** The subset of vitest's `describe` the shared-data suites use. */
export interface SharedDescribe {
  (name: string, fn: () => void): void;
  each: typeof describe.each;
  concurrent(name: string, fn: () => void): void;
}

/**
 * `describe` for suites that read `../shared/<need>` for each of `needs`. With everything present it
 * is vitest's `describe`. Otherwise the suite's body is never run (it may read the files while
 * collecting), and one skipped test stands in for it, named after what is missing.
 */
export function describeShared(...needs: string[]): SharedDescribe {
  const missing = missingShared(needs);
  if (missing.length === 0) {
    return Object.assign((name: string, fn: () => void): void => void describe(name, fn), {
      // Bound: vitest's chainable API reads its context from `this`.
      each: describe.each.bind(describe) as typeof describe.each,
      concurrent: (name: string, fn: () => void): void => void describe.concurrent(name, fn),
    });
  }
  const reason = `skipped: ${absent(missing)} (the shared data beside the repository)`;
  const placeholder = (name: string): void => void describe(name, () => it.skip(reason, () => {}));
  // One placeholder per case keeps the case names; an empty table (it came from the missing data) gets one.
  const each = (cases: readonly unknown[]) => (name: string) =>
    cases.length === 0 ? placeholder(name) : void describe.each(cases as unknown[])(name, () => it.skip(reason, () => {}));
  return Object.assign((name: string): void => placeholder(name), { each: each as unknown as typeof describe.each, concurrent: placeholder });
}

/**
 * `it` for a single test that reads `../shared/<need>` for each of `needs`, in a suite whose other
 * tests do not: skipped, with what is missing in its name, when anything is absent.
 */
export function itShared(...needs: string[]): (name: string, fn: () => unknown, timeout?: number) => void {
  const missing = missingShared(needs);
  if (missing.length === 0) return (name, fn, timeout) => void it(name, fn, timeout);
  return (name) => void it.skip(`${name} [skipped: ${absent(missing)}]`, () => {});
}
