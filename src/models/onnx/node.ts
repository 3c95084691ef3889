/**
 * Graph nodes as the importer sees them, the contract every op implementation follows, and
 * attribute accessors.
 */
import type * as tf from '../../core/tf.js';
import type { Attr } from './proto.js';
import type { ConstValue, Value } from './values.js';

/** One ONNX node with decoded attributes. */
export interface OnnxNode {
  /** Node name (may be empty in hand-written models; see {@link nodeLabel}). */
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** Input tensor names; `''` marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyMap<string, Attr>;
  /** Position in topological order. */
  readonly index: number;
}

/** What ops may ask of the importer while running. */
export interface OpContext {
  /** Default-domain opset the model imports (ops whose signature changed between opsets read it). */
  readonly opset: number;
}

/**
 * One ONNX operator.
 *
 * Inputs listed in `constInputs` reach `run`/`prepare` as {@link ConstValue}s whenever they are
 * constant (shapes, axes, pads, weights); every other constant input is turned into a tensor
 * first (once at load time for initializers, so weights are never re-uploaded).
 */
export interface OpDef {
  readonly constInputs?: readonly number[];
  /**
   * Builds model-lifetime tensors from constant inputs (e.g. a conv filter in TF.js layout).
   * Each tensor it creates must go through `keep`, which registers it for `dispose()`.
   */
  prepare?(node: OnnxNode, inputs: readonly (ConstValue | undefined)[], keep: <T extends tf.Tensor>(t: T) => T): unknown;
  /**
   * Evaluates the op on the CPU when all inputs are constants (shape arithmetic); return
   * `undefined` to let the importer run `run` on temporary tensors instead.
   */
  cpu?(node: OnnxNode, inputs: readonly (ConstValue | undefined)[], ctx: OpContext): ConstValue[] | undefined;
  /** Runs the op with TF.js ops (differentiable with respect to tensor inputs). */
  run(node: OnnxNode, inputs: readonly (Value | undefined)[], prepared: unknown, ctx: OpContext): Value[];
}

/** How a node is named in errors. */
export function nodeLabel(node: OnnxNode): string {
  return node.name ? `"${node.name}"` : `#${node.index} (outputs ${node.outputs.join(', ')})`;
}

/** Integer attribute. */
export function attrInt(node: OnnxNode, name: string, fallback: number): number {
  return node.attrs.get(name)?.i ?? fallback;
}

/** Float attribute. */
export function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  return node.attrs.get(name)?.f ?? fallback;
}

/** String attribute. */
export function attrString(node: OnnxNode, name: string, fallback: string): string {
  return node.attrs.get(name)?.s ?? fallback;
}

/** Integer-list attribute, `undefined` when absent. */
export function attrInts(node: OnnxNode, name: string): readonly number[] | undefined {
  return node.attrs.get(name)?.ints;
}

/** Float-list attribute, `undefined` when absent. */
export function attrFloats(node: OnnxNode, name: string): readonly number[] | undefined {
  return node.attrs.get(name)?.floats;
}

/** Requires an input to be present. */
export function need<T>(v: T | undefined, node: OnnxNode, index: number): T {
  if (v === undefined) throw new Error(`input ${index} is missing`);
  return v;
}
