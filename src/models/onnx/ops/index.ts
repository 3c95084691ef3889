/** The operator registry of the ONNX importer (default ONNX domain). */
import type { OpDef } from '../node.js';
import { convOps } from './conv.js';
import { elementwiseOps } from './elementwise.js';
import { linearOps } from './linear.js';
import { normOps } from './norm.js';
import { poolOps } from './pool.js';
import { shapeOps } from './shape.js';
import { sliceOps } from './slice.js';

/** Every supported op type, by ONNX name. */
export const OPS: Readonly<Record<string, OpDef>> = {
  ...elementwiseOps,
  ...convOps,
  ...poolOps,
  ...shapeOps,
  ...sliceOps,
  ...linearOps,
  ...normOps,
};

/** Supported op types, sorted (for error messages and docs). */
export function supportedOps(): string[] {
  return Object.keys(OPS).sort();
}
