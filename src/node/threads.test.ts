import { describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { checkThreads } from './threads.js';

describe('checkThreads', () => {
  it('accepts no count or a positive integer and rejects the rest', () => {
    expect(() => checkThreads(undefined)).not.toThrow();
    expect(() => checkThreads(3)).not.toThrow();
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) expect(() => checkThreads(bad)).toThrow(/threads must be a positive integer/);
  });

  it('guards initBackend before it changes anything', async () => {
    await expect(initBackend('cpu', { threads: 0 })).rejects.toThrow(/threads must be a positive integer, got 0/);
  });
});
