import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasShared, missingShared, SHARED, sharedPath } from './shared.js';

describe('the ../shared lookup', () => {
  it('resolves ../shared beside the repository (vitest runs in its root)', () => {
    expect(SHARED).toBe(path.resolve('..', 'shared'));
    expect(sharedPath('data', 'photos')).toBe(path.join(path.resolve('..', 'shared'), 'data', 'photos'));
  });

  it('names exactly the paths that are absent, as ../shared/…', () => {
    // A name no checkout has, next to one this run just made.
    const made = mkdtempSync(path.join(os.tmpdir(), 'cameras-shared-'));
    try {
      const present = path.relative(SHARED, made);
      expect(missingShared([present, 'no/such/folder-7f3a'])).toEqual([path.join('..', 'shared', 'no/such/folder-7f3a')]);
      expect(hasShared(present)).toBe(true);
      expect(hasShared(present, 'no/such/folder-7f3a')).toBe(false);
    } finally {
      rmSync(made, { recursive: true, force: true });
    }
  });
});
