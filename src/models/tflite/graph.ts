import { asClassScores } from '../../core/logits.js';
import * as tf from '../../core/tf.js';
import { ConstantPool, compileOp, type Kernel } from './kernels.js';
import type { ModelDef } from './schema.js';

/** Operators that only turn logits into probabilities or re-encode them: dropped from the logits path. */
const OUTPUT_ONLY = new Set(['SOFTMAX', 'DEQUANTIZE', 'QUANTIZE']);

/**
 * The main subgraph of a TFLite model as a float32 TF.js computation that ends at the logits.
 * Operators keep their TFLite order (the file stores them topologically sorted), so a cut is an
 * operator index: the head runs the operators up to it, the tail the rest.
 */
export class TfliteGraph {
  /** The graph input tensor. */
  readonly inputIndex: number;
  /** The pre-softmax scores tensor. */
  readonly logitsIndex: number;
  /** Softmax `beta` the logits are multiplied by, so that softmax(logits) is the model's output. */
  readonly logitsScale: number;
  /** Index of the last operator needed for the logits. */
  readonly lastOp: number;
  /** Operator index producing each run-time tensor. */
  readonly producer = new Map<number, number>();
  private readonly kernels: Kernel[];
  private readonly pool: ConstantPool;
  /** Last operator (≤ lastOp) that reads each tensor. */
  private readonly lastUse = new Map<number, number>();

  constructor(readonly model: ModelDef) {
    if (model.inputs.length !== 1) throw new Error(`TFLite model has ${model.inputs.length} inputs; only single-input image classifiers are supported`);
    this.inputIndex = model.inputs[0];
    model.operators.forEach((op) => op.outputs.forEach((t) => this.producer.set(t, op.index)));

    let logits = model.outputs[0];
    let scale = 1;
    for (;;) {
      const p = this.producer.get(logits);
      if (p === undefined) break;
      const op = model.operators[p];
      if (!OUTPUT_ONLY.has(op.opName)) break;
      if (op.opName === 'SOFTMAX') scale *= op.options?.float32(0, 1) ?? 1;
      logits = op.inputs[0];
    }
    const last = this.producer.get(logits);
    if (last === undefined) throw new Error('TFLite model: the output is not computed from the input');
    this.logitsIndex = logits;
    this.logitsScale = scale;
    this.lastOp = last;

    this.pool = new ConstantPool(model);
    try {
      this.kernels = model.operators.slice(0, last + 1).map((op) => compileOp(model, op, this.pool));
    } catch (e) {
      this.pool.dispose();
      throw e;
    }
    for (const op of model.operators.slice(0, last + 1)) for (const t of op.inputs) if (t >= 0) this.lastUse.set(t, op.index);
  }

  /**
   * Runs operators `from..to` (inclusive) on `seeds` (tensor index → value) and returns `wanted`.
   * With `release`, intermediates are disposed after their last use (forward passes only: a
   * gradient tape still needs them).
   */
  run(seeds: ReadonlyMap<number, tf.Tensor>, from: number, to: number, wanted: readonly number[], release: boolean): tf.Tensor[] {
    const env = new Map(seeds);
    const keep = new Set([...seeds.keys(), ...wanted]);
    for (let j = from; j <= to; j++) {
      const op = this.model.operators[j];
      const xs = op.inputs.map((i) => {
        if (i < 0) return null;
        const v = env.get(i);
        if (v) return v;
        if (this.model.tensors[i].data === null) {
          throw new Error(`TFLite operator ${j} (${op.opName}) needs ${this.model.tensors[i].name}, which is not computed before it`);
        }
        return null;
      });
      env.set(op.outputs[0], this.kernels[j](xs));
      if (release) {
        for (const i of op.inputs) {
          if (i >= 0 && this.lastUse.get(i) === j && !keep.has(i)) {
            env.get(i)?.dispose();
            env.delete(i);
          }
        }
      }
    }
    return wanted.map((i) => {
      const v = env.get(i);
      if (!v) throw new Error(`TFLite tensor ${this.model.tensors[i].name} was not computed`);
      return v;
    });
  }

  /** The logits tensor's value as `[batch, classes]` pre-softmax scores. */
  toLogits(t: tf.Tensor): tf.Tensor2D {
    const flat = asClassScores(t, 'the TFLite model output');
    return this.logitsScale === 1 ? flat : (tf.mul(flat, this.logitsScale) as tf.Tensor2D);
  }

  /** Run-time tensors computed at or before operator `k` (or fed in) that operators after `k` read, other than `layer`. */
  crossing(k: number, layer: number): number[] {
    const out = new Set<number>();
    for (const op of this.model.operators.slice(k + 1, this.lastOp + 1)) {
      for (const t of op.inputs) {
        if (t < 0 || t === layer || this.model.tensors[t].data !== null) continue;
        const p = this.producer.get(t);
        if (p === undefined ? t === this.inputIndex : p <= k) out.add(t);
      }
    }
    if (this.logitsIndex !== layer && (this.producer.get(this.logitsIndex) ?? -1) <= k) out.add(this.logitsIndex);
    return [...out];
  }

  /** Release the weights. */
  dispose(): void {
    this.pool.dispose();
  }
}
