import { describe, it, expect } from 'vitest';
import * as tf from './tf.js';
import { asClassScores } from './logits.js';

describe('asClassScores', () => {
  it('keeps [N, C], flattens [N, 1, 1, C] and [N, C, 1, 1]', () => {
    tf.tidy(() => {
      expect(asClassScores(tf.zeros([2, 10])).shape).toEqual([2, 10]);
      expect(asClassScores(tf.zeros([1, 1, 1, 10])).shape).toEqual([1, 10]);
      expect(asClassScores(tf.zeros([1, 10, 1, 1])).shape).toEqual([1, 10]);
    });
  });
  it('refuses map-shaped outputs (segmentation-like) with a clear error', () => {
    tf.tidy(() => {
      expect(() => asClassScores(tf.zeros([1, 8, 8, 3]), 'the output of seg')).toThrow(/the output of seg has shape \[1, 8, 8, 3\], not a vector of class scores/);
      expect(() => asClassScores(tf.zeros([4]))).toThrow(/not a vector of class scores/);
    });
  });
});
