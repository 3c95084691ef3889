import { describe, expect, it } from 'vitest';
import { acceptsSize, parseAcceptPolicy, rankOf } from './accept.js';

describe('acceptance policies', () => {
  it('parses the four policies and refuses anything else', () => {
    expect(parseAcceptPolicy('prediction')).toBe('prediction');
    expect(parseAcceptPolicy(' target ')).toBe('target');
    expect(parseAcceptPolicy('all')).toBe('all');
    expect(parseAcceptPolicy('top:05')).toBe('top:5');
    for (const bad of ['', 'top', 'top:0', 'top:-1', 'top:1.5', 'Prediction', 'top:k']) {
      expect(() => parseAcceptPolicy(bad)).toThrow(/unknown acceptance policy/);
    }
  });

  it('ranks with ties counted against the class', () => {
    expect(rankOf([0.1, 0.5, 0.3], 1)).toBe(0);
    expect(rankOf([0.1, 0.5, 0.3], 0)).toBe(2);
    expect(rankOf([0.5, 0.5, 0.3], 1)).toBe(1);
  });

  it('decides as each policy says', () => {
    const at = { logits: [1, 3, 2, 0], predicted: 1 };
    // Base prediction 1, explaining class 2 (second at this size).
    expect(acceptsSize('prediction', at, 1, 2)).toBe(true);
    expect(acceptsSize('prediction', at, 0, 2)).toBe(false);
    expect(acceptsSize('target', at, 0, 1)).toBe(true);
    expect(acceptsSize('target', at, 0, 2)).toBe(false);
    expect(acceptsSize('top:1', at, 0, 2)).toBe(false);
    expect(acceptsSize('top:2', at, 0, 2)).toBe(true);
    expect(acceptsSize('top:2', at, 0, 0)).toBe(false);
    expect(acceptsSize('all', at, 0, 3)).toBe(true);
  });
});
